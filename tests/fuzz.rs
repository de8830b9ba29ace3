//! Fuzzing the way audio comes in: WAV, FLAC, MP3 and Ogg files made by real encoders are
//! mutated with knowledge of their headers (sample rates, channel counts, bit depths, frame
//! counts, chunk and page sizes; Ogg pages get a valid checksum again so the mutation reaches
//! the codec) and blindly (bit flips, interesting bytes, truncation, splices), and each input
//! goes through decode -> resample -> level -> features -> classify with the shipped model,
//! as `predict` and `serve` run it. A panic, an input that takes over [`HANG_S`], or the
//! process growing past [`RSS_LIMIT_MIB`] fails the run and leaves the input in
//! `tests/fuzz/crashes/`; every file there and in `tests/fuzz/corpus/` is replayed first.
//!
//! In the suite it runs for a few seconds. The long run (docs/experiments/hostile-input/README.md):
//! `EMOVOX_FUZZ_SECONDS=3600 cargo test --release --test fuzz -- --nocapture`
//! (`EMOVOX_FUZZ_SEED` picks the seed; `EMOVOX_FUZZ_KEEP=N` saves the N smallest inputs of
//! distinct outcomes, up to 16 KB each, to the corpus the suite replays).

mod common;

use common::*;
use emovox::audio::Decoder;
use emovox::gpu::Compute;
use emovox::predict::{HandOver, Input, PredictOptions, Predictor, default_model_dir, predict_input};
use emovox::rng::{SeededRng, seeded};
use rand::Rng;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest time one input may take.
const HANG_S: u64 = 20;
/// Largest resident memory of the test process.
const RSS_LIMIT_MIB: f64 = 3072.0;
/// Seconds of fuzzing in the suite.
const SUITE_SECONDS: u64 = 8;

fn fuzz_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz").join(kind)
}

/// Real files of every container, mono and stereo, at several rates (each under a second).
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let voice = |rate: u32, n: usize| voiced(n as f32 / rate as f32, rate)[..n].to_vec();
    let stereo = |x: &[f32]| x.iter().flat_map(|v| [*v, -0.5 * v]).collect::<Vec<f32>>();
    let short = voice(16_000, 8_000);
    vec![
        ("wav", wav_bytes(&short, 1, 16_000, WavFormat::Int(16))),
        (
            "wav",
            wav_bytes(&stereo(&voice(44_100, 11_025)), 2, 44_100, WavFormat::Int(24)),
        ),
        ("wav", wav_bytes(&voice(8_000, 4_000), 1, 8_000, WavFormat::Int(8))),
        ("wav", wav_bytes(&voice(48_000, 12_000), 1, 48_000, WavFormat::Float32)),
        ("wav", wav_bytes(&short, 1, 16_000, WavFormat::Int(32))),
        ("flac", flac_bytes(&voice(16_000, 2 * FLAC_BLOCK), 1, 16_000)),
        ("flac", flac_bytes(&stereo(&voice(22_050, FLAC_BLOCK)), 2, 22_050)),
        ("mp3", mp3_bytes(&voice(16_000, 12_000), 16_000)),
        ("mp3", mp3_bytes(&voice(44_100, 20_000), 44_100)),
        ("ogg", ogg_bytes(&voice(16_000, 12_000), 16_000)),
    ]
}

/// Values that break arithmetic: zero, one, powers of two and their neighbours, extremes.
const INTERESTING: [u64; 20] = [
    0,
    1,
    2,
    3,
    7,
    8,
    16,
    24,
    33,
    64,
    255,
    256,
    999,
    65_535,
    65_536,
    768_001,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFFF,
    0xFFFF_FFFF_FFFF,
];

