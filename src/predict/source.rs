//! What `predict` reads: audio files, standard input as a container stream (WAV, FLAC, MP3,
//! Ogg) or as raw PCM (`s16le` / `f32le`, given rate and channels), or a source the caller
//! hands over (the server's uploads and live connections). Every source hands out mono chunks
//! at its own rate, so inputs of any length stream through bounded memory.

use crate::audio::Decoder;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Sample encoding of raw PCM input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawEncoding {
    /// Signed 16-bit little-endian.
    S16le,
    /// 32-bit float little-endian.
    F32le,
}

impl RawEncoding {
    fn bytes(self) -> usize {
        match self {
            RawEncoding::S16le => 2,
            RawEncoding::F32le => 4,
        }
    }
}

/// Layout of raw PCM input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawFormat {
    pub encoding: RawEncoding,
    pub rate: u32,
    pub channels: u16,
}

/// One input to predict.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    File(PathBuf),
    /// Standard input: a container stream, or raw PCM of the given layout.
    Stdin(Option<RawFormat>),
    /// An opened source named `name` in results, read once.
    Source {
        name: PathBuf,
        source: HandOver,
        live: bool,
    },
}

/// A chunk source handed to the pipeline by its caller (an upload, a live connection); the
/// first [`Input::open`] takes it.
#[derive(Clone)]
pub struct HandOver(Arc<Mutex<Option<Box<dyn ChunkSource>>>>);

impl HandOver {
    pub fn new(source: Box<dyn ChunkSource>) -> HandOver {
        HandOver(Arc::new(Mutex::new(Some(source))))
    }

    fn take(&self) -> Option<Box<dyn ChunkSource>> {
        self.0.lock().map_or(None, |mut s| s.take())
    }
}

impl std::fmt::Debug for HandOver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HandOver")
    }
}

impl PartialEq for HandOver {
    fn eq(&self, other: &HandOver) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The path results name for `-` (standard input).
pub const STDIN_NAME: &str = "-";

impl Input {
    /// The path an input's results carry (`-` for standard input).
    pub fn path(&self) -> &Path {
        match self {
            Input::File(p) => p,
            Input::Stdin(_) => Path::new(STDIN_NAME),
            Input::Source { name, .. } => name,
        }
    }

    /// Standard input or a live connection: read as it comes, never as one whole clip.
    pub fn is_live(&self) -> bool {
        matches!(self, Input::Stdin(_) | Input::Source { live: true, .. })
    }

    /// Opens the input for chunked reading.
    pub fn open(&self) -> Result<Box<dyn ChunkSource>> {
        match self {
            Input::File(path) => Ok(Box::new(Decoder::open(path)?)),
            Input::Stdin(None) => Ok(Box::new(Decoder::from_reader(self.path(), std::io::stdin())?)),
            Input::Stdin(Some(format)) => Ok(Box::new(RawPcm::new(std::io::stdin(), *format)?)),
            Input::Source { name, source, .. } => source
                .take()
                .ok_or_else(|| Error::Data(format!("{} was already read", name.display()))),
        }
    }
}

/// Mono chunks at a fixed rate.
pub trait ChunkSource: Send {
    fn sample_rate(&self) -> u32;
    /// The duration the source claims before it is read (a file's header), in seconds.
    fn declared_seconds(&self) -> Option<f64> {
        None
    }
    /// The next non-empty chunk, or `None` at the end.
    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>>;
}

impl ChunkSource for Decoder {
    fn sample_rate(&self) -> u32 {
        Decoder::sample_rate(self)
    }

