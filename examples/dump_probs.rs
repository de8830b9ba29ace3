//! Screening tool for docs/results/cpu/posthoc-screens (removed in the next commit): prints, as
//! JSON, each member's class probabilities on its validation and test speakers.
//! `dump_probs MODEL_DIR`; env TTA_NOISE=k averages k noisy copies (white/pink at TTA_SNR dB,
//! default 25; TTA_CLEAN adds the clean clip), TTA_WIN=s averages windows of s seconds (hop s/4)
//! over the trimmed clip, each fitted to the model's clip length.
use emovox::augment::channel::{NoiseColour, add_at_snr, noise};
use emovox::corpus::Corpus;
use emovox::dataset::Dataset;
use emovox::eval::adapted_probabilities;
use emovox::features::log_mel_tensor;
use emovox::gpu::Compute;
use emovox::models::{NetConfig, Network};
use emovox::predict::{RunRepeats, saved_networks};
use emovox::train::Batcher;
use emovox::train::checkpoint::{load_network, read_json};
use emovox::train::run_record::{ExperimentConfig, SplitPaths};
use std::collections::HashMap;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let run = PathBuf::from(&args[1]);
    let cfg: ExperimentConfig = read_json(&run.join("config.json")).unwrap();
    let mut corpus = Corpus::scan(&cfg.data).unwrap();
    for clip in &mut corpus.clips {
        clip.label = cfg.labels.map(&clip.label);
    }
    corpus.clips.retain(|c| cfg.classes.index(&c.label).is_some());
    let win: f32 = std::env::var("TTA_WIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let mut natural = cfg.clip.clone();
    if win > 0.0 {
        natural.duration = None;
    }
    let mut loaded = Dataset::load(&corpus.clips, &natural);
    let n = cfg.clip.num_samples().unwrap();
    let mut owner: Vec<usize> = (0..loaded.audio.len()).collect();
    if win > 0.0 {
        let w = (win * 16000.0) as usize;
        let hop = w / 4;
        let (mut audio, mut own) = (Vec::new(), Vec::new());
        let mut long = 0;
        for (i, x) in loaded.audio.iter().enumerate() {
            if x.len() <= w {
                audio.push(emovox::audio::fit_length(x, n));
                own.push(i);
                continue;
            }
            long += 1;
            let mut start = 0;
            loop {
                let end = (start + w).min(x.len());
                audio.push(emovox::audio::fit_length(&x[start..end], n));
                own.push(i);
                if end == x.len() {
                    break;
                }
                start = (start + hop).min(x.len() - w);
            }
        }
        eprintln!("{long} clips longer than the window, {} windows", audio.len());
        loaded.audio = audio;
        owner = own;
    }
    let clip_labels = loaded.labels(&cfg.classes).unwrap();
    let labels: Vec<usize> = owner.iter().map(|&o| clip_labels[o]).collect();
    let mut windows_of: Vec<Vec<usize>> = vec![Vec::new(); clip_labels.len()];
    for (r, &o) in owner.iter().enumerate() {
        windows_of[o].push(r);
    }
    let index: HashMap<PathBuf, usize> = loaded
        .clips
        .iter()
        .enumerate()
        .map(|(i, c)| (c.path.clone(), i))
        .collect();
    let compute = Compute::select(cfg.device).unwrap();
    let draws: usize = std::env::var("TTA_NOISE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let snr: f32 = std::env::var("TTA_SNR")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25.0);
    let clean: bool = std::env::var("TTA_CLEAN").is_ok() || draws == 0;
    let mut variants = Vec::new();
    if clean {
        variants.push(log_mel_tensor(&compute, &loaded.audio, &cfg.features).unwrap());
    }
    for d in 0..draws {
        let noisy: Vec<Vec<f32>> = loaded
            .audio
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let mut rng = emovox::rng::seeded(d as u64, i as u64);
                let colour = if d % 2 == 0 {
                    NoiseColour::White
                } else {
                    NoiseColour::Pink
                };
                add_at_snr(x, &noise(x.len(), colour, &mut rng), snr)
            })
            .collect();
        variants.push(log_mel_tensor(&compute, &noisy, &cfg.features).unwrap());
    }
    let saved = saved_networks(&run, RunRepeats::All).unwrap();
    let mut out = Vec::new();
    for repeat in &saved {
        let split: SplitPaths = read_json(&repeat.dir.join("split.json")).unwrap();
        let net: NetConfig = read_json(&repeat.dir.join("net.json")).unwrap();
        let network = load_network(&repeat.weights, Network::new(&net, &compute.device)).unwrap();
        let image_size = net.image_size;
        let batchers: Vec<Batcher> = variants
            .iter()
            .map(|f| Batcher::new(f.clone(), labels.clone(), net.clone()))
            .collect();
        let rows_of = |paths: &[PathBuf]| -> Vec<usize> { paths.iter().map(|p| index[p]).collect() };
        let mut member = serde_json::Map::new();
        for (name, paths) in [("val", &split.val), ("test", &split.test)] {
            let clips = rows_of(paths);
            let rows: Vec<usize> = clips.iter().flat_map(|&c| windows_of[c].clone()).collect();
            let mut p = vec![vec![0f32; 8]; rows.len()];
            for batcher in &batchers {
                let q = adapted_probabilities(
                    &network,
                    batcher,
                    &rows,
                    None,
                    |i| loaded.clips[owner[i]].speaker.clone(),
                    64,
                    image_size,
                )
                .unwrap();
                for (a, b) in p.iter_mut().flatten().zip(q.iter().flatten()) {
                    *a += b / batchers.len() as f32;
                }
            }
            let mut at = 0;
            let p: Vec<Vec<f32>> = clips
                .iter()
                .map(|&c| {
                    let k = windows_of[c].len();
                    let mut m = vec![0f32; 8];
                    for q in &p[at..at + k] {
                        for (a, b) in m.iter_mut().zip(q) {
                            *a += b / k as f32;
                        }
                    }
                    at += k;
                    m
                })
                .collect();
            let y: Vec<usize> = clips.iter().map(|&i| clip_labels[i]).collect();
            let spk: Vec<String> = clips.iter().map(|&i| loaded.clips[i].speaker.clone()).collect();
            member.insert(name.into(), serde_json::json!({"p": p, "y": y, "speaker": spk}));
        }
        eprintln!("{} done", repeat.result.name);
        out.push(serde_json::Value::Object(member));
    }
    println!("{}", serde_json::to_string(&out).unwrap());
}
