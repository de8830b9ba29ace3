//! A corpus decoded into memory: every clip resampled, trimmed and fitted to the pipeline's
//! clip length, decoded in parallel on all cores. Files that fail to decode are left out and
//! listed (path and reason), so one bad file never stops a run.

use crate::audio::ClipConfig;
use crate::corpus::{Classes, Clip, class_indices};
use crate::error::Result;
use crate::observe;
use rayon::prelude::*;
use std::path::PathBuf;

/// Decoded clips with their labels, in corpus order.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub clips: Vec<Clip>,
    pub audio: Vec<Vec<f32>>,
    /// Files that could not be decoded, with the reason.
    pub failed: Vec<(PathBuf, String)>,
}

impl Dataset {
    /// Decodes and prepares every clip (reporting progress).
    pub fn load(clips: &[Clip], cfg: &ClipConfig) -> Dataset {
        let work = observe::progress("decoding", clips.len());
        let results: Vec<_> = clips
            .par_iter()
            .map(|clip| {
                let r = cfg.load(&clip.path);
                work.advance(1);
                r
            })
            .collect();
        drop(work);
        let mut data = Dataset::default();
        for (clip, result) in clips.iter().zip(results) {
            match result {
                Ok(samples) => {
                    data.clips.push(clip.clone());
                    data.audio.push(samples);
                }
                Err(e) => data.failed.push((clip.path.clone(), e.to_string())),
            }
        }
        data
    }

    /// Class index of every clip; a label outside `classes` is an error.
    pub fn labels(&self, classes: &Classes) -> Result<Vec<usize>> {
        class_indices(&self.clips, classes)
    }

    /// One-line warning about skipped files, if any.
    pub fn failure_note(&self) -> Option<String> {
        let (path, why) = self.failed.first()?;
        Some(format!(
            "skipped {} undecodable file(s), e.g. {}",
            self.failed.len(),
            crate::error::naming_path(path, why)
        ))
    }
}
