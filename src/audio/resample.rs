//! Band-limited sample-rate conversion with rubato's synchronous FFT resampler
//! (Blackman-Harris windowed, delay compensated; output length ceil(n * to / from)).
//! Resamplers are planned once per thread and rate pair, since a corpus has few rates; at most
//! [`CACHED_RATE_PAIRS`] are kept, so inputs of ever new rates (a server's uploads) cannot
//! grow the cache without end.

use crate::error::{Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use std::cell::RefCell;
use std::collections::HashMap;

/// Rate pairs whose resamplers a thread keeps planned.
pub const CACHED_RATE_PAIRS: usize = 8;

thread_local! {
    static RESAMPLERS: RefCell<HashMap<(u32, u32), Fft<f32>>> = RefCell::new(HashMap::new());
}

/// Resamples mono `samples` from `from` Hz to `to` Hz.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let fail = |e: &dyn std::fmt::Display| Error::Config(format!("resampling {from} Hz -> {to} Hz: {e}"));
    RESAMPLERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHED_RATE_PAIRS && !cache.contains_key(&(from, to)) {
            cache.clear();
        }
        let resampler = match cache.entry((from, to)) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Both).map_err(|e| fail(&e))?)
            }
        };
        let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| fail(&e))?;
        // process_all resets the resampler first, so a reused one carries no state over.
        let output = resampler
            .process_all(&input, samples.len(), None)
            .map_err(|e| fail(&e))?;
        Ok(output.take_data())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_cache_stays_bounded_and_replanning_changes_nothing() {
        let x: Vec<f32> = (0..4000).map(|i| (i as f32 * 0.05).sin()).collect();
        let first = resample(&x, 44_100, 16_000).unwrap();
        for k in 0..3 * CACHED_RATE_PAIRS as u32 {
            resample(&x, 8_000 + 1_000 * k, 16_000).unwrap();
            RESAMPLERS.with(|c| assert!(c.borrow().len() <= CACHED_RATE_PAIRS));
        }
        assert_eq!(resample(&x, 44_100, 16_000).unwrap(), first);
    }
}
