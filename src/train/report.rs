//! The figures and curves of a run directory: confusion.png, loss.png, accuracy.png and
//! history.json (per-epoch curves averaged over the repeats).

use crate::error::Result;
use crate::plot::{self, Series};
use crate::run::{EpochRecord, ExperimentConfig, ExperimentResult, write_json};
use std::path::Path;

/// Mean of each epoch's value over the repeats that reached that epoch.
/// Which value of an epoch record a curve shows.
type Pick = fn(&EpochRecord) -> Option<f64>;

fn mean_curve(histories: &[(String, Vec<EpochRecord>)], pick: Pick) -> Vec<f64> {
    let longest = histories.iter().map(|(_, h)| h.len()).max().unwrap_or(0);
    (0..longest)
        .map(|e| {
            let values: Vec<f64> = histories.iter().filter_map(|(_, h)| h.get(e).and_then(pick)).collect();
            if values.is_empty() {
                f64::NAN
            } else {
                values.iter().sum::<f64>() / values.len() as f64
            }
        })
        .collect()
}

/// confusion.png, loss.png, accuracy.png and history.json.
pub fn write_reports(
    out: &Path,
    cfg: &ExperimentConfig,
    result: &ExperimentResult,
    histories: &[(String, Vec<EpochRecord>)],
) -> Result<()> {
    let names: Vec<&str> = result.pooled.per_class.iter().map(|c| c.name.as_str()).collect();
    let title = format!(
        "{} ({} protocol): accuracy {:.3}, macro-F1 {:.3}",
        cfg.model.name(),
        cfg.protocol_name(),
        result.summary.accuracy.mean,
        result.summary.macro_f1.mean
    );
    if result.pooled.n > 0 {
        plot::confusion_png(&out.join("confusion.png"), &title, &result.pooled.confusion, &names)?;
    }
    if histories.is_empty() {
        return Ok(());
    }
    write_json(
        &out.join("history.json"),
        &histories.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
    )?;
    let repeats = if histories.len() > 1 {
        format!(" (mean of {} repeats)", histories.len())
    } else {
        String::new()
    };
    // One figure per quantity: the train and validation curves, averaged over the repeats.
    let figures: [(&str, &str, Pick, Pick); 2] = [
        ("loss", "cross entropy", |r| Some(r.train_loss), |r| r.val_loss),
        ("accuracy", "accuracy", |r| Some(r.train_accuracy), |r| r.val_accuracy),
    ];
    for (what, y_label, train, validation) in figures {
        let (train, validation) = (mean_curve(histories, train), mean_curve(histories, validation));
        plot::curves_png(
            &out.join(format!("{what}.png")),
            &format!("{} {what}{repeats}", cfg.model.name()),
            y_label,
            &[
                Series {
                    name: "train",
                    values: &train,
                },
                Series {
                    name: "validation",
                    values: &validation,
                },
            ],
        )?;
    }
    Ok(())
}
