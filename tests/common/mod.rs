//! Test helpers: audio file writers (WAV by hand, FLAC/MP3/Ogg through encoder crates), test
//! signals, and the shared corpora / fixtures locators (skip with a message when absent).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/data` next to the checkout, if present.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if dir.join("ravdess").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/data (RAVDESS + SAVEE) is not present");
        None
    }
}

/// `../shared/more-corpora/emodb` next to the checkout, if present.
pub fn shared_emodb() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/more-corpora/emodb");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: ../shared/more-corpora/emodb is not present");
        None
    }
}

/// `../shared/NAME` (fixtures and pretrained weights beside the checkout). Skipped with a message
/// when `../shared` itself is absent, like the corpora; a missing file inside a present
/// `../shared` is a failure.
pub fn shared_file(name: &str) -> Option<PathBuf> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.is_dir() {
        eprintln!("skipped: ../shared (reference fixtures and weights) is not present");
        return None;
    }
    let path = shared.join(name);
    assert!(path.exists(), "{} is missing", path.display());
    Some(path)
}

/// `../shared/fixtures/NAME`; see [`shared_file`].
pub fn fixture(name: &str) -> Option<PathBuf> {
    shared_file(&format!("fixtures/{name}"))
}

/// The wgpu device for kernel tests. In CI (CI=true) a missing adapter is a failure;
/// elsewhere the test is skipped with a message.
pub fn wgpu_or_skip() -> Option<emovox::gpu::Compute> {
    match emovox::gpu::Compute::wgpu() {
        Ok(c) => Some(c),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI needs a wgpu adapter (mesa-vulkan-drivers): {e}")
        }
        Err(e) => {
            eprintln!("skipped: {e}");
            None
        }
    }
}

/// A sine of `freq` Hz and amplitude `amp`, `seconds` long at `rate`.
pub fn sine(freq: f32, amp: f32, rate: u32, seconds: f32) -> Vec<f32> {
    tone(freq, amp, rate, (rate as f32 * seconds) as usize)
}

/// A sine of `n` samples.
pub fn tone(freq: f32, amp: f32, rate: u32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
        .collect()
}

/// flacenc's block size. Its STREAMINFO counts a short final block in the minimum block size,
/// which symphonia (strictly, per the FLAC spec) then reads as a variable-blocksize stream and
/// cannot sync; so test FLACs hold whole blocks.
pub const FLAC_BLOCK: usize = 4096;

/// Sample format of a hand-written WAV.
#[derive(Clone, Copy, Debug)]
pub enum WavFormat {
    Int(u16),
    Float32,
}

