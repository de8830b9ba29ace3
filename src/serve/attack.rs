//! `emovox bench serve --attack N`'s hostile side: small WAV files whose headers lie (a 1 Hz
//! or 4 GHz sample rate, no channels, 2^31 frames, 7-bit samples, a day of audio in 64 KB),
//! sent in a loop by N concurrent attackers while the ordinary clients are timed, and the
//! server's CPU time read from `/proc/PID/stat` (Linux) to tell how soon it is idle again.

use super::stats::{Latency, latency};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A canonical 44-byte PCM WAV header followed by `data` (the header's claims are the
/// caller's: nothing is checked).
pub fn wav_with_header(rate: u32, channels: u16, bits: u16, data_bytes: u32, data: &[u8]) -> Vec<u8> {
    let block = channels.wrapping_mul(bits.div_ceil(8));
    let mut out = Vec::with_capacity(44 + data.len());
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36u32.wrapping_add(data_bytes)).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&channels.to_le_bytes());
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&rate.wrapping_mul(block as u32).to_le_bytes());
    out.extend_from_slice(&block.to_le_bytes());
    out.extend_from_slice(&bits.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_bytes.to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// WAV files of 64 KB whose headers claim what no recording has, each with what it claims.
pub fn hostile_wavs() -> Vec<(&'static str, Vec<u8>)> {
    // A loud, voice-band signal, so a decoder that accepts the header has work to do.
    let data: Vec<u8> = (0..65_536u32)
        .flat_map(|i| (((i as f32 * 0.07).sin() * 12_000.0) as i16).to_le_bytes())
        .take(65_536)
        .collect();
    let n = data.len() as u32;
    vec![
        ("1 Hz", wav_with_header(1, 1, 16, n, &data)),
        ("4 GHz", wav_with_header(4_000_000_000, 1, 16, n, &data)),
        ("0 channels", wav_with_header(16_000, 0, 16, n, &data)),
        ("2^31 frames", wav_with_header(16_000, 1, 8, 1 << 31, &data)),
        ("7-bit samples", wav_with_header(16_000, 1, 7, n, &data)),
        ("a day at 1 kHz", wav_with_header(1_000, 1, 8, 86_400_000, &data)),
    ]
}

/// What the attackers saw.
#[derive(Debug, Clone, Serialize)]
pub struct AttackReport {
    pub clients: usize,
    pub requests: usize,
    /// Answers by HTTP status (0: no answer: a transport error or the client's timeout).
    pub statuses: BTreeMap<u16, usize>,
    pub latency_ms: Latency,
    /// Seconds from the last attack answer until the server's CPU use fell below 10% of one
    /// core (over 250 ms); `None` without a server process to read, or if it never did
    /// within 10 s.
    pub cpu_idle_after_s: Option<f64>,
}

/// One attacker: sends the hostile bodies in turn until `stop` is set; records (status, ms).
pub(super) async fn attacker(
    client: reqwest::Client,
    url: String,
    bodies: Arc<Vec<(&'static str, Vec<u8>)>>,
    offset: usize,
    stop: Arc<std::sync::atomic::AtomicBool>,
    record: Arc<Mutex<Vec<(u16, f64)>>>,
) {
    let mut i = offset;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let body = bodies[i % bodies.len()].1.clone();
        i += 1;
        let start = Instant::now();
        let status = match client
            .post(&url)
            .header("content-type", "audio/wav")
            .body(body)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                status
            }
            Err(_) => 0,
        };
        if let Ok(mut r) = record.lock() {
            r.push((status, start.elapsed().as_secs_f64() * 1e3));
        }
    }
}

/// The attackers' answers summarised.
pub(super) fn summarise(clients: usize, record: &[(u16, f64)], cpu_idle_after_s: Option<f64>) -> AttackReport {
    let mut statuses = BTreeMap::new();
    for (status, _) in record {
        *statuses.entry(*status).or_insert(0) += 1;
    }
    let mut ms: Vec<f64> = record.iter().map(|r| r.1).collect();
    ms.sort_by(f64::total_cmp);
    AttackReport {
        clients,
        requests: record.len(),
        statuses,
        latency_ms: latency(&ms),
        cpu_idle_after_s,
    }
}

/// User + system CPU time of a process in clock ticks (Linux).
pub fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Seconds from now until the process used under 10% of one core over a 250 ms span (clock
/// ticks are 10 ms: at most 2 ticks), or `None` if not within `limit`.
pub(super) async fn seconds_until_idle(pid: u32, limit: Duration) -> Option<f64> {
    const SPAN: Duration = Duration::from_millis(250);
    let start = Instant::now();
    let mut before = cpu_ticks(pid)?;
    loop {
        let span_start = start.elapsed().as_secs_f64();
        tokio::time::sleep(SPAN).await;
        let now = cpu_ticks(pid)?;
        if now.saturating_sub(before) <= 2 {
            return Some(span_start);
        }
        before = now;
        if start.elapsed() > limit {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_headers_claim_what_they_say() {
        let wavs = hostile_wavs();
        assert_eq!(wavs.len(), 6);
        let field =
            |bytes: &[u8], at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let by_name = |name| &wavs.iter().find(|w| w.0 == name).unwrap().1;
        assert_eq!(field(by_name("1 Hz"), 24), 1);
        assert_eq!(field(by_name("4 GHz"), 24), 4_000_000_000);
        assert_eq!(
            u16::from_le_bytes([by_name("0 channels")[22], by_name("0 channels")[23]]),
            0
        );
        assert_eq!(field(by_name("2^31 frames"), 40), 1 << 31);
        assert_eq!(
            u16::from_le_bytes([by_name("7-bit samples")[34], by_name("7-bit samples")[35]]),
            7
        );
        assert!(wavs.iter().all(|w| w.1.len() == 44 + 65_536));
        assert!(cpu_ticks(std::process::id()).is_some());
    }
}
