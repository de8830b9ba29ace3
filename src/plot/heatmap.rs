//! Heatmaps with axes (spectrograms, the paper's Figure 1): alone or in a grid of tiles.

use super::colormap;
use super::style::{plot_err, register_font};
use crate::error::Result;
use plotters::prelude::*;
use std::path::Path;

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
