//! Seeded, portable randomness. ChaCha8 streams are specified by the algorithm, so the
//! same seed gives the same splits, initial draws and augmentations on every machine.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere a seed is given.
pub type SeededRng = ChaCha8Rng;

/// A generator for `seed`, further keyed by `stream` so that independent uses of one
/// user seed (split, init, augmentation) do not share draws.
pub fn seeded(seed: u64, stream: u64) -> SeededRng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Fisher-Yates shuffle written out here (not `SliceRandom`) so the permutation depends
/// only on the ChaCha8 stream, not on a rand version's algorithm.
pub fn shuffle<T>(items: &mut [T], rng: &mut SeededRng) {
    use rand::Rng;
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

/// A uniform draw in `[0, 1)` with 24 bits of precision (exact in f32).
pub fn uniform(rng: &mut SeededRng) -> f32 {
    use rand::Rng;
    (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_permutation_and_streams_differ() {
        let mut a: Vec<u32> = (0..50).collect();
        let mut b = a.clone();
        let mut c = a.clone();
        shuffle(&mut a, &mut seeded(7, 0));
        shuffle(&mut b, &mut seeded(7, 0));
        shuffle(&mut c, &mut seeded(7, 1));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn uniform_in_unit_interval() {
        let mut rng = seeded(1, 0);
        for _ in 0..1000 {
            let u = uniform(&mut rng);
            assert!((0.0..1.0).contains(&u));
        }
    }
}