    fn declared_seconds(&self) -> Option<f64> {
        Decoder::declared_seconds(self)
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        Decoder::next_chunk(self)
    }
}

/// Raw interleaved PCM from a reader, averaged to mono; a trailing partial frame is dropped.
pub struct RawPcm<R> {
    reader: R,
    format: RawFormat,
    buffer: Vec<u8>,
    /// Bytes of `buffer` carried over (an incomplete frame from the last read).
    carry: usize,
    /// The name errors carry.
    name: PathBuf,
}

/// Frames read per chunk (a quarter second at 16 kHz).
const RAW_FRAMES: usize = 4096;

impl<R: Read + Send> RawPcm<R> {
    /// Raw PCM on standard input.
    pub fn new(reader: R, format: RawFormat) -> Result<RawPcm<R>> {
        RawPcm::named(Path::new(STDIN_NAME), reader, format)
    }

    /// Raw PCM from any reader; `name` labels errors.
    pub fn named(name: &Path, reader: R, format: RawFormat) -> Result<RawPcm<R>> {
        if !crate::audio::RATES.contains(&format.rate)
            || !(1..=crate::audio::MAX_CHANNELS).contains(&(format.channels as usize))
        {
            return Err(Error::Config(format!(
                "raw PCM at {} Hz with {} channels: the rate must be {} Hz to {} Hz and the channels 1 to {}",
                format.rate,
                format.channels,
                crate::audio::RATES.start(),
                crate::audio::RATES.end(),
                crate::audio::MAX_CHANNELS
            )));
        }
        let frame = format.encoding.bytes() * format.channels as usize;
        Ok(RawPcm {
            reader,
            format,
            buffer: vec![0; RAW_FRAMES * frame],
            carry: 0,
            name: name.into(),
        })
    }
}

impl<R: Read + Send> ChunkSource for RawPcm<R> {
    fn sample_rate(&self) -> u32 {
        self.format.rate
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        let width = self.format.encoding.bytes();
        let channels = self.format.channels as usize;
        let frame = width * channels;
        loop {
            let read = match self.reader.read(&mut self.buffer[self.carry..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::io(&self.name, e)),
            };
            if read == 0 {
                return Ok(None);
            }
            let filled = self.carry + read;
            let whole = filled / frame * frame;
            if whole == 0 {
                self.carry = filled;
                continue;
            }
            let sample = |b: &[u8]| match self.format.encoding {
                RawEncoding::S16le => i16::from_le_bytes([b[0], b[1]]) as f32 / 32768.0,
                RawEncoding::F32le => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            };
            let mono: Vec<f32> = self.buffer[..whole]
                .chunks_exact(frame)
                .map(|f| f.chunks_exact(width).map(sample).sum::<f32>() / channels as f32)
                .collect();
            if !crate::audio::plausible(&mono) {
                return Err(Error::Decode {
                    path: self.name.clone(),
                    reason: format!(
                        "non-finite samples or samples beyond ±{} in raw f32 input",
                        crate::audio::MAX_SAMPLE
                    ),
                });
            }
            self.buffer.copy_within(whole..filled, 0);
            self.carry = filled - whole;
            return Ok(Some(mono));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, like a pipe.
    struct Trickle(Vec<u8>, usize, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len() - self.2);
            buf[..n].copy_from_slice(&self.0[self.2..self.2 + n]);
            self.2 += n;
            Ok(n)
        }
    }

    #[test]
    fn raw_pcm_in_odd_pieces_decodes_exactly() {
        let stereo: Vec<i16> = (0..2000).map(|i| (i * 13 % 4000 - 2000) as i16).collect();
        let bytes: Vec<u8> = stereo.iter().flat_map(|s| s.to_le_bytes()).chain([7u8]).collect();
        let format = RawFormat {
            encoding: RawEncoding::S16le,
            rate: 8000,
            channels: 2,
        };
        let mut pcm = RawPcm::new(Trickle(bytes, 3, 0), format).unwrap();
        let mut mono = Vec::new();
        while let Some(chunk) = pcm.next_chunk().unwrap() {
            mono.extend(chunk);
        }
        let expected: Vec<f32> = stereo
            .chunks(2)
            .map(|f| (f[0] as f32 + f[1] as f32) / 2.0 / 32768.0)
            .collect();
        assert_eq!(mono, expected);
    }
}
