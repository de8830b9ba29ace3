//! `emovox serve` end to end: the real binary on 127.0.0.1 port 0 with the shipped model.
//! Uploads give exactly `emovox predict`'s label and probabilities (raw body and multipart,
//! whole clip and timeline); bad bodies get 400 and oversized ones 413 with a JSON message
//! (heard by a client that writes the whole body without waiting for `100 Continue`);
//! 50 concurrent requests all succeed; the WebSocket stream answers each window as
//! `predict -` does for the same PCM.

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

fn predict_cli(args: &[&str]) -> Value {
    let out = emovox(args, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    results[0].clone()
}

async fn post(url: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn get_json(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// Same label; every class probability equal to 1e-6, in the same order.
fn assert_same_prediction(served: &Value, cli: &Value) {
    assert_eq!(served["label"], cli["label"], "{served} vs {cli}");
    let (a, b) = (
        served["probabilities"].as_object().unwrap(),
        cli["probabilities"].as_object().unwrap(),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (class, p) in a {
        let d = (p.as_f64().unwrap() - b[class].as_f64().unwrap()).abs();
        assert!(d < 1e-6, "{class}: {p} vs {}", b[class]);
    }
}

fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "emovox-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: audio/wav\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_gets_the_same_answer_as_predict() {
    let dir = tempfile::tempdir().unwrap();
    let clip = speech_wav(dir.path());
    let bytes = std::fs::read(&clip).unwrap();
    let server = Server::start(&[]);
    let path = clip.to_str().unwrap();

    let cli = predict_cli(&["predict", path, "--json", "--device", "cpu"]);
    let (status, served) = post(&format!("{}/v1/predict", server.url), "audio/wav", bytes.clone()).await;
    assert_eq!(status, 200, "{served}");
    assert_same_prediction(&served["prediction"], &cli["prediction"]);
    assert_eq!(served["duration"], cli["duration"]);

    let (content_type, form) = multipart("speech.wav", &bytes);
    let (status, served) = post(&format!("{}/v1/predict", server.url), &content_type, form).await;
    assert_eq!(status, 200, "{served}");
    assert_eq!(served["path"], "speech.wav");
    assert_same_prediction(&served["prediction"], &cli["prediction"]);

    let cli = predict_cli(&[
        "predict", path, "--json", "--device", "cpu", "--window", "1.5s", "--hop", "0.5s",
    ]);
    let url = format!("{}/v1/predict?window=1.5&hop=0.5", server.url);
    let (status, served) = post(&url, "audio/wav", bytes).await;
    assert_eq!(status, 200, "{served}");
    let (a, b) = (
        served["windows"].as_array().unwrap(),
        cli["windows"].as_array().unwrap(),
    );
    assert!(a.len() >= 4, "{} windows", a.len());
    assert_eq!(a.len(), b.len());
    for (w, v) in a.iter().zip(b) {
        assert_eq!((&w["start"], &w["end"]), (&v["start"], &v["end"]));
        if w["probabilities"].as_object().is_some_and(|p| !p.is_empty()) {
            assert_same_prediction(w, v);
        } else {
            assert_eq!(w["label"], v["label"]);
        }
    }
    assert_same_prediction(&served["prediction"], &cli["prediction"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_get_a_4xx_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let wav = std::fs::read(speech_wav(dir.path())).unwrap();
    let server = Server::start(&["--max-body-mib", "4"]);
    let predict = format!("{}/v1/predict", server.url);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("empty", Vec::new(), 400, "empty body"),
        ("truncated", wav[..wav.len() / 2].to_vec(), 400, "truncated"),
        (
            "not audio",
            b"this is a text file, not audio".to_vec(),
            400,
            "unsupported audio",
        ),
        ("oversized", vec![0u8; 16 << 20], 413, "length limit"),
    ];
    for (what, body, expected, message) in cases {
        let (status, answer) = post(&predict, "application/octet-stream", body).await;
        assert_eq!(status, expected, "{what}: {answer}");
        let error = answer["error"].as_str().unwrap_or_else(|| panic!("{what}: {answer}"));
        assert!(error.contains(message), "{what}: {error}");
    }
    let (status, answer) = post(&format!("{predict}?window=-1"), "audio/wav", wav.clone()).await;
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().contains("window"), "{answer}");
    let (content_type, _) = multipart("x.wav", b"");
    let form = "--emovox-test-boundary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--emovox-test-boundary--\r\n";
    let (status, answer) = post(&predict, &content_type, form.as_bytes().to_vec()).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("no file"), "{answer}");

    let missing = reqwest::get(format!("{}/v2/nothing", server.url)).await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    // The server is still up and right after all that.
    let (status, _) = post(&predict, "audio/wav", wav).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_requests_all_succeed_with_one_answer() {
    let dir = tempfile::tempdir().unwrap();
    let wav = std::fs::read(speech_wav(dir.path())).unwrap();
    let server = Server::start(&[]);
    let url = format!("{}/v1/predict", server.url);
    let (status, alone) = post(&url, "audio/wav", wav.clone()).await;
    assert_eq!(status, 200);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (url, wav) = (url.clone(), wav.clone());
            tokio::spawn(async move { post(&url, "audio/wav", wav).await })
        })
        .collect();
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, 200, "{answer}");
        // Batched with 49 others, the clip gets the answer it gets alone.
        assert_eq!(answer["prediction"]["label"], alone["prediction"]["label"]);
        let (a, b) = (&answer["prediction"]["confidence"], &alone["prediction"]["confidence"]);
        assert!((a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-4, "{a} vs {b}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn model_and_health_describe_the_server() {
    let server = Server::start(&[]);
    let health = get_json(&format!("{}/healthz", server.url)).await;
    assert_eq!(health["status"], "ok");
    let model = get_json(&format!("{}/v1/model", server.url)).await;
    let classes: Vec<&str> = model["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(classes, shipped_classes());
    assert_eq!(model["device"]["backend"], "flex");
    assert_eq!(model["clip"]["sample_rate"], 32000);
    let page = reqwest::get(format!("{}/", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<script src=\"/app.js\">"), "{page}");
}

#[test]
fn a_live_stream_answers_every_window_like_predict_on_stdin() {
    let rate = 16_000;
    let audio = voiced(4.0, rate);
    let pcm: Vec<u8> = audio
        .iter()
        .flat_map(|v| ((v * 32767.0).round() as i16).to_le_bytes())
        .collect();
    let server = Server::start(&[]);
    let url = format!(
        "ws://{}/v1/stream?rate={rate}&encoding=s16le&window=1.5&hop=0.5",
        server.authority()
    );
    let (mut socket, _) = tungstenite::connect(url).expect("websocket");
    for chunk in pcm.chunks(3001) {
        socket.send(tungstenite::Message::binary(chunk.to_vec())).unwrap();
    }
    socket.send(tungstenite::Message::text("end")).unwrap();
    let mut windows = Vec::new();
    let mut summary = None;
    while let Ok(message) = socket.read() {
        let tungstenite::Message::Text(text) = message else {
            continue;
        };
        let value: Value = serde_json::from_str(&text).unwrap();
        match value["kind"].as_str() {
            Some("window") => windows.push(value),
            Some("file") => summary = Some(value),
            _ => panic!("unexpected message {value}"),
        }
    }

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_emovox"))
        .args([
            "predict", "-", "--raw", "s16le", "--rate", "16000", "--window", "1.5s", "--hop", "0.5s",
        ])
        .args(["--jsonl", "--device", "cpu"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &pcm).unwrap();
    let out = child.wait_with_output().unwrap();
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let expected: Vec<&Value> = records.iter().filter(|r| r["kind"] == "window").collect();
    assert_eq!(windows.len(), expected.len(), "{windows:?}");
    assert!(windows.len() >= 6);
    for (w, e) in windows.iter().zip(&expected) {
        assert_eq!((&w["start"], &w["end"]), (&e["start"], &e["end"]));
        assert_same_prediction(w, e);
    }
    let summary = summary.expect("a summary message");
    assert_eq!(summary["duration"].as_f64().unwrap(), 4.0);
}
