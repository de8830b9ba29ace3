//! Charts of a run: training curves over epochs (the paper's Figure 3) and the confusion
//! matrix (Figure 4).

use super::colormap;
use super::style::{plot_err, register_font};
use crate::error::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// One line of a curve plot.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
}

/// Line plot over epochs (1-based x), one colour per series.
pub fn curves_png(path: &Path, title: &str, y_label: &str, series: &[Series]) -> Result<()> {
    register_font();
    let colours = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
    let n = series.iter().map(|s| s.values.len()).max().unwrap_or(0).max(2) as f64;
    let finite = || {
        series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .filter(|v| v.is_finite())
    };
    let lo = finite().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max).max(lo + 1e-6) * 1.05;
    let draw = || -> std::result::Result<(), String> {
        let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(1f64..n, lo..hi)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_desc(y_label)
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        for (s, colour) in series.iter().zip(colours.iter().cycle()) {
            let style = colour.stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    s.values.iter().enumerate().map(|(i, &v)| (i as f64 + 1.0, v)),
                    style,
                ))
                .map_err(|e| e.to_string())?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())
    };
    draw().map_err(|e| plot_err(path, e))
}

/// Confusion matrix: rows = true class, columns = predicted; cells coloured by row-normalised
/// recall and labelled with counts.
pub fn confusion_png(path: &Path, title: &str, counts: &[Vec<usize>], names: &[&str]) -> Result<()> {
    register_font();
    let n = names.len();
    let draw = || -> std::result::Result<(), String> {
        let root = BitMapBackend::new(path, (880, 820)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(15)
            .x_label_area_size(110)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..n as f64, 0f64..n as f64)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|_| String::new())
            .x_desc("predicted")
            .y_desc("true")
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut cells = Vec::new();
        let mut texts = Vec::new();
        for (t, row) in counts.iter().enumerate() {
            let total = row.iter().sum::<usize>().max(1) as f64;
            let y = (n - 1 - t) as f64;
            for (p, &c) in row.iter().enumerate() {
                let share = c as f64 / total;
                cells.push(Rectangle::new(
                    [(p as f64, y), (p as f64 + 1.0, y + 1.0)],
                    colormap(share).filled(),
                ));
                let ink = if share > 0.6 { BLACK } else { WHITE };
                texts.push(Text::new(
                    c.to_string(),
                    (p as f64 + 0.5, y + 0.5),
                    ("sans-serif", 16)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ));
            }
        }
        chart.draw_series(cells).map_err(|e| e.to_string())?;
        chart.draw_series(texts).map_err(|e| e.to_string())?;
        let label = ("sans-serif", 15).into_font().color(&BLACK);
        for (i, name) in names.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw_text(
                name,
                &label
                    .clone()
                    .transform(FontTransform::Rotate90)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
                (x, y + 8),
            )
            .map_err(|e| e.to_string())?;
            let (x, y) = chart.backend_coord(&(0.0, (n - 1 - i) as f64 + 0.5));
            root.draw_text(
                name,
                &label.clone().pos(Pos::new(HPos::Right, VPos::Center)),
                (x - 8, y),
            )
            .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    };
    draw().map_err(|e| plot_err(path, e))
}
