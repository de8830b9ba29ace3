//! PNG figures: spectrograms (the paper's Figure 1), training curves (Figure 3), confusion
//! matrices (Figure 4), and emotion timelines ([`timeline_png`]). Rendering is pure Rust
//! (plotters' bitmap backend + ab_glyph) with the DejaVu Sans font embedded, so plots work on
//! headless machines without font libraries.

mod charts;
mod heatmap;
mod style;
mod timeline;

pub use charts::{Series, confusion_png, curves_png};
pub use heatmap::{Heatmap, draw_heatmap, heatmap_grid_png, heatmap_png};
pub use style::{CLASS_COLOURS, colormap};
pub use timeline::{TimelineWindow, timeline_png};
