//! Decodes WAV (PCM 8/16/24/32-bit, float), FLAC, MP3 and Ogg Vorbis with symphonia into
//! mono f32 at the source's own rate (channels averaged), packet by packet: [`Decoder`] reads a
//! file or any byte stream (standard input included) and hands out one packet's samples at a
//! time, so memory is bounded by the packet, not the file; [`decode_file`] collects a whole
//! file. Every failure is a typed error naming the source: not a regular file, unreadable,
//! unsupported container/codec, a sample rate or channel count no recording has ([`RATES`],
//! [`MAX_CHANNELS`]), corrupt or truncated data, no samples.

use super::regular::open_regular;
use crate::error::{Error, Result};
use std::io::ErrorKind;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream, ReadOnlySource};
use symphonia::core::meta::MetadataOptions;

/// Mono samples at a sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// Sample rates real recordings use, in Hz; a header claiming another is refused (a 1 Hz
/// header turns a 64 KB file into nine hours of audio to resample).
pub const RATES: RangeInclusive<u32> = 1_000..=768_000;
/// Most channels a recording may have.
pub const MAX_CHANNELS: usize = 64;
/// Largest sample magnitude taken (+60 dB above full scale): float data beyond it is corrupt,
/// and values near f32's limit overflow the resampler's FFT to NaN.
pub const MAX_SAMPLE: f32 = 1000.0;

/// Whether decoded samples are plausible (finite, within [`MAX_SAMPLE`]).
pub fn plausible(samples: &[f32]) -> bool {
    samples.iter().all(|x| x.abs() <= MAX_SAMPLE)
}

/// A packet-by-packet decoder of one audio source to mono f32.
pub struct Decoder {
    /// The file (or `-` for standard input) errors name.
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    sample_rate: u32,
    declared_frames: Option<u64>,
    /// A pipe ends where the writer stops, so running out of bytes is its normal end; a file
    /// that runs out mid-packet is truncated.
    is_stream: bool,
    interleaved: Vec<f32>,
    decoded: u64,
    bad_packets: usize,
    last_error: String,
    done: bool,
}

impl Decoder {
    /// Opens a regular file (a FIFO, socket, device or directory is refused, never read).
    pub fn open(path: &Path) -> Result<Decoder> {
        let file = open_regular(path)?;
        if file.metadata().map_err(|e| Error::io(path, e))?.len() == 0 {
            return Err(Error::Empty { path: path.into() });
        }
        Decoder::new(path, Box::new(file), path.extension().and_then(|e| e.to_str()), false)
    }

    /// Reads a stream that cannot seek (standard input, a pipe); `name` labels errors.
    pub fn from_reader(name: &Path, reader: impl std::io::Read + Send + Sync + 'static) -> Result<Decoder> {
        Decoder::new(name, Box::new(ReadOnlySource::new(reader)), None, true)
    }

    /// Decodes audio held in memory (an upload); `name` labels errors. Like a file, it must
    /// hold every sample its header declares.
    pub fn from_bytes(name: &Path, bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> Result<Decoder> {
        if bytes.as_ref().is_empty() {
            return Err(Error::Empty { path: name.into() });
        }
        let extension = name.extension().and_then(|e| e.to_str()).map(str::to_owned);
        Decoder::new(name, Box::new(std::io::Cursor::new(bytes)), extension.as_deref(), false)
    }

    fn new(path: &Path, source: Box<dyn MediaSource>, extension: Option<&str>, is_stream: bool) -> Result<Decoder> {
        let unsupported = |reason: String| Error::Unsupported {
            path: path.into(),
            reason,
        };
        let corrupt = |reason: String| Error::Decode {
            path: path.into(),
            reason,
        };
        let stream = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = extension {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| match e {
                SymError::IoError(io) => corrupt(format!("header: {io}")),
                SymError::DecodeError(m) => corrupt(format!("header: {m}")),
                other => unsupported(other.to_string()),
            })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| unsupported("no audio track".into()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| unsupported("no audio codec parameters".into()))?
            .clone();
        let sample_rate = params
            .sample_rate
            .ok_or_else(|| unsupported("unknown sample rate".into()))?;
        if !RATES.contains(&sample_rate) {
            return Err(unsupported(format!(
                "the header claims a sample rate of {sample_rate} Hz (recordings use {} Hz to {} Hz)",
                RATES.start(),
                RATES.end()
            )));
        }
        if let Some(channels) = params.channels.as_ref().map(|c| c.count())
            && !(1..=MAX_CHANNELS).contains(&channels)
        {
            return Err(unsupported(format!(
                "the header claims {channels} channels (recordings have 1 to {MAX_CHANNELS})"
            )));
        }
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| unsupported(e.to_string()))?;
        Ok(Decoder {
            path: path.into(),
            track_id: track.id,
            declared_frames: track.num_frames.filter(|_| !is_stream),
            is_stream,
            format,
            decoder,
            sample_rate,
            interleaved: Vec::new(),
            decoded: 0,
            bad_packets: 0,
            last_error: String::new(),
            done: false,
        })
    }