fn pick(rng: &mut SeededRng, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

fn interesting(rng: &mut SeededRng) -> u64 {
    if rng.next_u64().is_multiple_of(4) {
        rng.next_u64()
    } else {
        INTERESTING[pick(rng, INTERESTING.len())]
    }
}

fn put_le(bytes: &mut [u8], at: usize, width: usize, value: u64) {
    for i in 0..width {
        if let Some(b) = bytes.get_mut(at + i) {
            *b = (value >> (8 * i)) as u8;
        }
    }
}

/// Sets `width` bits at bit offset `bit` (most significant first), as FLAC and MP3 headers
/// pack them.
fn put_bits(bytes: &mut [u8], bit: usize, width: usize, value: u64) {
    for i in 0..width {
        let at = bit + i;
        let on = (value >> (width - 1 - i)) & 1 == 1;
        if let Some(b) = bytes.get_mut(at / 8) {
            let mask = 0x80 >> (at % 8);
            *b = if on { *b | mask } else { *b & !mask };
        }
    }
}

fn find(bytes: &[u8], needle: &[u8]) -> Option<usize> {
    bytes.windows(needle.len()).position(|w| w == needle)
}

/// A WAV header field: format tag, channels, rate, byte rate, block align, bits, or a chunk
/// size (RIFF, fmt, data); or a chunk of a lying size inserted before the data.
fn mutate_wav(bytes: &mut Vec<u8>, rng: &mut SeededRng) {
    let Some(fmt) = find(bytes, b"fmt ") else { return };
    let data = find(bytes, b"data").unwrap_or(bytes.len());
    if rng.next_u64().is_multiple_of(4) {
        let ids: [&[u8; 4]; 6] = [b"LIST", b"junk", b"fact", b"cue ", b"smpl", b"id3 "];
        let mut chunk = ids[pick(rng, ids.len())].to_vec();
        chunk.extend_from_slice(&(interesting(rng) as u32).to_le_bytes());
        chunk.extend((0..pick(rng, 17)).map(|_| rng.next_u64() as u8));
        bytes.splice(data..data, chunk);
        return;
    }
    let fields = [
        (4, 4),
        (fmt + 4, 4),
        (fmt + 8, 2),
        (fmt + 10, 2),
        (fmt + 12, 4),
        (fmt + 16, 4),
        (fmt + 20, 2),
        (fmt + 22, 2),
        (data + 4, 4),
    ];
    let (at, width) = fields[pick(rng, fields.len())];
    put_le(bytes, at, width, interesting(rng));
}

/// A FLAC STREAMINFO field: block sizes, frame sizes, rate, channels, bits, total samples.
fn mutate_flac(bytes: &mut Vec<u8>, rng: &mut SeededRng) {
    // "fLaC", a 4-byte block header, then STREAMINFO (bit offsets from its start).
    if rng.next_u64().is_multiple_of(4) && bytes.len() > 42 {
        // A metadata block of any type and a lying length after STREAMINFO (which must stay
        // first and so loses its last-block flag).
        bytes[4] &= 0x7F;
        let mut block = vec![(rng.next_u64() % 128) as u8];
        block.extend_from_slice(&(interesting(rng) as u32).to_be_bytes()[1..]);
        block.extend((0..pick(rng, 33)).map(|_| rng.next_u64() as u8));
        bytes.splice(42..42, block);
        return;
    }
    let base = 8 * 8;
    let fields = [
        (0, 16),
        (16, 16),
        (32, 24),
        (56, 24),
        (80, 20),
        (100, 3),
        (103, 5),
        (108, 36),
    ];
    let (bit, width) = fields[pick(rng, fields.len())];
    put_bits(bytes, base + bit, width, interesting(rng));
}

/// An MP3 frame header field (version, layer, bitrate, rate, padding, mode) of some frame.
fn mutate_mp3(bytes: &mut Vec<u8>, rng: &mut SeededRng) {
    let syncs: Vec<usize> = (0..bytes.len().saturating_sub(1))
        .filter(|&i| bytes[i] == 0xFF && bytes[i + 1] & 0xE0 == 0xE0)
        .take(64)
        .collect();
    if syncs.is_empty() {
        return;
    }
    if rng.next_u64().is_multiple_of(4) {
        // An ID3v2 tag of a lying (syncsafe) size in front.
        let size = interesting(rng) as u32;
        let syncsafe = [
            (size >> 21) as u8 & 0x7F,
            (size >> 14) as u8 & 0x7F,
            (size >> 7) as u8 & 0x7F,
            size as u8 & 0x7F,
        ];
        let mut tag = b"ID3".to_vec();
        tag.extend_from_slice(&[3 + (rng.next_u64() % 2) as u8, 0, (rng.next_u64() % 256) as u8]);
        tag.extend_from_slice(&syncsafe);
        tag.extend((0..pick(rng, 64)).map(|_| rng.next_u64() as u8));
        bytes.splice(0..0, tag);
        return;
    }
    let frame = syncs[pick(rng, syncs.len())];
    let fields = [(11, 2), (13, 2), (16, 4), (20, 2), (22, 1), (24, 2)];
    let (bit, width) = fields[pick(rng, fields.len())];
    put_bits(bytes, frame * 8 + bit, width, rng.next_u64());
}

/// Ogg's CRC-32 (polynomial 0x04C11DB7, not reflected, zero initial value).
fn ogg_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in page {
        crc ^= (b as u32) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Recomputes the checksum of every whole Ogg page.
fn fix_ogg_pages(bytes: &mut [u8]) {
    let mut at = 0;
    while at + 27 <= bytes.len() && &bytes[at..at + 4] == b"OggS" {
        let segments = bytes[at + 26] as usize;
        if at + 27 + segments > bytes.len() {
            return;
        }
        let body: usize = bytes[at + 27..at + 27 + segments].iter().map(|&s| s as usize).sum();
        let end = at + 27 + segments + body;
        if end > bytes.len() {
            return;
        }
        bytes[at + 22..at + 26].fill(0);
        let crc = ogg_crc(&bytes[at..end]);
        bytes[at + 22..at + 26].copy_from_slice(&crc.to_le_bytes());
        at = end;
    }
}

/// Vorbis identification header fields (offset from `\x01vorbis`, width): channels, rate,
/// bitrates, block sizes.
const VORBIS_ID_FIELDS: [(usize, usize); 6] = [(11, 1), (12, 4), (16, 4), (20, 4), (24, 4), (28, 1)];
/// Ogg page header fields (offset from `OggS`, width): version, header type, granule position,
/// page sequence, segment count, first segment size.
const OGG_PAGE_FIELDS: [(usize, usize); 5] = [(5, 1), (6, 8), (18, 4), (26, 1), (27, 1)];

/// A Vorbis identification field or an Ogg page field, then valid checksums again.
fn mutate_ogg(bytes: &mut [u8], rng: &mut SeededRng) {
    let identification = find(bytes, b"\x01vorbis").filter(|_| rng.next_u64().is_multiple_of(2));
    let target = match identification {
        Some(id) => Some((id, &VORBIS_ID_FIELDS[..])),
        None => {
            let pages: Vec<usize> = (0..bytes.len().saturating_sub(4))
                .filter(|&i| &bytes[i..i + 4] == b"OggS")
                .collect();
            pages
                .get(pick(rng, pages.len()))
                .map(|&page| (page, &OGG_PAGE_FIELDS[..]))
        }
    };
    if let Some((base, fields)) = target {
        let (at, width) = fields[pick(rng, fields.len())];
        put_le(bytes, base + at, width, interesting(rng));
    }
    fix_ogg_pages(bytes);
}

/// One mutation: structure-aware half the time, else blind.
fn mutate(ext: &str, input: &[u8], other: &[u8], rng: &mut SeededRng) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..1 + pick(rng, 3) {
        if rng.next_u64().is_multiple_of(2) {
            match ext {
                "wav" => mutate_wav(&mut bytes, rng),
                "flac" => mutate_flac(&mut bytes, rng),
                "mp3" => mutate_mp3(&mut bytes, rng),
                _ => mutate_ogg(&mut bytes, rng),
            }
            continue;
        }
        if bytes.is_empty() {
            bytes.push(0);
        }
        let at = pick(rng, bytes.len());
        match rng.next_u64() % 6 {
            0 => bytes[at] ^= 1 << (rng.next_u64() % 8),
            1 => bytes[at] = interesting(rng) as u8,
            2 => bytes.truncate(at),
            3 => {
                let len = pick(rng, 64).min(bytes.len() - at);
                let piece = bytes[at..at + len].to_vec();
                let to = pick(rng, bytes.len());
                bytes.splice(to..to, piece);
            }
            4 => {
                let from = pick(rng, other.len());
                let len = pick(rng, 4096).min(other.len() - from);
                let to = pick(rng, bytes.len());
                bytes.splice(to..to, other[from..from + len].iter().copied());
            }
            _ => {
                let len = pick(rng, 256).min(bytes.len() - at);
                bytes.drain(at..at + len);
            }
        }
    }
    bytes
}

/// What an input came to, with numbers blanked: new outcomes are kept for further mutation.
fn outcome(predictor: &Predictor, ext: &str, bytes: &[u8], timeline: bool) -> String {
    let name = PathBuf::from(format!("fuzz.{ext}"));
    let decoder = match Decoder::from_bytes(&name, bytes.to_vec()) {
        Ok(d) => d,
        Err(e) => return blank(&e.to_string()),
    };
    let options = PredictOptions {
        window: timeline.then_some((1.0, 0.5)),
        producers: Some(1),
        ..PredictOptions::default()
    };
    let input = Input::Source {
        name,
        source: HandOver::new(Box::new(decoder)),
        live: false,
    };
    match predict_input(predictor, input, &options) {
        Ok(r) => match (r.error, r.prediction) {
            (Some(e), _) => blank(&e),
            (None, Some(p)) => format!("label {}", p.label),
            (None, None) => "no prediction".into(),
        },
        Err(e) => blank(&e.to_string()),
    }
}

fn blank(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect()
}

fn rss_mib() -> f64 {
    emovox::serve::load::rss_mib(std::process::id()).unwrap_or(0.0)
}

/// Writes a failing input where the suite replays it.
fn keep_crash(ext: &str, bytes: &[u8], why: &str) -> PathBuf {
    let dir = fuzz_dir("crashes");
    std::fs::create_dir_all(&dir).expect("mkdir tests/fuzz/crashes");
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("{hash:016x}.{ext}"));
    std::fs::write(&path, bytes).expect("write the crash input");
    eprintln!("fuzz: {why}: input kept in {}", path.display());
    path
}