/// WAV bytes for interleaved `frames` (values in [-1, 1]) with `channels` channels.
pub fn wav_bytes(interleaved: &[f32], channels: u16, rate: u32, format: WavFormat) -> Vec<u8> {
    let (tag, bits) = match format {
        WavFormat::Int(b) => (1u16, b),
        WavFormat::Float32 => (3u16, 32),
    };
    let mut data = Vec::new();
    for &x in interleaved {
        let x = x.clamp(-1.0, 1.0);
        match format {
            WavFormat::Int(8) => data.push(((x * 127.0).round() as i16 + 128) as u8),
            WavFormat::Int(16) => data.extend(((x * 32767.0).round() as i16).to_le_bytes()),
            WavFormat::Int(24) => data.extend(&((x * 8_388_607.0).round() as i32).to_le_bytes()[..3]),
            WavFormat::Int(32) => data.extend(((x as f64 * 2_147_483_647.0).round() as i32).to_le_bytes()),
            WavFormat::Int(b) => panic!("unsupported test bit depth {b}"),
            WavFormat::Float32 => data.extend(x.to_le_bytes()),
        }
    }
    let block_align = channels * bits / 8;
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend((36 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(tag.to_le_bytes());
    out.extend(channels.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * block_align as u32).to_le_bytes());
    out.extend(block_align.to_le_bytes());
    out.extend(bits.to_le_bytes());
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

/// FLAC bytes (16-bit) for interleaved samples (a whole number of [`FLAC_BLOCK`]s per channel).
pub fn flac_bytes(interleaved: &[f32], channels: usize, rate: u32) -> Vec<u8> {
    assert_eq!(
        (interleaved.len() / channels) % FLAC_BLOCK,
        0,
        "test FLACs hold whole blocks"
    );
    use flacenc::component::BitRepr;
    use flacenc::error::Verify;
    let ints: Vec<i32> = interleaved
        .iter()
        .map(|x| (x.clamp(-1.0, 1.0) * 32767.0).round() as i32)
        .collect();
    let cfg = flacenc::config::Encoder::default()
        .into_verified()
        .expect("flac config");
    let source = flacenc::source::MemSource::from_samples(&ints, channels, 16, rate as usize);
    let stream = flacenc::encode_with_fixed_block_size(&cfg, source, cfg.block_size).expect("flac encode");
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream.write(&mut sink).expect("flac write");
    sink.as_slice().to_vec()
}

/// MP3 bytes (128 kb/s CBR) of a mono signal.
pub fn mp3_bytes(mono: &[f32], rate: u32) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm, Quality};
    let mut builder = Builder::new().expect("lame init");
    builder.set_num_channels(1).expect("channels");
    builder.set_sample_rate(rate).expect("rate");
    builder.set_brate(Bitrate::Kbps128).expect("bitrate");
    builder.set_quality(Quality::Best).expect("quality");
    let mut encoder = builder.build().expect("lame build");
    let pcm: Vec<i16> = mono
        .iter()
        .map(|x| (x.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect();
    // Room for the frames and for the flushed tail (lame asks for 7200 bytes there).
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()) + 7200);
    encoder.encode_to_vec(MonoPcm(&pcm), &mut out).expect("mp3 encode");
    encoder.flush_to_vec::<FlushNoGap>(&mut out).expect("mp3 flush");
    out
}

/// Ogg Vorbis bytes of a mono signal.
pub fn ogg_bytes(mono: &[f32], rate: u32) -> Vec<u8> {
    use std::num::{NonZeroU8, NonZeroU32};
    let mut builder = vorbis_rs::VorbisEncoderBuilder::new_with_serial(
        NonZeroU32::new(rate).expect("rate"),
        NonZeroU8::new(1).expect("channels"),
        Vec::<u8>::new(),
        7,
    );
    let mut encoder = builder.build().expect("vorbis build");
    for block in mono.chunks(4096) {
        encoder.encode_audio_block([block]).expect("vorbis encode");
    }
    encoder.finish().expect("vorbis finish")
}

/// Writes bytes to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, bytes).expect("write test file");
    path
}

/// Frequency of a tone from its zero crossings (middle 80% of the signal).
pub fn tone_frequency(x: &[f32], rate: u32) -> f32 {
    let a = x.len() / 10;
    let b = x.len() - a;
    let crossings = x[a..b].windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count();
    crossings as f32 / 2.0 / ((b - a) as f32 / rate as f32)
}

/// RMS of the middle 80% of a signal.
pub fn rms(x: &[f32]) -> f32 {
    let a = x.len() / 10;
    let b = x.len() - a;
    (x[a..b].iter().map(|v| v * v).sum::<f32>() / (b - a) as f32).sqrt()
}

/// Largest absolute difference of two equally long slices.
pub fn max_abs(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "compared slices differ in length");
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Indices of the `k` largest values, largest first.
pub fn top_k(values: &[f32], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order.truncate(k);
    order
}

/// The shipped model's class names, in its order (what `predict` reports probabilities of),
/// read as the library reads a model's `config.json`.
pub fn shipped_classes() -> Vec<String> {
    let path = emovox::predict::default_model_dir().join("config.json");
    let config: emovox::run::ExperimentConfig = emovox::run::read_json(&path).expect("the shipped model's config.json");
    config.classes.names().into_iter().map(str::to_owned).collect()
}

