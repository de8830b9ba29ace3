//! The emotion timeline of a recording of any length, readable from seconds to hours: one lane
//! per class (its probability as colour intensity, smoothed over a few pixels), a strip with
//! the winning label, and the waveform as a peak envelope on top; time ticks in h:mm:ss.
//! Windows are reduced to pixel columns first, so a 10-hour file draws as fast as a short one.

use super::style::{CLASS_COLOURS, plot_err, register_font};
use crate::error::Result;
use plotters::prelude::*;
use std::path::Path;

/// One classified (or silent) window of a timeline.
pub struct TimelineWindow<'a> {
    pub start: f64,
    pub end: f64,
    /// Class probabilities in class order; empty for silence / too short.
    pub probabilities: Vec<f32>,
    pub label: &'a str,
}

/// Pixel columns of the plot area.
const COLUMNS: usize = 1240;
/// Columns each side averaged into a lane's intensity.
const SMOOTH: usize = 2;

fn hms(t: f64) -> String {
    let s = t.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Per column: mean class probabilities of the windows it overlaps (overlap-weighted), or
/// `None` where only silence falls.
fn columns(windows: &[TimelineWindow], classes: usize, seconds: f64) -> Vec<Option<Vec<f32>>> {
    let width = seconds / COLUMNS as f64;
    let mut sums = vec![(vec![0.0f64; classes], 0.0f64); COLUMNS];
    for (i, w) in windows.iter().enumerate() {
        // Overlapping windows: each one owns the time up to the next window's start.
        let end = windows.get(i + 1).map_or(w.end, |next| next.start.min(w.end));
        if w.probabilities.len() != classes || end <= w.start {
            continue;
        }
        let first = ((w.start / width) as usize).min(COLUMNS - 1);
        let last = ((end / width).ceil() as usize).clamp(first + 1, COLUMNS);
        for (c, (sum, weight)) in sums.iter_mut().enumerate().take(last).skip(first) {
            let overlap = (end.min((c + 1) as f64 * width) - w.start.max(c as f64 * width)).max(0.0);
            for (s, p) in sum.iter_mut().zip(&w.probabilities) {
                *s += overlap * *p as f64;
            }
            *weight += overlap;
        }
    }
    sums.into_iter()
        .map(|(s, w)| (w > 0.0).then(|| s.iter().map(|v| (v / w) as f32).collect()))
        .collect()
}

/// Draws the timeline. `envelope` holds the waveform's peak per `1 / envelope_hz` seconds.
pub fn timeline_png(
    path: &Path,
    title: &str,
    envelope: &[f32],
    envelope_hz: usize,
    windows: &[TimelineWindow],
    names: &[&str],
) -> Result<()> {
    register_font();
    let k = names.len();
    let seconds = (envelope.len() as f64 / envelope_hz.max(1) as f64)
        .max(windows.last().map_or(0.0, |w| w.end))
        .max(1e-3);
    let cols = columns(windows, k, seconds);
    let peak = envelope.iter().fold(0.0f32, |m, v| m.max(*v)).max(1e-6);
    // Rows from the bottom: class lanes 0..k, the label strip, then the waveform (3 rows high).
    let (strip, wave_lo, top) = (k as f64, k as f64 + 1.2, k as f64 + 4.4);
    let height = 170 + 30 * k as u32 + 110;
    let draw = || -> std::result::Result<(), String> {
        let root = BitMapBackend::new(path, (1400, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..seconds, 0f64..top)
            .map_err(|e| e.to_string())?;
        let lane_name = |y: &f64| -> String {
            let row = y.floor() as usize;
            match row {
                r if r < k && (y - y.floor() - 0.5).abs() < 1e-6 => names[r].to_string(),
                _ if (y - (strip + 0.4)).abs() < 1e-6 => "label".into(),
                _ if (y - (wave_lo + 1.6)).abs() < 1e-6 => "waveform".into(),
                _ => String::new(),
            }
        };
        let label_rows: Vec<f64> = (0..k)
            .map(|r| r as f64 + 0.5)
            .chain([strip + 0.4, wave_lo + 1.6])
            .collect();
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(10)
            .x_label_formatter(&|t| hms(*t))
            .x_desc("time (h:mm:ss)")
            .y_labels(0)
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let width = seconds / COLUMNS as f64;
        for (c, col) in cols.iter().enumerate() {
            let (x0, x1) = (c as f64 * width, (c + 1) as f64 * width);
            let Some(_) = col else {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, strip), (x1, strip + 0.8)],
                        RGBColor(225, 225, 225).filled(),
                    )))
                    .map_err(|e| e.to_string())?;
                continue;
            };
            let lo = c.saturating_sub(SMOOTH);
            let hi = (c + SMOOTH + 1).min(COLUMNS);
            let near: Vec<&Vec<f32>> = cols[lo..hi].iter().flatten().collect();
            let smooth: Vec<f32> = (0..k)
                .map(|j| near.iter().map(|p| p[j]).sum::<f32>() / near.len() as f32)
                .collect();
            let best = (0..k).max_by(|&a, &b| smooth[a].total_cmp(&smooth[b])).unwrap_or(0);
            let lanes = (0..k).map(|j| {
                let colour = CLASS_COLOURS[j % CLASS_COLOURS.len()];
                Rectangle::new(
                    [(x0, j as f64 + 0.05), (x1, j as f64 + 0.95)],
                    colour.mix(smooth[j].clamp(0.0, 1.0) as f64).filled(),
                )
            });
            chart.draw_series(lanes).map_err(|e| e.to_string())?;
            let colour = CLASS_COLOURS[best % CLASS_COLOURS.len()];
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0, strip), (x1, strip + 0.8)],
                    colour.filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
        // Waveform peak envelope, reduced to one bar per column.
        let per = envelope.len().div_ceil(COLUMNS).max(1);
        let mid = wave_lo + 1.6;
        let bars = envelope.chunks(per).enumerate().map(|(i, c)| {
            let t = (i * per) as f64 / envelope_hz.max(1) as f64;
            let a = c.iter().fold(0.0f32, |m, v| m.max(*v)) as f64 / peak as f64 * 1.55;
            Rectangle::new(
                [(t, mid - a), (t + per as f64 / envelope_hz.max(1) as f64, mid + a)],
                RGBColor(70, 70, 70).filled(),
            )
        });
        chart.draw_series(bars).map_err(|e| e.to_string())?;
        let style = TextStyle::from(("sans-serif", 13).into_font()).color(&BLACK);
        for y in label_rows {
            let text = lane_name(&y);
            let (px, py) = chart.backend_coord(&(0.0, y));
            root.draw(&Text::new(text, (px - 104, py - 7), style.clone()))
                .map_err(|e| e.to_string())?;
        }
        root.present().map_err(|e| e.to_string())
    };
    draw().map_err(|e| plot_err(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_average_overlapping_windows_and_skip_silence() {
        let w = |start: f64, end: f64, p: Vec<f32>| TimelineWindow {
            start,
            end,
            probabilities: p,
            label: "",
        };
        let windows = [
            w(0.0, 2.0, vec![1.0, 0.0]),
            w(1.0, 3.0, vec![0.0, 1.0]),
            w(3.0, 4.0, vec![]),
        ];
        let cols = columns(&windows, 2, 4.0);
        assert_eq!(cols.len(), COLUMNS);
        assert_eq!(cols[10].as_deref(), Some(&[1.0, 0.0][..]));
        assert_eq!(cols[COLUMNS / 2].as_deref(), Some(&[0.0, 1.0][..]));
        assert!(cols[COLUMNS - 1].is_none(), "silence");
        assert_eq!(hms(3725.0), "1:02:05");
        assert_eq!(hms(65.0), "1:05");
    }
}
