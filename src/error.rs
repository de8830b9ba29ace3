//! Typed errors of the emovox library. The CLI wraps them with `anyhow` context;
//! the library never panics on user input and always names the file involved.

use std::path::PathBuf;

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading a file or directory failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not audio emovox can decode (unknown container, unsupported codec).
    #[error("{path}: unsupported audio: {reason}")]
    Unsupported { path: PathBuf, reason: String },
    /// The file looked like audio but its data could not be decoded (truncated, corrupt).
    #[error("{path}: cannot decode: {reason}")]
    Decode { path: PathBuf, reason: String },
    /// The file decoded to no samples at all.
    #[error("{path}: no audio samples")]
    Empty { path: PathBuf },
    /// The path names something that is not a regular file (a FIFO, socket, device,
    /// directory or dangling link): never opened, so it cannot block.
    #[error("{path}: {kind}, not an audio file")]
    NotAFile { path: PathBuf, kind: String },
    /// The audio is (or claims to be) longer than the work budget allows.
    #[error("{path}: {reason}")]
    TooLong { path: PathBuf, reason: String },
    /// The work was stopped before it finished (its deadline passed, its client left, or the
    /// server is shutting down).
    #[error("stopped: {0}")]
    Cancelled(String),
    /// A corpus, split or label problem (bad split file, empty corpus, unknown label).
    #[error("{0}")]
    Data(String),
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The HTTP server could not start or serve.
    #[error("server: {0}")]
    Serve(String),
    /// The GPU device or a kernel launch failed.
    #[error("GPU: {0}")]
    Gpu(String),
    /// Model weights could not be read, written or mapped.
    #[error("weights {path}: {reason}")]
    Weights { path: PathBuf, reason: String },
    /// JSON (de)serialisation of a run record failed.
    #[error("{path}: {source}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// Drawing a plot failed.
    #[error("plot {path}: {reason}")]
    Plot { path: PathBuf, reason: String },
}

/// Result with the library's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// `message` about `path`, naming the path once: decoding errors already start with it.
pub fn naming_path(path: &std::path::Path, message: &str) -> String {
    let path = path.display().to_string();
    if message.starts_with(&path) {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