    /// Sample rate of the source in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The duration the header claims, in seconds (files and uploads; `None` for streams and
    /// headers that do not say).
    pub fn declared_seconds(&self) -> Option<f64> {
        self.declared_frames.map(|n| n as f64 / self.sample_rate as f64)
    }

    fn corrupt(&self, reason: String) -> Error {
        Error::Decode {
            path: self.path.clone(),
            reason,
        }
    }

    /// The next packet's mono samples (never empty), or `None` at the end of the source. A
    /// truncated source, a source with no decodable samples and non-finite samples are errors.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<f32>>> {
        while !self.done {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) | Err(SymError::ResetRequired) => {
                    self.done = true;
                    break;
                }
                Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                    self.done = true;
                    if !self.is_stream {
                        return Err(self.truncated());
                    }
                    break;
                }
                Err(e) => return Err(self.corrupt(e.to_string())),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(buf) => {
                    if buf.frames() == 0 {
                        continue;
                    }
                    let channels = buf.num_planes().max(1);
                    if channels > MAX_CHANNELS {
                        return Err(self.corrupt(format!("a packet of {channels} channels")));
                    }
                    buf.copy_to_vec_interleaved(&mut self.interleaved);
                    let mono: Vec<f32> = self
                        .interleaved
                        .chunks_exact(channels)
                        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
                        .collect();
                    if !plausible(&mono) {
                        return Err(self.corrupt(format!(
                            "non-finite samples or samples beyond ±{MAX_SAMPLE} (corrupt float data)"
                        )));
                    }
                    self.decoded += mono.len() as u64;
                    return Ok(Some(mono));
                }
                Err(SymError::DecodeError(m)) => {
                    self.bad_packets += 1;
                    self.last_error = m.to_string();
                }
                Err(SymError::IoError(e)) => {
                    self.bad_packets += 1;
                    self.last_error = e.to_string();
                }
                Err(e) => return Err(self.corrupt(e.to_string())),
            }
        }
        // Allow one codec frame of slack for encoder padding the container counts.
        if self
            .declared_frames
            .is_some_and(|expected| self.decoded + 4096 < expected)
        {
            return Err(self.truncated());
        }
        if self.decoded == 0 {
            return Err(if self.bad_packets > 0 {
                self.corrupt(format!(
                    "{} undecodable packets ({})",
                    self.bad_packets, self.last_error
                ))
            } else {
                Error::Empty {
                    path: self.path.clone(),
                }
            });
        }
        Ok(None)
    }

    fn truncated(&self) -> Error {
        self.corrupt(format!(
            "truncated: {} of {} samples",
            self.decoded,
            self.declared_frames.map_or("?".to_string(), |n| n.to_string())
        ))
    }
}

/// Decodes a whole file to mono f32.
pub fn decode_file(path: &Path) -> Result<Audio> {
    let mut decoder = Decoder::open(path)?;
    let mut samples = Vec::new();
    while let Some(chunk) = decoder.next_chunk()? {
        samples.extend(chunk);
    }
    Ok(Audio {
        samples,
        sample_rate: decoder.sample_rate(),
    })
}
