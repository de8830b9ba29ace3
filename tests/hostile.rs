//! Hostile inputs: a folder of things named like audio that are not (a FIFO, a socket, a link
//! to /dev/zero, a dangling link, a directory) and of headers that lie (1 Hz, 4 GHz, no
//! channels, 2^31 frames, 7-bit samples) is answered quickly, one clear record per entry;
//! the server answers lying uploads at once, requires its token when given one, refuses work
//! over its audio budget with 503 and Retry-After, and stops within 2 s of SIGTERM.

mod common;

use common::*;
use emovox::serve::attack::hostile_wavs;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Builds the folder; returns the expected words of each entry's error (`None`: a prediction
/// or any clear error will do).
fn hostile_folder(dir: &Path) -> BTreeMap<String, Option<&'static str>> {
    let mut expect = BTreeMap::new();
    let fifo = std::ffi::CString::new(dir.join("fifo.wav").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0, "mkfifo");
    expect.insert("fifo.wav".into(), Some("FIFO"));
    let socket = std::os::unix::net::UnixListener::bind(dir.join("socket.wav")).unwrap();
    std::mem::forget(socket);
    expect.insert("socket.wav".into(), Some("socket"));
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.wav")).unwrap();
    expect.insert("zero.wav".into(), Some("character device"));
    std::os::unix::fs::symlink(dir.join("gone.flac"), dir.join("dangling.flac")).unwrap();
    expect.insert("dangling.flac".into(), Some("dangling symbolic link"));
    std::fs::create_dir(dir.join("folder.wav")).unwrap();
    expect.insert("folder.wav".into(), Some("directory"));
    for (what, bytes) in hostile_wavs() {
        let name = format!("{}.wav", what.replace([' ', '^'], "_"));
        std::fs::write(dir.join(&name), bytes).unwrap();
        let words = match what {
            "1 Hz" => Some("sample rate of 1 Hz"),
            "4 GHz" => Some("sample rate of 4000000000 Hz"),
            "0 channels" => Some("channel count"),
            "2^31 frames" => Some("claims 134218 s"),
            "a day at 1 kHz" => Some("claims 86400 s"),
            _ => None,
        };
        expect.insert(name, words);
    }
    write(
        dir,
        "speech.wav",
        &wav_bytes(&voiced(2.0, 16_000), 1, 16_000, WavFormat::Int(16)),
    );
    expect.insert("speech.wav".into(), None);
    expect
}

