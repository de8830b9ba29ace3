//! Rooms by the image method (Allen and Berkley, 1979): a shoebox room of given size with the
//! same energy absorption alpha on every wall, a source and a microphone. Every mirror image of
//! the source (lattice index n and parity p per axis: x' = (1 - 2p) x_s + 2 n L) adds an
//! impulse of amplitude beta^R / distance at its delay, with beta = sqrt(1 - alpha) the
//! walls' pressure reflection and R = |n - p| + |n| reflections per axis. The response is
//! normalised to a direct path of amplitude 1 at sample 0, so the direct-to-reverberant ratio
//! (DRR) and the early reflections follow from the geometry as in a real room: close to the
//! microphone the direct sound dominates, far away the reverberant field. [`calibrated_room`]
//! finds a room with a requested RT60 and DRR (the robustness report's conditions);
//! [`random_room`] draws the rooms training hears.

use super::channel::rt60_of;
use crate::rng::{self, SeededRng};

/// Metres per second.
pub const SPEED_OF_SOUND: f32 = 343.0;
/// The direct sound's window for the DRR, in seconds after the direct path.
const DIRECT_S: f32 = 0.0025;
/// No source or microphone closer than this to a wall, in metres.
const MARGIN: f32 = 0.3;

/// A rectangular room with a source and a microphone (metres, from one corner).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shoebox {
    pub size: [f32; 3],
    /// Energy absorption of every wall, in (0, 1).
    pub absorption: f32,
    pub source: [f32; 3],
    pub mic: [f32; 3],
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    (0..3).map(|d| (a[d] - b[d]).powi(2)).sum::<f32>().sqrt()
}

/// Eyring's absorption for a reverberation time of `rt60` s in a room of `size`.
fn eyring_absorption(size: [f32; 3], rt60: f32) -> f32 {
    let (volume, surface) = volume_and_surface(size);
    (1.0 - (-0.161 * volume / (surface * rt60.max(1e-3))).exp()).clamp(1e-3, 0.999)
}

fn volume_and_surface([l, w, h]: [f32; 3]) -> (f32, f32) {
    (l * w * h, 2.0 * (l * w + l * h + w * h))
}

impl Shoebox {
    /// Eyring's reverberation time in seconds: 0.161 V / (-S ln(1 - alpha)).
    pub fn eyring_rt60(&self) -> f32 {
        let (volume, surface) = volume_and_surface(self.size);
        0.161 * volume / (-surface * (1.0 - self.absorption).ln())
    }

    /// The impulse response at `rate` Hz, `seconds` long after the direct path (which is
    /// sample 0, amplitude 1); each image's impulse is split between its two nearest samples.
    pub fn impulse_response(&self, rate: u32, seconds: f32) -> Vec<f32> {
        let len = ((seconds * rate as f32) as usize).max(1);
        let direct = distance(self.source, self.mic).max(1e-3);
        let reach = direct + len as f32 / rate as f32 * SPEED_OF_SOUND;
        let beta = (1.0 - self.absorption).clamp(0.0, 1.0).sqrt();
        let orders: [i32; 3] = std::array::from_fn(|d| (reach / (2.0 * self.size[d])).ceil() as i32 + 1);
        let powers: Vec<f32> = (0..=2 * orders.iter().sum::<i32>() + 3)
            .scan(1.0f32, |p, _| {
                let here = *p;
                *p *= beta;
                Some(here)
            })
            .collect();
        // Per axis, every (offset from the microphone, reflections) of the images.
        let axis = |d: usize| -> Vec<(f32, i32)> {
            let n = orders[d];
            (-n..=n)
                .flat_map(|k| {
                    (0..2).map(move |p| {
                        let x = (1 - 2 * p) as f32 * self.source[d] + 2.0 * k as f32 * self.size[d];
                        (x - self.mic[d], (k - p).abs() + k.abs())
                    })
                })
                .filter(|(offset, _)| offset.abs() <= reach)
                .collect()
        };
        let (xs, ys, zs) = (axis(0), axis(1), axis(2));
        let scale = rate as f32 / SPEED_OF_SOUND;
        let mut h = vec![0.0f32; len + 1];
        for &(dx, rx) in &xs {
            for &(dy, ry) in &ys {
                let planar = dx * dx + dy * dy;
                if planar > reach * reach {
                    continue;
                }
                for &(dz, rz) in &zs {
                    let dist = (planar + dz * dz).sqrt();
                    let t = (dist - direct) * scale;
                    if !(0.0..len as f32).contains(&t) {
                        continue;
                    }
                    let amp = powers[(rx + ry + rz) as usize] * direct / dist;
                    let (i, frac) = (t as usize, t.fract());
                    h[i] += amp * (1.0 - frac);
                    h[i + 1] += amp * frac;
                }
            }
        }
        h.truncate(len);
        h
    }
}

