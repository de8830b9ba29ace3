//! Band-limited sample-rate conversion with rubato's synchronous FFT resampler
//! (Blackman-Harris windowed, delay compensated; output length ceil(n * to / from)).

use crate::error::{Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Resamples mono `samples` from `from` Hz to `to` Hz.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let fail = |e: &dyn std::fmt::Display| Error::Config(format!("resampling {from} Hz -> {to} Hz: {e}"));
    let mut resampler = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Both).map_err(|e| fail(&e))?;
    let input = InterleavedSlice::new(samples, 1, samples.len()).map_err(|e| fail(&e))?;
    let output = resampler
        .process_all(&input, samples.len(), None)
        .map_err(|e| fail(&e))?;
    Ok(output.take_data())
}