#[test]
fn a_folder_of_hostile_entries_gets_one_clear_record_each_within_5_s() {
    let dir = tempfile::tempdir().unwrap();
    let expect = hostile_folder(dir.path());
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_emovox"))
        .args(["predict", "--jsonl", "--max-duration", "12h"])
        .arg(dir.path())
        .env("BURN_DEVICE", "flex")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("predict on the hostile folder did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = started.elapsed().as_secs_f64();
    let out = child.wait_with_output().unwrap();
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r["kind"] == "file")
        .collect();
    let mut seen = BTreeMap::new();
    for r in &records {
        let name = Path::new(r["path"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let error = r["error"].as_str().map(str::to_owned);
        assert!(
            error.is_some() != r["prediction"].is_object(),
            "{name}: an error or a prediction: {r}"
        );
        assert!(seen.insert(name.clone(), error).is_none(), "{name} reported twice");
    }
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        expect.keys().collect::<Vec<_>>(),
        "one record per audio-named entry; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, words) in &expect {
        let error = &seen[name];
        match words {
            Some(words) => {
                let e = error.as_deref().unwrap_or_else(|| panic!("{name} must be an error"));
                assert!(e.contains(words), "{name}: `{e}` should say `{words}`");
            }
            None if name == "speech.wav" => assert!(error.is_none(), "{name}: {error:?}"),
            None => {}
        }
    }
    // The model load is most of it; the hostile entries themselves cost nothing.
    assert!(seconds < 5.0, "the hostile folder took {seconds:.1} s");
    // An explicit FIFO path is refused too, not opened for a blocking read.
    let out = emovox(
        &["predict", "--jsonl", dir.path().join("fifo.wav").to_str().unwrap()],
        dir.path(),
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("FIFO"), "{out:?}");
}

/// Awaits every future side by side, in order.
async fn futures_join<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let tasks: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_answers_lying_uploads_at_once_checks_its_token_and_budget_and_stops_on_sigterm() {
    let server = Server::start(&["--token", "s3cret", "--max-pending-audio", "5s"]);
    let client = reqwest::Client::new();
    let predict = format!("{}/v1/predict", server.url);
    let speech = wav_bytes(&voiced(3.0, 16_000), 1, 16_000, WavFormat::Int(16));
    // No token, a wrong one: 401; the page and /healthz stay open.
    let post = |token: Option<&str>, body: Vec<u8>| {
        let mut request = client.post(&predict).header("content-type", "audio/wav").body(body);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send()
    };
    assert_eq!(post(None, speech.clone()).await.unwrap().status(), 401);
    assert_eq!(post(Some("wrong"), speech.clone()).await.unwrap().status(), 401);
    let health = client.get(format!("{}/healthz", server.url)).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let ok = post(Some("s3cret"), speech.clone()).await.unwrap();
    assert_eq!(ok.status(), 200);
    // A hop so small that every sample starts a window: refused, not computed.
    let tiny_hop = client
        .post(format!("{predict}?window=60&hop=0.001"))
        .bearer_auth("s3cret")
        .header("content-type", "audio/wav")
        .body(speech.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(tiny_hop.status(), 400);
    assert!(tiny_hop.text().await.unwrap().contains("window` / 20"));
    // Lying headers: a 4xx naming the problem, at once.
    for (what, bytes) in hostile_wavs() {
        let started = Instant::now();
        let response = post(Some("s3cret"), bytes).await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert!((400..500).contains(&status), "{what}: {status} {text}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{what} took {:?}",
            started.elapsed()
        );
    }
    // Four 4 s clips at once against a 5 s audio budget: the ones that do not fit get 503 with
    // Retry-After at once; the rest are answered.
    let clip = wav_bytes(&voiced(4.0, 16_000), 1, 16_000, WavFormat::Int(16));
    let answers = futures_join(vec![
        post(Some("s3cret"), clip.clone()),
        post(Some("s3cret"), clip.clone()),
        post(Some("s3cret"), clip.clone()),
        post(Some("s3cret"), clip),
    ])
    .await;
    let mut statuses = Vec::new();
    for response in answers {
        let response = response.unwrap();
        if response.status() == 503 {
            assert_eq!(response.headers()["retry-after"], "1");
        }
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.contains(&200) && statuses.contains(&503), "{statuses:?}");
    // A client that leaves in the middle of a long upload's work: the server is idle again
    // within 2 s (5 min of audio in 3 s windows with a 1 s hop is about a minute of work).
    let long = wav_bytes(&voiced(300.0, 16_000), 1, 16_000, WavFormat::Int(16));
    let leaving = reqwest::Client::builder()
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap();
    let left = leaving
        .post(format!("{predict}?window=3&hop=1"))
        .bearer_auth("s3cret")
        .header("content-type", "audio/wav")
        .body(long)
        .send()
        .await;
    assert!(left.is_err(), "the long upload should not be done in 1.5 s");
    let left_at = Instant::now();
    let ticks = || emovox::serve::attack::cpu_ticks(server.pid()).expect("/proc/PID/stat");
    loop {
        let before = ticks();
        tokio::time::sleep(Duration::from_millis(250)).await;
        if ticks() - before <= 2 {
            break;
        }
        assert!(
            left_at.elapsed() < Duration::from_secs(2),
            "still busy 2 s after the client left"
        );
    }
    // SIGTERM: gone within 2 s.
    let started = Instant::now();
    assert_eq!(unsafe { libc::kill(server.pid() as i32, libc::SIGTERM) }, 0);
    let mut server = server;
    while !server.exited() {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "still running 2 s after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
