//! The image-method rooms of the robustness report: a calibrated room's impulse response has
//! the requested RT60 within 10% and direct-to-reverberant ratio within 1 dB, for the report's
//! six rooms and several random draws each; and the RT60 measurement itself recovers the decay
//! of an exactly exponential response.

use emovox::augment::channel::rt60_of;
use emovox::augment::room::{calibrated_room, drr_of};
use emovox::rng;

#[test]
fn calibrated_rooms_have_the_requested_rt60_and_drr() {
    let rate = 16_000;
    for (rt60, drr) in [
        (0.3, 3.0),
        (0.3, -3.0),
        (0.6, 3.0),
        (0.6, -3.0),
        (0.9, 3.0),
        (0.9, -3.0),
    ] {
        for seed in 0..3 {
            let (room, h) = calibrated_room(rate, rt60, drr, &mut rng::seeded(seed, 7));
            let (t, d) = (rt60_of(&h, rate), drr_of(&h, rate));
            assert!(
                (t / rt60 - 1.0).abs() < 0.1 && (d - drr).abs() < 1.0,
                "asked RT60 {rt60} s, DRR {drr} dB; got {t:.3} s, {d:.2} dB in {room:?}"
            );
        }
    }
}

#[test]
fn rt60_of_an_exponential_decay() {
    let rate = 16_000;
    for rt60 in [0.25f32, 0.6, 1.0] {
        // Amplitude falls 60 dB in rt60 seconds: energy as 10^(-6 t / rt60).
        let h: Vec<f32> = (0..(1.5 * rt60 * rate as f32) as usize)
            .map(|n| {
                let t = n as f32 / rate as f32;
                10f32.powf(-3.0 * t / rt60) * if n % 2 == 0 { 1.0 } else { -1.0 }
            })
            .collect();
        let measured = rt60_of(&h, rate);
        assert!((measured / rt60 - 1.0).abs() < 0.02, "{rt60} s measured as {measured}");
    }
}
