//! The page in a real browser: headless Chromium driven through ChromeDriver (Debian's
//! `chromium` and `chromium-driver`, installed by `.ci/run`; skipped with a message when
//! absent outside CI). One test uploads a clip and finds `emovox predict`'s label on the page;
//! the other records through Chromium's fake microphone (playing the same clip) and finds live
//! window results from a server that requires a token (the page passes on the one in its
//! address). Each takes a screenshot: into `$EMOVOX_SCREENSHOTS` when set (the committed
//! ones in docs/serve/ come from there), else into the test's temporary folder.

mod common;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// ChromeDriver on a free port, stopped when dropped.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn driver_or_skip() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI needs {CHROMIUM} and {CHROMEDRIVER} (packages chromium, chromium-driver)");
        }
        eprintln!("skipped: {CHROMIUM} / {CHROMEDRIVER} not installed (apt install chromium chromium-driver)");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Driver(child, port))
}

/// A headless Chromium session; `fake_audio` plays a WAV file as the microphone.
async fn browser(driver: &Driver, profile: &Path, fake_audio: Option<&Path>) -> Client {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--autoplay-policy=no-user-gesture-required".into(),
        "--window-size=1100,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    if let Some(wav) = fake_audio {
        args.push("--use-fake-ui-for-media-stream".into());
        args.push("--use-fake-device-for-media-stream".into());
        args.push(format!("--use-file-for-fake-audio-capture={}", wav.display()));
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), json!({ "binary": CHROMIUM, "args": args }));
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a Chromium session")
}

async fn screenshot(client: &Client, name: &str) {
    let dir = std::env::var_os("EMOVOX_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(dir.join(name), png).unwrap();
}

/// Polls `check` every 200 ms until it returns a value or `limit` passes.
async fn wait_until<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn text_of(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap().text().await.unwrap()
}

async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

/// Opens the page (`fragment`: e.g. `#token=T` for a server with a token).
async fn page_ready(client: &Client, server: &Server, fragment: &str) {
    client.goto(&format!("{}/{fragment}", server.url)).await.unwrap();
    wait_until(Duration::from_secs(20), "the model line", move || async move {
        let text = text_of(client, "#model").await;
        text.contains("classes").then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_shows_the_label_of_an_uploaded_clip() {
    let Some(driver) = driver_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let clip = speech_wav(dir.path());
    let out = emovox(
        &[
            "predict",
            clip.to_str().unwrap(),
            "--json",
            "--device",
            "cpu",
            "--window",
            "3s",
            "--hop",
            "1s",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected = cli[0]["prediction"]["label"].as_str().unwrap().to_string();

    let server = Server::start(&[]);
    let client = browser(&driver, &dir.path().join("profile"), None).await;
    page_ready(&client, &server, "").await;
    let input = client.find(Locator::Css("#file")).await.unwrap();
    input.send_keys(clip.to_str().unwrap()).await.unwrap();
    let label = &client.find(Locator::Css("#label")).await.unwrap();
    wait_until(Duration::from_secs(60), "the upload's label", move || async move {
        (label.attr("data-state").await.unwrap().as_deref() == Some("file")).then_some(())
    })
    .await;
    assert_eq!(label.text().await.unwrap(), expected);
    let windows = client.find_all(Locator::Css("li.window")).await.unwrap();
    assert_eq!(windows.len(), cli[0]["windows"].as_array().unwrap().len());
    assert!(text_of(&client, "#status").await.contains("speech.wav"));
    screenshot(&client, "upload.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_shows_live_windows_from_the_microphone() {
    let Some(driver) = driver_or_skip() else { return };
    let dir = tempfile::tempdir().unwrap();
    let clip = speech_wav(dir.path());
    // Behind a token: the page, opened with it in the fragment, sends it with the model
    // request (header) and the WebSocket (query).
    let server = Server::start(&["--token", "page-token"]);
    let client = browser(&driver, &dir.path().join("profile"), Some(&clip)).await;
    page_ready(&client, &server, "#token=page-token").await;
    click(&client, "#record").await;
    // Three seconds of audio make the first 3 s window, then one per 1 s hop.
    let session = &client;
    let windows = wait_until(Duration::from_secs(60), "three live windows", move || async move {
        let found = session.find_all(Locator::Css("li.window")).await.unwrap();
        (found.len() >= 3).then_some(found)
    })
    .await;
    let newest = windows[0].text().await.unwrap();
    assert!(newest.contains('–'), "{newest}");
    let label = client.find(Locator::Css("#label")).await.unwrap();
    assert_eq!(label.attr("data-state").await.unwrap().as_deref(), Some("live"));
    let shown = label.text().await.unwrap();
    let classes = shipped_classes();
    let verdicts = classes.iter().map(String::as_str).chain(["silence", "too short"]);
    assert!(
        verdicts.clone().any(|v| v == shown),
        "{shown} is not one of {:?}",
        verdicts.collect::<Vec<_>>()
    );
    screenshot(&client, "live.png").await;
    click(&client, "#record").await;
    client.close().await.unwrap();
}
