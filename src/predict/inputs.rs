//! The list of inputs a `predict` run covers: files and folders (walked once each: symbolic
//! links followed, directory cycles detected), `-` for standard input, paths read from a list
//! file, and a deterministic shard of the sorted list for cluster job arrays.

use super::FileResult;
use crate::corpus::audio_files;
use crate::error::{Error, Result};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Expands paths (files or folders, recursively) into audio files, in order, each file once.
/// Folders that cannot be read get an error entry.
pub fn expand_inputs(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<FileResult>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in paths {
        let found = if p.is_dir() {
            match audio_files(p) {
                Ok(found) => found,
                Err(e) => {
                    errors.push(FileResult {
                        path: p.clone(),
                        duration: None,
                        prediction: None,
                        windows: Vec::new(),
                        envelope: Vec::new(),
                        error: Some(e.to_string()),
                    });
                    continue;
                }
            }
        } else {
            vec![p.clone()]
        };
        for file in found {
            if seen.insert(std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone())) {
                files.push(file);
            }
        }
    }
    (files, errors)
}

/// Paths listed one per line in `list` (`-` = standard input); blank lines and lines starting
/// with `#` are skipped; relative paths are taken as given (from the working directory).
pub fn read_file_list(list: &Path) -> Result<Vec<PathBuf>> {
    let lines: Vec<String> = if list == Path::new("-") {
        std::io::stdin().lock().lines().collect::<std::io::Result<_>>()
    } else {
        let file = std::fs::File::open(list).map_err(|e| Error::io(list, e))?;
        std::io::BufReader::new(file).lines().collect::<std::io::Result<_>>()
    }
    .map_err(|e| Error::io(list, e))?;
    Ok(lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect())
}

/// Worker `index` (1-based) of `count`: `--shard K/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Shard, String> {
        let (k, n) = text.split_once('/').ok_or(format!("`{text}` is not K/N, e.g. 3/16"))?;
        let index: usize = k.trim().parse().map_err(|_| format!("bad shard number `{k}`"))?;
        let count: usize = n.trim().parse().map_err(|_| format!("bad shard count `{n}`"))?;
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: K must be in 1..=N"));
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// This worker's part of `files`: the list is sorted by path (bytes, so the same on every
    /// machine) and cut into `count` contiguous runs of near-equal length; run `index` is
    /// returned. Concatenating the outputs of shards 1..=N in order gives the whole run's.
    pub fn select(&self, mut files: Vec<PathBuf>) -> Vec<PathBuf> {
        files.sort_by(|a, b| a.as_os_str().as_encoded_bytes().cmp(b.as_os_str().as_encoded_bytes()));
        files.dedup();
        let n = files.len();
        let (from, to) = ((self.index - 1) * n / self.count, self.index * n / self.count);
        files.drain(from..to).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_sorted_list_in_order() {
        let files: Vec<PathBuf> = (0..23)
            .rev()
            .map(|i| PathBuf::from(format!("/d/f{i:02}.wav")))
            .collect();
        let mut sorted = files.clone();
        sorted.sort();
        for count in [1, 2, 5, 23, 30] {
            let mut joined = Vec::new();
            for index in 1..=count {
                let shard = Shard { index, count };
                let part = shard.select(files.clone());
                assert!(part.len() <= 23 / count + 1);
                // Stable whatever order the list came in.
                let mut shuffled = files.clone();
                shuffled.rotate_left(7);
                assert_eq!(shard.select(shuffled), part);
                joined.extend(part);
            }
            assert_eq!(joined, sorted, "{count} shards");
        }
        assert_eq!("3/16".parse::<Shard>(), Ok(Shard { index: 3, count: 16 }));
        for bad in ["0/4", "5/4", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
