//! Opens a path for reading only if it is a regular file (or a link to one), without ever
//! blocking: a FIFO, socket, device or directory named like audio is an error naming its kind,
//! a dangling link says so. On Unix the file is opened non-blocking and checked on the open
//! handle (no window between the check and the open in which it could be swapped).

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions};
use std::path::Path;

/// What a path that is not a regular file is, in words.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Opens `path` for reading if it is a regular file.
pub fn open_regular(path: &Path) -> Result<File> {
    let not_a_file = |kind: &str| Error::NotAFile {
        path: path.into(),
        kind: kind.into(),
    };
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // A FIFO opened for reading blocks until a writer appears; non-blocking it opens at
        // once and is then refused below. Regular files ignore the flag.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match std::fs::symlink_metadata(path) {
                Ok(meta) if meta.file_type().is_symlink() => not_a_file("a dangling symbolic link"),
                _ => Error::io(path, e),
            });
        }
        Err(e) => {
            // Windows and some Unix filesystems refuse to open a directory for reading.
            return Err(match std::fs::metadata(path) {
                Ok(meta) if !meta.is_file() => not_a_file(kind_of(meta.file_type())),
                _ => Error::io(path, e),
            });
        }
    };
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(not_a_file(kind_of(meta.file_type())));
    }
    Ok(file)
}
