//! How `emovox predict` prints its results as they stream in: a table, CSV, JSON Lines, or one
//! JSON array at the end, plus a timeline PNG per input when asked.

use emovox::plot::{TimelineWindow, timeline_png};
use emovox::predict::pipeline::ENVELOPE_HZ;
use emovox::predict::{FileResult, Sink, Window};
use std::path::{Path, PathBuf};

fn png_path(base: &Path, file: &Path, many: bool) -> PathBuf {
    if !many {
        return base.to_path_buf();
    }
    let stem = base
        .file_stem()
        .map_or("timeline".into(), |s| s.to_string_lossy().into_owned());
    let file_stem = file
        .file_stem()
        .map_or("clip".into(), |s| s.to_string_lossy().into_owned());
    base.with_file_name(format!("{stem}-{file_stem}.png"))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// How results are printed.
pub(super) enum Format {
    Table,
    Csv,
    Jsonl,
    /// Collected and printed as one array at the end.
    Json(Vec<FileResult>),
}

/// Prints results as they come, draws timelines, and counts what was predicted.
pub(super) struct Printer<'a> {
    pub(super) format: Format,
    names: Vec<&'a str>,
    timeline: bool,
    png: Option<(&'a Path, bool)>,
    /// Inputs predicted, and inputs seen (predicted or failed).
    pub(super) predicted: usize,
    pub(super) files: usize,
    current: Option<PathBuf>,
}

impl<'a> Printer<'a> {
    /// `png`: where timelines go, and whether there are several inputs (one PNG each).
    pub(super) fn new(format: Format, names: Vec<&'a str>, timeline: bool, png: Option<(&'a Path, bool)>) -> Self {
        Printer {
            format,
            names,
            timeline,
            png,
            predicted: 0,
            files: 0,
            current: None,
        }
    }

    fn csv_cells(&self, p: &emovox::predict::Prediction) -> String {
        let values: Vec<String> = if p.probabilities.is_empty() {
            vec![String::new(); self.names.len()]
        } else {
            p.probabilities.iter().map(|(_, v)| format!("{v:.4}")).collect()
        };
        format!("{},{:.4},{}", csv_field(&p.label), p.confidence, values.join(","))
    }

    /// The CSV header (nothing in the other formats).
    pub(super) fn header(&self) {
        if let Format::Csv = self.format {
            let probs = self
                .names
                .iter()
                .map(|n| format!("p_{n}"))
                .collect::<Vec<_>>()
                .join(",");
            if self.timeline {
                println!("path,start,end,label,confidence,{probs},error");
            } else {
                println!("path,duration,label,confidence,{probs},error");
            }
        }
    }

    fn draw(&self, r: &FileResult) -> emovox::Result<()> {
        let Some((base, many)) = self.png else { return Ok(()) };
        if r.error.is_some() {
            return Ok(());
        }
        let windows: Vec<TimelineWindow> = r
            .windows
            .iter()
            .map(|w| TimelineWindow {
                start: w.start,
                end: w.end,
                probabilities: w.prediction.probabilities.iter().map(|(_, p)| *p).collect(),
                label: &w.prediction.label,
            })
            .collect();
        let out = png_path(base, &r.path, many);
        let title = format!("emotion timeline: {}", r.path.display());
        timeline_png(&out, &title, &r.envelope, ENVELOPE_HZ, &windows, &self.names)?;
        eprintln!("wrote {}", out.display());
        Ok(())
    }
}

impl Sink for Printer<'_> {
    fn window(&mut self, path: &Path, w: &Window) -> emovox::Result<()> {
        let p = &w.prediction;
        match &self.format {
            Format::Table => {
                if self.current.as_deref() != Some(path) {
                    println!("{}:", path.display());
                    self.current = Some(path.to_path_buf());
                }
                println!(
                    "  {:>9} - {:>9}  {:<10} {:.2}",
                    clock(w.start),
                    clock(w.end),
                    p.label,
                    p.confidence
                );
            }
            Format::Csv => println!(
                "{},{:.3},{:.3},{},",
                csv_field(&path.display().to_string()),
                w.start,
                w.end,
                self.csv_cells(p)
            ),
            Format::Jsonl => println!("{}", record(&Record::Window { path, window: w })?),
            Format::Json(_) => {}
        }
        Ok(())
    }

    fn file(&mut self, r: FileResult) -> emovox::Result<()> {
        self.files += 1;
        if r.error.is_none() {
            self.predicted += 1;
        }
        self.draw(&r)?;
        match &mut self.format {
            Format::Table => print_table_row(&r, self.timeline),
            Format::Csv => {
                let path = csv_field(&r.path.display().to_string());
                let error = csv_field(r.error.as_deref().unwrap_or(""));
                let empty = vec![""; self.names.len() + 2].join(",");
                if r.error.is_some() {
                    if self.timeline {
                        println!("{path},,,{empty},{error}");
                    } else {
                        println!("{path},,{empty},{error}");
                    }
                } else if !self.timeline
                    && let Some(p) = &r.prediction
                {
                    println!("{path},{:.3},{},", r.duration.unwrap_or(0.0), self.csv_cells(p));
                }
            }
            Format::Jsonl => println!("{}", record(&Record::File(&r))?),
            Format::Json(all) => all.push(r),
        }
        Ok(())
    }
}

/// One JSON Lines record (written straight from the structs, so class probabilities keep the
/// model's order).
#[derive(serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Record<'a> {
    Window {
        path: &'a Path,
        #[serde(flatten)]
        window: &'a Window,
    },
    File(&'a FileResult),
}

fn record(r: &Record) -> emovox::Result<String> {
    serde_json::to_string(r).map_err(|e| emovox::Error::Data(format!("writing JSON: {e}")))
}

fn clock(t: f64) -> String {
    let whole = t.floor() as u64;
    format!(
        "{}:{:02}:{:02}.{:01}",
        whole / 3600,
        whole / 60 % 60,
        whole % 60,
        ((t - whole as f64) * 10.0) as u64
    )
}

fn print_table_row(r: &FileResult, timeline: bool) {
    if let Some(e) = &r.error {
        println!("{}: error: {e}", r.path.display());
        return;
    }
    let Some(p) = &r.prediction else { return };
    let mut top: Vec<&(String, f32)> = p.probabilities.iter().collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    let others: Vec<String> = top.iter().skip(1).take(2).map(|(n, v)| format!("{n} {v:.2}")).collect();
    let what = if timeline { "  overall" } else { "" };
    println!(
        "{:<10} {:>5.2}  ({})  {}{what}",
        p.label,
        p.confidence,
        others.join(", "),
        r.path.display()
    );
}
