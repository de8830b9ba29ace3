//! PNG figures: spectrograms (the paper's Figure 1), training curves (Figure 3), confusion
//! matrices (Figure 4), and emotion timelines ([`timeline`]). Rendering is pure Rust (plotters' bitmap backend + ab_glyph) with the
//! DejaVu Sans font embedded, so plots work on headless machines without font libraries.

use crate::error::{Error, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

mod timeline;
pub use timeline::{TimelineWindow, timeline_png};

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; a failure here would only lose text labels.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

pub(crate) fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.into(),
        reason: e.to_string(),
    }
}

/// Magma-like colour map stops (dark purple -> orange -> pale yellow).
const MAGMA: [(u8, u8, u8); 9] = [
    (0, 0, 4),
    (28, 16, 68),
    (79, 18, 123),
    (129, 37, 129),
    (181, 54, 122),
    (229, 80, 100),
    (251, 135, 97),
    (254, 194, 135),
    (252, 253, 191),
];

/// Colour for `t` in [0, 1] (clamped; non-finite maps to 0).
pub fn colormap(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 } * (MAGMA.len() - 1) as f64;
    let i = (t.floor() as usize).min(MAGMA.len() - 2);
    let f = t - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (MAGMA[i], MAGMA[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// An image with axes: `values` row-major [rows, cols], row 0 drawn at the bottom.
pub struct Heatmap<'a> {
    pub title: &'a str,
    pub values: &'a [f32],
    pub rows: usize,
    pub cols: usize,
    /// x axis range (e.g. seconds) spanned by the columns.
    pub x_range: (f64, f64),
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Tick text for a row position (e.g. mel bin -> Hz).
    pub y_tick: &'a dyn Fn(f64) -> String,
    /// Colour scale limits; `None` = the data's min and max.
    pub limits: Option<(f32, f32)>,
    /// Colour bar title; `None` draws no colour bar (grids).
    pub colorbar: Option<&'a str>,
}

/// Draws a heatmap into `area` (used alone or in grids).
pub fn draw_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    h: &Heatmap,
) -> std::result::Result<(), String> {
    register_font();
    let (lo, hi) = h.limits.unwrap_or_else(|| {
        h.values
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)))
    });
    let span = (hi - lo).max(1e-12) as f64;
    let bar_width = if h.colorbar.is_some() { 90 } else { 0 };
    let (main, bar) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(bar_width));
    let mut chart = ChartBuilder::on(&main)
        .caption(h.title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(h.x_range.0..h.x_range.1, 0f64..h.rows as f64)
        .map_err(|e| e.to_string())?;
    let (w, ht) = chart.plotting_area().dim_in_pixel();
    let mut buf = vec![0u8; (w * ht * 3) as usize];
    for py in 0..ht as usize {
        let row = ((ht as usize - 1 - py) * h.rows) / ht as usize;
        for px in 0..w as usize {
            let col = px * h.cols / w as usize;
            let c = colormap((h.values[row * h.cols + col] - lo) as f64 / span);
            let i = (py * w as usize + px) * 3;
            buf[i..i + 3].copy_from_slice(&[c.0, c.1, c.2]);
        }
    }
    let image: BitMapElement<(f64, f64)> = BitMapElement::with_owned_buffer((h.x_range.0, h.rows as f64), (w, ht), buf)
        .ok_or("image buffer size mismatch")?;
    chart.plotting_area().draw(&image).map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(h.x_label)
        .y_desc(h.y_label)
        .y_label_formatter(&|v| (h.y_tick)(*v))
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    let Some(colorbar_label) = h.colorbar else {
        return Ok(());
    };
    let mut cb = ChartBuilder::on(&bar)
        .margin_top(36)
        .margin_bottom(48)
        .margin_right(8)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..1.0, lo as f64..hi.max(lo + 1e-6) as f64)
        .map_err(|e| e.to_string())?;
    let steps = 64;
    cb.draw_series((0..steps).map(|i| {
        let a = lo as f64 + span * i as f64 / steps as f64;
        let b = lo as f64 + span * (i + 1) as f64 / steps as f64;
        Rectangle::new([(0.0, a), (1.0, b)], colormap(i as f64 / (steps - 1) as f64).filled())
    }))
    .map_err(|e| e.to_string())?;
    cb.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc(colorbar_label)
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Writes a single heatmap PNG.
pub fn heatmap_png(path: &Path, h: &Heatmap, size: (u32, u32)) -> Result<()> {
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    draw_heatmap(&root, h).map_err(|e| plot_err(path, e))?;
    root.present().map_err(|e| plot_err(path, e))
}

/// Several heatmaps in a grid of `columns` columns (e.g. augmented versions of one clip).
pub fn heatmap_grid_png(path: &Path, maps: &[Heatmap], columns: usize, tile: (u32, u32)) -> Result<()> {
    let columns = columns.max(1);
    let rows = maps.len().div_ceil(columns);
    let root = BitMapBackend::new(path, (tile.0 * columns as u32, tile.1 * rows as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(path, e))?;
    for (area, map) in root.split_evenly((rows, columns)).iter().zip(maps) {
        draw_heatmap(area, map).map_err(|e| plot_err(path, e))?;
    }
    root.present().map_err(|e| plot_err(path, e))
}

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

/// Colour of each emotion class (index order), and grey for silence.
pub const CLASS_COLOURS: [RGBColor; 8] = [
    RGBColor(150, 150, 150),
    RGBColor(120, 190, 230),
    RGBColor(250, 200, 40),
    RGBColor(60, 90, 200),
    RGBColor(220, 40, 40),
    RGBColor(150, 60, 190),
    RGBColor(90, 160, 60),
    RGBColor(250, 120, 30),
];
