//! Image-style operations on log-mel images, each a WGSL kernel with a CPU reference:
//! [`warp`] (resize / rotate / zoom / shift / brightness / contrast).

pub mod warp;

pub use warp::{Warp, warp, warp_cpu};