/// Direct-to-reverberant ratio in dB of an impulse response whose direct path is sample 0:
/// the energy of its first 2.5 ms over the energy of the rest.
pub fn drr_of(h: &[f32], rate: u32) -> f32 {
    let split = ((DIRECT_S * rate as f32).round() as usize + 1).min(h.len());
    let energy = |x: &[f32]| x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>();
    (10.0 * (energy(&h[..split]) / energy(&h[split..]).max(1e-30)).log10()) as f32
}

/// Uniform in [lo, hi].
fn between(rng: &mut SeededRng, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng::uniform(rng)
}

/// A random room size (length, width, height), a living room to a lecture room.
fn random_size(rng: &mut SeededRng) -> [f32; 3] {
    [between(rng, 3.5, 9.0), between(rng, 3.0, 7.0), between(rng, 2.5, 3.5)]
}

/// A point at least [`MARGIN`] from every wall.
fn random_point(size: [f32; 3], rng: &mut SeededRng) -> [f32; 3] {
    std::array::from_fn(|d| between(rng, MARGIN, size[d] - MARGIN))
}

/// The source `r` metres from the microphone along the horizontal direction `angle`, at the
/// microphone's height, pulled inside the walls' margin.
fn place_source(size: [f32; 3], mic: [f32; 3], angle: f32, r: f32) -> [f32; 3] {
    let (dx, dy) = (angle.cos() * r, angle.sin() * r);
    let inside = |v: f32, d: usize| v.clamp(MARGIN, size[d] - MARGIN);
    [inside(mic[0] + dx, 0), inside(mic[1] + dy, 1), mic[2]]
}

/// The horizontal direction from `mic` with the most room ahead, turned by up to 45 degrees.
fn open_direction(size: [f32; 3], mic: [f32; 3], rng: &mut SeededRng) -> f32 {
    let towards_centre = (size[1] / 2.0 - mic[1]).atan2(size[0] / 2.0 - mic[0]);
    towards_centre + between(rng, -0.8, 0.8)
}

/// A random room for training: size, absorption for an RT60 drawn from `rt60` (seconds), and a
/// source 0.3 m to 3 m from the microphone (so the DRR ranges over about +10 to -10 dB).
pub fn random_room(rt60: (f32, f32), rng: &mut SeededRng) -> Shoebox {
    let size = random_size(rng);
    let absorption = eyring_absorption(size, between(rng, rt60.0, rt60.1).max(0.05));
    let mic = random_point(size, rng);
    let angle = open_direction(size, mic, rng);
    let r = between(rng, 0.3, 3.0);
    Shoebox {
        size,
        absorption,
        source: place_source(size, mic, angle, r),
        mic,
    }
}

