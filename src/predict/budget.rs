//! The work budget of one input: a longest duration, checked against the header's claim before
//! anything is decoded and against the samples read while streaming, and a [`Cancel`] token (a
//! flag its owner sets, a deadline, and optionally a parent such as the server's shutdown)
//! checked before every chunk. [`Budgeted`] wraps any [`ChunkSource`] with both, so a file, a
//! pipe, an upload or a live stream stops at the same points with the same messages.

use super::source::ChunkSource;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Stops work from outside: cancelled when its own flag or its parent's is set, or when its
/// deadline passes. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    parent: Option<Arc<AtomicBool>>,
    deadline: Option<Instant>,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// A new token, also cancelled when `self` is (not the other way round).
    pub fn child(&self) -> Cancel {
        Cancel {
            flag: Arc::default(),
            parent: Some(self.flag.clone()),
            deadline: self.deadline,
        }
    }

    /// The same token with a deadline.
    pub fn until(mut self, deadline: Instant) -> Cancel {
        self.deadline = Some(deadline);
        self
    }

    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Why the work must stop, if it must.
    pub fn reason(&self) -> Option<&'static str> {
        if self.flag.load(Ordering::Relaxed) || self.parent.as_ref().is_some_and(|p| p.load(Ordering::Relaxed)) {
            Some("cancelled")
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some("the deadline passed")
        } else {
            None
        }
    }

    /// `Err(Cancelled)` once the work must stop.
    pub fn check(&self) -> Result<()> {
        match self.reason() {
            Some(why) => Err(Error::Cancelled(why.into())),
            None => Ok(()),
        }
    }

    /// Cancels the token when the returned guard is dropped (a request's future dropped
    /// because its client left or its time ran out).
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped.
#[derive(Debug)]
pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// A source held to a longest duration and a cancel token.
pub struct Budgeted {
    inner: Box<dyn ChunkSource>,
    path: PathBuf,
    /// Most source-rate samples to read.
    limit: Option<u64>,
    max_seconds: f64,
    read: u64,
    cancel: Option<Cancel>,
}

impl Budgeted {
    /// Wraps `inner` (named `path` in errors); refuses at once a header that claims more than
    /// `max_seconds`.
    pub fn new(
        inner: Box<dyn ChunkSource>,
        path: &Path,
        max_seconds: Option<f64>,
        cancel: Option<Cancel>,
    ) -> Result<Budgeted> {
        if let Some(c) = &cancel {
            c.check()?;
        }
        if let (Some(max), Some(claimed)) = (max_seconds, inner.declared_seconds())
            && claimed > max
        {
            return Err(Error::TooLong {
                path: path.into(),
                reason: format!("the header claims {claimed:.0} s of audio, over the {max} s limit (--max-duration)"),
            });
        }
        let rate = inner.sample_rate() as f64;
        Ok(Budgeted {
            limit: max_seconds.map(|s| (s * rate).ceil() as u64),
            max_seconds: max_seconds.unwrap_or(f64::INFINITY),
            inner,
            path: path.into(),
            read: 0,
            cancel,
        })
    }
}

impl ChunkSource for Budgeted {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    fn declared_seconds(&self) -> Option<f64> {
        self.inner.declared_seconds()
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        if let Some(c) = &self.cancel {
            c.check()?;
        }
        let Some(chunk) = self.inner.next_chunk()? else {
            return Ok(None);
        };
        self.read += chunk.len() as u64;
        if self.limit.is_some_and(|limit| self.read > limit) {
            return Err(Error::TooLong {
                path: self.path.clone(),
                reason: format!(
                    "longer than the {} s limit (--max-duration): stopped there",
                    self.max_seconds
                ),
            });
        }
        Ok(Some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `chunks` chunks of 1000 samples at 1 kHz, claiming `claim` seconds.
    struct Counted {
        chunks: usize,
        claim: Option<f64>,
    }

    impl ChunkSource for Counted {
        fn sample_rate(&self) -> u32 {
            1000
        }

        fn declared_seconds(&self) -> Option<f64> {
            self.claim
        }

        fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
            if self.chunks == 0 {
                return Ok(None);
            }
            self.chunks -= 1;
            Ok(Some(vec![0.1; 1000]))
        }
    }

    fn drain(source: &mut Budgeted) -> Result<usize> {
        let mut seconds = 0;
        while source.next_chunk()?.is_some() {
            seconds += 1;
        }
        Ok(seconds)
    }

    #[test]
    fn claims_and_streams_over_the_limit_are_refused_and_cancel_stops_reading() {
        let path = Path::new("x.wav");
        let source = |chunks, claim| Box::new(Counted { chunks, claim });
        // Within the limit: everything is read.
        let mut ok = Budgeted::new(source(5, Some(5.0)), path, Some(5.0), None).unwrap();
        assert_eq!(drain(&mut ok).unwrap(), 5);
        // A header claiming more is refused before reading.
        let err = Budgeted::new(source(1, Some(32_000.0)), path, Some(3600.0), None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("claims 32000 s"), "{err}");
        // A stream that says nothing is stopped when it passes the limit, with a message.
        let mut long = Budgeted::new(source(100, None), path, Some(3.0), None).unwrap();
        let err = drain(&mut long).unwrap_err();
        assert!(err.to_string().contains("3 s limit"), "{err}");
        assert_eq!(long.read, 4000);
        // A cancelled token stops at the next chunk; a child follows its parent.
        let server = Cancel::new();
        let request = server.child();
        let mut cancelled = Budgeted::new(source(100, None), path, None, Some(request.clone())).unwrap();
        assert!(cancelled.next_chunk().unwrap().is_some());
        drop(request.on_drop());
        assert!(matches!(cancelled.next_chunk(), Err(Error::Cancelled(_))));
        let orphan = server.child();
        assert!(orphan.check().is_ok());
        server.cancel();
        assert!(orphan.check().is_err());
        assert!(Cancel::new().until(Instant::now()).check().is_err());
    }
}
