//! Decoding every supported format, channel mixing, resampling quality, and every kind of
//! bad input (each must be a typed error naming the file, never a panic).

mod common;

use common::*;
use emovox::Error;
use emovox::audio::{ClipConfig, decode_file, resample};

#[test]
fn wav_integer_and_float_formats_decode_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let x = sine(440.0, 0.5, 16_000, 0.5);
    for (format, tolerance) in [
        (WavFormat::Int(8), 1.0 / 127.0),
        (WavFormat::Int(16), 1.0 / 32767.0),
        (WavFormat::Int(24), 1e-6),
        (WavFormat::Int(32), 1e-6),
        (WavFormat::Float32, 0.0),
    ] {
        let path = write(
            dir.path(),
            &format!("{format:?}.wav"),
            &wav_bytes(&x, 1, 16_000, format),
        );
        let audio = decode_file(&path).unwrap();
        assert_eq!(audio.sample_rate, 16_000, "{format:?}");
        assert_eq!(audio.samples.len(), x.len(), "{format:?}");
        let err = max_abs(&audio.samples, &x);
        assert!(err <= tolerance + 1e-7, "{format:?}: max error {err}");
    }
}

#[test]
fn flac_decodes_losslessly() {
    let dir = tempfile::tempdir().unwrap();
    let x = tone(1000.0, 0.7, 44_100, 4 * FLAC_BLOCK);
    let path = write(dir.path(), "tone.flac", &flac_bytes(&x, 1, 44_100));
    let audio = decode_file(&path).unwrap();
    assert_eq!(audio.sample_rate, 44_100);
    assert_eq!(audio.samples.len(), x.len());
    // Encoded as round(x * 32767), decoded as n / 32768.
    assert!(max_abs(&audio.samples, &x) < 2.0 / 32768.0);
}

#[test]
fn mp3_and_ogg_keep_frequency_and_level() {
    let dir = tempfile::tempdir().unwrap();
    let x = sine(440.0, 0.5, 44_100, 1.0);
    for (name, bytes) in [("tone.mp3", mp3_bytes(&x, 44_100)), ("tone.ogg", ogg_bytes(&x, 44_100))] {
        let path = write(dir.path(), name, &bytes);
        let audio = decode_file(&path).unwrap();
        assert_eq!(audio.sample_rate, 44_100, "{name}");
        let len_err = (audio.samples.len() as i64 - x.len() as i64).abs();
        assert!(len_err < 3000, "{name}: {} samples vs {}", audio.samples.len(), x.len());
        let f = tone_frequency(&audio.samples, audio.sample_rate);
        assert!((f - 440.0).abs() < 2.0, "{name}: {f} Hz");
        // Lossy codecs: LAME at 128 kb/s measurably returns this tone 0.45 dB low.
        let level = rms(&audio.samples) / rms(&x);
        assert!((level - 1.0).abs() < 0.08, "{name}: level ratio {level}");
    }
}

#[test]
fn multichannel_files_are_averaged_to_mono() {
    let dir = tempfile::tempdir().unwrap();
    let left = tone(300.0, 0.6, 16_000, FLAC_BLOCK);
    let right = tone(300.0, 0.2, 16_000, FLAC_BLOCK);
    let stereo: Vec<f32> = left.iter().zip(&right).flat_map(|(l, r)| [*l, *r]).collect();
    let expected: Vec<f32> = left.iter().zip(&right).map(|(l, r)| (l + r) / 2.0).collect();
    let wav = write(
        dir.path(),
        "stereo.wav",
        &wav_bytes(&stereo, 2, 16_000, WavFormat::Float32),
    );
    let audio = decode_file(&wav).unwrap();
    assert!(max_abs(&audio.samples, &expected) < 1e-6);
    // Four channels of FLAC, one of them silent.
    let quad: Vec<f32> = left.iter().zip(&right).flat_map(|(l, r)| [*l, *r, 0.0, *l]).collect();
    let expected: Vec<f32> = left.iter().zip(&right).map(|(l, r)| (2.0 * l + r) / 4.0).collect();
    let flac = write(dir.path(), "quad.flac", &flac_bytes(&quad, 4, 16_000));
    let audio = decode_file(&flac).unwrap();
    assert_eq!(audio.samples.len(), expected.len());
    assert!(max_abs(&audio.samples, &expected) < 2.0 / 32767.0);
}

