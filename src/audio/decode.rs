//! Decodes WAV (PCM 8/16/24/32-bit, float), FLAC, MP3 and Ogg Vorbis with symphonia into
//! mono f32 at the file's own rate (channels averaged). Every failure is a typed error naming
//! the file: unreadable, unsupported container/codec, corrupt or truncated data, no samples.

use super::Audio;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::ErrorKind;
use std::path::Path;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Decodes a whole file to mono f32.
pub fn decode_file(path: &Path) -> Result<Audio> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    if file.metadata().map_err(|e| Error::io(path, e))?.len() == 0 {
        return Err(Error::Empty { path: path.into() });
    }
    let unsupported = |reason: String| Error::Unsupported {
        path: path.into(),
        reason,
    };
    let corrupt = |reason: String| Error::Decode {
        path: path.into(),
        reason,
    };

    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| match e {
            SymError::IoError(io) => corrupt(format!("header: {io}")),
            SymError::DecodeError(m) => corrupt(format!("header: {m}")),
            other => unsupported(other.to_string()),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| unsupported("no audio track".into()))?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| unsupported("no audio codec parameters".into()))?
        .clone();
    let declared_frames = track.num_frames;
    let mut sample_rate = params.sample_rate;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| unsupported(e.to_string()))?;

    let mut mono = Vec::new();
    let mut interleaved = Vec::<f32>::new();
    let mut bad_packets = 0usize;
    let mut last_error = String::new();
    let mut truncated = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) | Err(SymError::ResetRequired) => break,
            Err(SymError::IoError(e)) if e.kind() == ErrorKind::UnexpectedEof => {
                truncated = true;
                break;
            }
            Err(e) => return Err(corrupt(e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buf) => {
                if buf.frames() == 0 {
                    continue;
                }
                let channels = buf.num_planes().max(1);
                sample_rate.get_or_insert(buf.spec().rate());
                buf.copy_to_vec_interleaved(&mut interleaved);
                mono.extend(
                    interleaved
                        .chunks_exact(channels)
                        .map(|frame| frame.iter().sum::<f32>() / channels as f32),
                );
            }
            Err(SymError::DecodeError(m)) => {
                bad_packets += 1;
                last_error = m.to_string();
            }
            Err(SymError::IoError(e)) => {
                bad_packets += 1;
                last_error = e.to_string();
            }
            Err(e) => return Err(corrupt(e.to_string())),
        }
    }
    if let Some(expected) = declared_frames {
        // Allow one codec frame of slack for encoder padding the container counts.
        if (mono.len() as u64) + 4096 < expected {
            truncated = true;
        }
    }
    if truncated {
        return Err(corrupt(format!(
            "truncated: {} of {} samples",
            mono.len(),
            declared_frames.map_or("?".to_string(), |n| n.to_string())
        )));
    }
    if mono.is_empty() {
        return Err(if bad_packets > 0 {
            corrupt(format!("{bad_packets} undecodable packets ({last_error})"))
        } else {
            Error::Empty { path: path.into() }
        });
    }
    if mono.iter().any(|x| !x.is_finite()) {
        return Err(corrupt("non-finite samples".into()));
    }
    let sample_rate = sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| unsupported("unknown sample rate".into()))?;
    Ok(Audio {
        samples: mono,
        sample_rate,
    })
}
