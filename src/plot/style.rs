//! What every figure shares: the embedded DejaVu Sans font, the colour map of spectrograms and
//! the colours of the emotion classes, and the error a failed drawing becomes.

use crate::error::Error;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("DejaVuSans.ttf");

pub(super) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; a failure here would only lose text labels.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

pub(super) fn plot_err(path: &Path, e: impl std::fmt::Display) -> Error {
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