#[test]
fn resampling_to_16k_keeps_frequency_and_level() {
    for rate in [8_000, 44_100, 48_000] {
        let x = sine(1000.0, 0.5, rate, 1.0);
        let y = resample(&x, rate, 16_000).unwrap();
        assert_eq!(y.len(), 16_000, "{rate}");
        let f = tone_frequency(&y, 16_000);
        assert!((f - 1000.0).abs() < 1.0, "{rate}: {f} Hz");
        let gain_db = 20.0 * (rms(&y) / rms(&x)).log10();
        assert!(gain_db.abs() < 0.05, "{rate}: {gain_db} dB");
    }
}

#[test]
fn resampling_rejects_frequencies_above_the_new_nyquist() {
    // 12 kHz cannot exist at 16 kHz; a naive decimator would alias it to 4 kHz.
    let x = sine(12_000.0, 0.5, 48_000, 1.0);
    let y = resample(&x, 48_000, 16_000).unwrap();
    let attenuation_db = 20.0 * (rms(&y) / rms(&x)).log10();
    assert!(attenuation_db < -60.0, "stop-band leak {attenuation_db} dB");
}

#[test]
fn clip_config_fits_length_after_resampling() {
    let cfg = ClipConfig {
        sample_rate: 16_000,
        duration: Some(1.5),
        trim_db: None,
        loudness_db: None,
    };
    let audio = emovox::audio::Audio {
        samples: sine(200.0, 0.3, 48_000, 3.0),
        sample_rate: 48_000,
    };
    assert_eq!(cfg.prepare(&audio).unwrap().len(), 24_000);
}

fn assert_names_file(err: &Error, path: &std::path::Path) {
    let text = err.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "error does not name the file: {text}"
    );
}

#[test]
fn bad_inputs_give_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let signal = sine(440.0, 0.5, 16_000, 0.5);

    let empty = write(dir.path(), "empty.wav", b"");
    let e = decode_file(&empty).unwrap_err();
    assert!(matches!(e, Error::Empty { .. }), "{e}");
    assert_names_file(&e, &empty);

    let no_samples = write(dir.path(), "zero.wav", &wav_bytes(&[], 1, 16_000, WavFormat::Int(16)));
    let e = decode_file(&no_samples).unwrap_err();
    assert!(matches!(e, Error::Empty { .. }), "{e}");
    assert_names_file(&e, &no_samples);

    let text = write(
        dir.path(),
        "notes.wav",
        b"this is not audio at all, just some text in a file\n"
            .repeat(40)
            .as_slice(),
    );
    let e = decode_file(&text).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. } | Error::Decode { .. }), "{e}");
    assert_names_file(&e, &text);

    let wav = wav_bytes(&signal, 1, 16_000, WavFormat::Int(16));
    let cut = write(dir.path(), "cut.wav", &wav[..wav.len() / 2]);
    let e = decode_file(&cut).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
    assert_names_file(&e, &cut);

    let header_only = write(dir.path(), "header.wav", &wav[..30]);
    let e = decode_file(&header_only).unwrap_err();
    assert!(matches!(e, Error::Decode { .. } | Error::Unsupported { .. }), "{e}");

    let flac = flac_bytes(&tone(440.0, 0.5, 16_000, 8 * FLAC_BLOCK), 1, 16_000);
    let cut_flac = write(dir.path(), "cut.flac", &flac[..flac.len() / 2]);
    let e = decode_file(&cut_flac).unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
    assert_names_file(&e, &cut_flac);

    // IMA ADPCM (format tag 0x11) is a real WAV codec emovox does not decode.
    let mut adpcm = wav.clone();
    adpcm[20..22].copy_from_slice(&0x11u16.to_le_bytes());
    let adpcm = write(dir.path(), "adpcm.wav", &adpcm);
    let e = decode_file(&adpcm).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. } | Error::Decode { .. }), "{e}");
    assert_names_file(&e, &adpcm);

    let missing = dir.path().join("missing.wav");
    let e = decode_file(&missing).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    assert_names_file(&e, &missing);
}
