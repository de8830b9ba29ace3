//! How library code tells its user what is happening: notes (information and warnings) and
//! the progress of long work, sent to the process's [`Observer`]. The command line installs
//! one that prints notes and draws progress bars on standard error; without one (the library
//! used from other code, tests) they go nowhere. Library code never prints.

use std::sync::{Arc, PoisonError, RwLock};

/// How much a note matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// What is happening (classes found, device, per-epoch scores).
    Info,
    /// Something went wrong without stopping the work (a skipped file, a left-out clip).
    Warning,
}

/// Receives notes and the progress of long work.
pub trait Observer: Send + Sync {
    fn note(&self, level: Level, text: &str);
    /// Long work of `len` steps begins, named `label`.
    fn progress(&self, label: &str, len: usize) -> Box<dyn Progress>;
}

/// One piece of long work under way; dropping it ends it.
pub trait Progress: Send + Sync {
    fn advance(&self, steps: usize);
    /// A short status after the label (e.g. the running loss).
    fn status(&self, text: String);
}

static OBSERVER: RwLock<Option<Arc<dyn Observer>>> = RwLock::new(None);

/// Sends this process's notes and progress to `observer` from now on.
pub fn set_observer(observer: Arc<dyn Observer>) {
    *OBSERVER.write().unwrap_or_else(PoisonError::into_inner) = Some(observer);
}

fn current() -> Option<Arc<dyn Observer>> {
    OBSERVER.read().unwrap_or_else(PoisonError::into_inner).clone()
}

/// An information note.
pub fn info(text: impl AsRef<str>) {
    if let Some(observer) = current() {
        observer.note(Level::Info, text.as_ref());
    }
}

/// A warning note.
pub fn warn(text: impl AsRef<str>) {
    if let Some(observer) = current() {
        observer.note(Level::Warning, text.as_ref());
    }
}

/// Long work of `len` steps begins.
pub fn progress(label: &str, len: usize) -> Box<dyn Progress> {
    match current() {
        Some(observer) => observer.progress(label, len),
        None => Box::new(Unobserved),
    }
}

struct Unobserved;

impl Progress for Unobserved {
    fn advance(&self, _: usize) {}
    fn status(&self, _: String) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Record(Mutex<Vec<String>>);

    struct Steps(Arc<Record>);

    impl Progress for Steps {
        fn advance(&self, steps: usize) {
            self.0.0.lock().unwrap().push(format!("+{steps}"));
        }
        fn status(&self, text: String) {
            self.0.0.lock().unwrap().push(text);
        }
    }

    impl Observer for Arc<Record> {
        fn note(&self, level: Level, text: &str) {
            self.0.lock().unwrap().push(format!("{level:?}: {text}"));
        }
        fn progress(&self, label: &str, len: usize) -> Box<dyn Progress> {
            self.0.lock().unwrap().push(format!("{label} of {len}"));
            Box::new(Steps(self.clone()))
        }
    }

    #[test]
    fn notes_and_progress_reach_the_observer() {
        // Nothing is observed before an observer is set (and nothing fails).
        info("unseen");
        let record = Arc::new(Record::default());
        set_observer(Arc::new(record.clone()));
        info("classes: 8");
        warn("skipped 1 file");
        let work = progress("decoding", 3);
        work.advance(2);
        work.status("half".into());
        // Other tests of this process may report alongside: only this test's reports count.
        let expected = [
            "Info: classes: 8",
            "Warning: skipped 1 file",
            "decoding of 3",
            "+2",
            "half",
        ];
        let seen: Vec<String> = record
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|r| expected.contains(&r.as_str()))
            .cloned()
            .collect();
        assert_eq!(seen, expected);
    }
}
