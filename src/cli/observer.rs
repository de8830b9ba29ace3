//! What the user sees of long work: the library's notes printed on standard error (warnings
//! prefixed), and progress bars drawn there too, hidden automatically when standard error is
//! not a terminal (CI logs, pipes) so `--json` output on stdout stays clean.

use emovox::observe::{Level, Observer, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::sync::Arc;

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

/// Notes and bars on standard error; a note is printed above any live bar.
pub struct Terminal {
    bars: MultiProgress,
}

impl Terminal {
    /// Makes this process's library reports visible.
    pub fn install() {
        emovox::observe::set_observer(Arc::new(Terminal {
            bars: MultiProgress::new(),
        }));
    }
}

struct Bar {
    bar: ProgressBar,
    label: String,
}

impl Progress for Bar {
    fn advance(&self, steps: usize) {
        self.bar.inc(steps as u64);
    }

    fn status(&self, text: String) {
        self.bar.set_message(format!("{} {text}", self.label));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Terminal {
    fn note(&self, level: Level, text: &str) {
        self.bars.suspend(|| match level {
            Level::Info => eprintln!("{text}"),
            Level::Warning => eprintln!("warning: {text}"),
        });
    }

    fn progress(&self, label: &str, len: usize) -> Box<dyn Progress> {
        Box::new(Bar {
            bar: self.bars.add(bar(len, label)),
            label: label.to_string(),
        })
    }
}