/// The input being run and since when, for the watchdog.
struct Current {
    started_ms: AtomicU64,
    input: Mutex<(String, Vec<u8>)>,
}

/// Fails the process (after keeping the input) when one input hangs or memory runs away.
fn watchdog(current: Arc<Current>, epoch: Instant) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let started = current.started_ms.load(Ordering::Relaxed);
            let now = epoch.elapsed().as_millis() as u64;
            let rss = rss_mib();
            let why = if started > 0 && now.saturating_sub(started) > HANG_S * 1000 {
                format!("an input ran over {HANG_S} s")
            } else if rss > RSS_LIMIT_MIB {
                format!("resident memory reached {rss:.0} MiB")
            } else {
                continue;
            };
            if let Ok(input) = current.input.lock() {
                keep_crash(&input.0, &input.1, &why);
            }
            eprintln!("fuzz: FAILED: {why}");
            std::process::exit(101);
        }
    });
}

#[test]
fn hostile_audio_never_panics_hangs_or_exhausts_memory() {
    let seconds: u64 = std::env::var("EMOVOX_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SUITE_SECONDS);
    let seed: u64 = std::env::var("EMOVOX_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_secs())
        });
    let keep: usize = std::env::var("EMOVOX_FUZZ_KEEP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let predictor = Predictor::load(&default_model_dir(), Compute::cpu()).expect("the shipped model");
    let epoch = Instant::now();
    let current = Arc::new(Current {
        started_ms: AtomicU64::new(0),
        input: Mutex::new((String::new(), Vec::new())),
    });
    watchdog(current.clone(), epoch);
    // Where each panic happened, so that a campaign goes on and reports every distinct site.
    let site = Arc::new(Mutex::new(String::new()));
    {
        let site = site.clone();
        std::panic::set_hook(Box::new(move |info| {
            let at = info
                .location()
                .map_or("?".to_string(), |l| format!("{}:{}", l.file(), l.line()));
            let message = info.payload_as_str().unwrap_or("");
            if let Ok(mut s) = site.lock()
                && s.is_empty()
            {
                *s = format!("{at}: {message}");
            }
        }));
    }
    let mut panics: Vec<(String, PathBuf)> = Vec::new();
    let mut run = |ext: &str, bytes: &[u8], timeline: bool| -> String {
        if let Ok(mut input) = current.input.lock() {
            *input = (ext.to_string(), bytes.to_vec());
        }
        current
            .started_ms
            .store(epoch.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        // The harness catches a panic only to keep its input and go on; the fix belongs in the
        // code (a scoped producer thread's panic reaches here as "a scoped thread panicked":
        // the hook keeps the first, real site).
        if let Ok(mut s) = site.lock() {
            s.clear();
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outcome(&predictor, ext, bytes, timeline)
        }));
        current.started_ms.store(0, Ordering::Relaxed);
        match result {
            Ok(outcome) => outcome,
            Err(_) => {
                let at = site.lock().map(|s| s.clone()).unwrap_or_default();
                if !panics.iter().any(|(seen, _)| *seen == at) {
                    let kept = keep_crash(ext, bytes, &format!("panic at {at}"));
                    panics.push((at.clone(), kept));
                }
                format!("panic {at}")
            }
        }
    };

    // Regression inputs first.
    let mut pool: Vec<(String, Vec<u8>)> = Vec::new();
    let mut replayed = 0;
    for kind in ["corpus", "crashes"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir(kind)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for path in files {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("bin").to_string();
            let bytes = std::fs::read(&path).expect("read a kept input");
            run(&ext, &bytes, false);
            replayed += 1;
            pool.push((ext, bytes));
        }
    }
    // Each distinct outcome and the first input that gave it.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (ext, bytes) in seeds() {
        let o = run(ext, &bytes, false);
        assert!(o.starts_with("label "), "a seed {ext} must predict: {o}");
        seen.entry(o).or_insert(usize::MAX);
        pool.push((ext.to_string(), bytes));
    }
    // Mutants.
    let mut rng = seeded(seed, 0xF022);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut executions, mut predicted) = (0u64, 0u64);
    let mut peak_rss = rss_mib();
    while Instant::now() < deadline {
        let (ext, parent) = &pool[pick(&mut rng, pool.len())];
        let other = &pool[pick(&mut rng, pool.len())].1;
        let ext = ext.clone();
        let child = mutate(&ext, parent, other, &mut rng);
        // Half the time under another name: the container is found from the bytes.
        let named = if rng.next_u64().is_multiple_of(2) {
            ext.as_str()
        } else {
            "bin"
        };
        let o = run(named, &child, rng.next_u64().is_multiple_of(8));
        executions += 1;
        predicted += o.starts_with("label ") as u64;
        if !seen.contains_key(&o) && pool.len() < 4096 {
            seen.insert(o, pool.len());
            pool.push((ext, child));
        }
        if executions.is_multiple_of(256) {
            peak_rss = peak_rss.max(rss_mib());
        }
    }
    let elapsed = epoch.elapsed().as_secs_f64();
    let _ = std::panic::take_hook();
    if keep > 0 {
        let mut found: Vec<&(String, Vec<u8>)> = seen.values().filter_map(|&i| pool.get(i)).collect();
        found.retain(|(_, b)| b.len() <= 16 * 1024);
        found.sort_by_key(|(_, b)| b.len());
        let dir = fuzz_dir("corpus");
        std::fs::create_dir_all(&dir).expect("mkdir tests/fuzz/corpus");
        for (k, (ext, bytes)) in found.into_iter().take(keep).enumerate() {
            std::fs::write(dir.join(format!("{seed}-{k:03}.{ext}")), bytes).expect("keep an input");
        }
    }
    println!(
        "fuzz: seed {seed}: {replayed} kept inputs replayed, {executions} mutants in {elapsed:.0} s ({:.0}/s), \
         {predicted} predicted, {} distinct outcomes, pool {}, peak RSS {peak_rss:.0} MiB, {} distinct panics; no hang \
         or runaway memory",
        executions as f64 / elapsed,
        seen.len(),
        pool.len(),
        panics.len()
    );
    assert!(panics.is_empty(), "{} distinct panics: {panics:#?}", panics.len());
    assert!(executions > 0);
}