/// A room whose response has an RT60 within 5% of `rt60` s and a DRR within 0.5 dB of `drr_db`
/// (as measured by [`rt60_of`] and [`drr_of`]) where a few corrections reach them (else the
/// closest found), with that response (`1.2 rt60` long). The absorption starts at Eyring's and
/// the distance at the diffuse-field estimate (the critical distance 0.057 sqrt(V / RT60)
/// times 10^(-DRR/20)); each step then moves the log of the absorption exponent -ln(1 - alpha)
/// and the log distance by a secant on the measured errors (RT60 and DRR each depend on both).
pub fn calibrated_room(rate: u32, rt60: f32, drr_db: f32, rng: &mut SeededRng) -> (Shoebox, Vec<f32>) {
    let size = random_size(rng);
    let mic = random_point(size, rng);
    let angle = open_direction(size, mic, rng);
    let (volume, _) = volume_and_surface(size);
    let room = |exponent: f32, log_r: f32| Shoebox {
        size,
        absorption: (1.0 - (-exponent.exp()).exp()).clamp(1e-3, 0.999),
        source: place_source(size, mic, angle, log_r.exp()),
        mic,
    };
    // Unknowns: u = ln(-ln(1 - alpha)) and v = ln r; errors: ln(T / rt60) and DRR - drr_db.
    let mut u = (-(1.0 - eyring_absorption(size, rt60)).ln()).ln();
    let mut v = (0.057 * (volume / rt60).sqrt() * 10f32.powf(-drr_db / 20.0))
        .max(0.1)
        .ln();
    // Slopes before two points are known: T goes about as 1 / (-ln(1 - alpha))^1.5 and the
    // direct energy as 1 / r^2 (DRR -8.7 dB per unit of ln r).
    let (mut slope_u, mut slope_v) = (-1.5f32, -8.7f32);
    let mut last: Option<(f32, f32, f32, f32)> = None;
    let mut best: Option<(f32, Shoebox, Vec<f32>)> = None;
    for _ in 0..12 {
        let candidate = room(u, v);
        let h = candidate.impulse_response(rate, 1.2 * rt60);
        let (e_t, e_d) = ((rt60_of(&h, rate) / rt60).ln(), drr_of(&h, rate) - drr_db);
        let error = e_t.abs() / 0.05 + e_d.abs() / 0.5;
        if best.as_ref().is_none_or(|(e, _, _)| error < *e) {
            best = Some((error, candidate, h));
        }
        if error < 1.0 {
            break;
        }
        if let Some((u0, v0, e_t0, e_d0)) = last {
            let secant = |de: f32, dx: f32, fallback: f32| {
                let s = de / dx;
                if dx.abs() > 1e-4 && s.is_finite() && s < 0.0 {
                    s
                } else {
                    fallback
                }
            };
            slope_u = secant(e_t - e_t0, u - u0, slope_u);
            slope_v = secant(e_d - e_d0, v - v0, slope_v);
        }
        last = Some((u, v, e_t, e_d));
        u -= (e_t / slope_u).clamp(-0.5, 0.5);
        v = (v - (e_d / slope_v).clamp(-0.5, 0.5)).clamp(0.1f32.ln(), 10f32.ln());
    }
    let (_, room, h) = best.expect("at least one room");
    (room, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> Shoebox {
        Shoebox {
            size: [5.0, 4.0, 3.0],
            absorption: 0.3,
            source: [2.0, 2.0, 1.5],
            mic: [3.0, 2.0, 1.5],
        }
    }

    #[test]
    fn the_direct_path_and_the_first_reflections_arrive_on_time() {
        let rate = 16_000;
        let h = room().impulse_response(rate, 0.1);
        assert!((h[0] - 1.0).abs() < 1e-6, "direct {}", h[0]);
        // Floor and ceiling (1.5 m away each): path sqrt(1 + 9) m, 1 m direct, beta / sqrt(10).
        let beta = 0.7f32.sqrt();
        let t = (10f32.sqrt() - 1.0) / SPEED_OF_SOUND * rate as f32;
        let (i, f) = (t as usize, t.fract());
        let expected = 2.0 * beta / 10f32.sqrt();
        assert!(
            (h[i] - expected * (1.0 - f)).abs() < 1e-3,
            "{} vs {}",
            h[i],
            expected * (1.0 - f)
        );
        // Nothing between the direct path and them (the side walls' paths are longer).
        assert!(h[1..i].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn decays_about_as_sabine_predicts() {
        // An image-method shoebox with the same absorption on every wall decays more slowly
        // than Eyring's formula says and close to Sabine's 0.161 V / (S alpha).
        let rate = 16_000;
        let room = room();
        let measured = rt60_of(&room.impulse_response(rate, 1.0), rate);
        let (volume, surface) = volume_and_surface(room.size);
        let sabine = 0.161 * volume / (surface * room.absorption);
        assert!((measured / sabine - 1.0).abs() < 0.25, "{measured} vs Sabine {sabine}");
        assert!(measured > room.eyring_rt60());
    }

    #[test]
    fn closer_sources_sound_drier() {
        let rate = 16_000;
        let mut near = room();
        near.source = [2.7, 2.0, 1.5];
        let mut far = room();
        far.source = [1.0, 2.0, 1.5];
        let (hn, hf) = (near.impulse_response(rate, 0.5), far.impulse_response(rate, 0.5));
        assert!(drr_of(&hn, rate) > drr_of(&hf, rate) + 6.0);
    }
}
