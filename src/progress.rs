//! Progress bars for long work, drawn on stderr and hidden automatically when stderr is not a
//! terminal (CI logs, pipes), so `--json` output on stdout stays clean.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps with a message.
pub fn bar(len: usize, message: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>12} [{elapsed_precise}] {bar:36.cyan/blue} {pos:>6}/{len:6} {per_sec} eta {eta}",
    ) {
        pb.set_style(style.progress_chars("=>-"));
    }
    pb.set_message(message.to_string());
    pb
}

/// Prints a line above any live bar (or plainly when bars are hidden).
pub fn note(pb: &ProgressBar, line: &str) {
    pb.suspend(|| eprintln!("{line}"));
}