/// Runs the emovox binary in `cwd` on the CPU backend.
pub fn emovox(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_emovox"))
        .args(args)
        .current_dir(cwd)
        .env("BURN_DEVICE", "flex")
        .output()
        .expect("run emovox")
}

/// An `emovox serve` process on a free loopback port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Server {
    /// Starts the server on the CPU with the shipped model and `extra` flags, and waits until
    /// it prints its address.
    pub fn start(extra: &[&str]) -> Server {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_emovox"))
            .args(["serve", "--addr", "127.0.0.1:0", "--device", "cpu"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start emovox serve");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("emovox serve printed {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server has exited.
    pub fn exited(&mut self) -> bool {
        self.child.try_wait().is_ok_and(|s| s.is_some())
    }

    /// `host:port`
    pub fn authority(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The JSON a successful command printed (fails the test with its stderr otherwise).
pub fn success_json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A voiced-speech-like signal: a 150 Hz tone with two formant-ish partials.
pub fn voiced(seconds: f32, rate: u32) -> Vec<f32> {
    let a = sine(150.0, 0.3, rate, seconds);
    let b = sine(700.0, 0.15, rate, seconds);
    let c = sine(1200.0, 0.08, rate, seconds);
    a.iter().zip(&b).zip(&c).map(|((x, y), z)| x + y + z).collect()
}

/// A speech clip for end-to-end tests: the first RAVDESS recording (as 16-bit WAV) when
/// `../shared/data` is present, else a synthetic voiced signal; written into `dir`.
pub fn speech_wav(dir: &Path) -> PathBuf {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ravdess/Actor_01");
    let real = std::fs::read_dir(&data).ok().and_then(|entries| {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        files.into_iter().find(|p| p.extension().is_some_and(|e| e == "flac"))
    });
    let (samples, rate) = match real {
        Some(path) => {
            let audio = emovox::audio::decode_file(&path).expect("decode a RAVDESS clip");
            (audio.samples, audio.sample_rate)
        }
        None => {
            eprintln!("note: ../shared/data is absent: a synthetic voiced clip stands in for speech");
            (voiced(3.5, 16_000), 16_000)
        }
    };
    write(dir, "speech.wav", &wav_bytes(&samples, 1, rate, WavFormat::Int(16)))
}

/// Sample rate of [`made_up_take`].
pub const MADE_UP_RATE: u32 = 16_000;

/// One second of a harmonic voice at `pitch` Hz with an amplitude envelope `env(t)`.
pub fn made_up_voice(pitch: f32, env: impl Fn(f32) -> f32) -> Vec<f32> {
    let n = MADE_UP_RATE as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / MADE_UP_RATE as f32;
            let phase = 2.0 * std::f32::consts::PI * pitch * t;
            let harmonics = phase.sin() + 0.5 * (2.0 * phase).sin() + 0.25 * (3.0 * phase).sin();
            0.3 * env(t) * harmonics
        })
        .collect()
}

/// Take `k` of class `class`: calm (low, steady), excited (high, fast tremolo, loud),
/// bored (lowest, fading and quiet); pitch varies a little per take.
pub fn made_up_take(class: &str, k: usize) -> Vec<f32> {
    let jitter = 1.0 + 0.06 * ((k * 7919 % 11) as f32 / 10.0 - 0.5);
    match class {
        "calm" => made_up_voice(160.0 * jitter, |_| 0.6),
        "excited" => made_up_voice(340.0 * jitter, |t| {
            0.6 + 0.4 * (2.0 * std::f32::consts::PI * 6.0 * t).sin()
        }),
        _ => made_up_voice(100.0 * jitter, |t| 0.45 * (1.0 - 0.7 * t)),
    }
}

/// `n` values in [-1, 1) from a seeded generator of the test's own (the flex device's RNG is one
/// global generator that tests running beside each other would share).
pub fn made_up_values(n: usize, seed: u64) -> Vec<f32> {
    let step = |s: u64| s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    let mut state = step(seed);
    (0..n)
        .map(|_| {
            state = step(state);
            (state >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}
