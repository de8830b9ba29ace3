//! Chunk-by-chunk audio for inputs of any length: [`StreamResampler`] resamples consecutive
//! chunks with the same FFT resampler as [`super::resample`] and gives exactly its output for
//! the concatenation (the start-up delay is trimmed, the tail flushed at the end), and
//! [`Windower`] cuts the resampled stream into the windows of [`window_bounds`] while keeping
//! only the samples of windows not yet complete. Memory is bounded by chunk + window.

use crate::error::{Error, Result};
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

/// A resampler fed chunk by chunk.
pub struct StreamResampler {
    /// `None` when the rates are equal (samples pass through).
    inner: Option<Fft<f32>>,
    ratio: f64,
    pending: Vec<f32>,
    out: Vec<f32>,
    /// Start-up delay frames still to drop.
    to_trim: usize,
    consumed: usize,
    produced: usize,
    label: String,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Result<StreamResampler> {
        let label = format!("resampling {from} Hz -> {to} Hz");
        let inner = if from == to {
            None
        } else {
            Some(
                Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Both)
                    .map_err(|e| Error::Config(format!("{label}: {e}")))?,
            )
        };
        let to_trim = inner.as_ref().map_or(0, |r| r.output_delay());
        let out_max = inner.as_ref().map_or(0, |r| r.output_frames_max());
        Ok(StreamResampler {
            ratio: to as f64 / from as f64,
            inner,
            pending: Vec::new(),
            out: vec![0.0; out_max],
            to_trim,
            consumed: 0,
            produced: 0,
            label,
        })
    }

    /// Runs one resampler chunk over `pending` (all of it with `partial`), appending to `sink`.
    fn step(&mut self, partial: Option<usize>, sink: &mut Vec<f32>) -> Result<usize> {
        let label = &self.label;
        let fail = |e: &dyn std::fmt::Display| Error::Config(format!("{label}: {e}"));
        let Some(resampler) = self.inner.as_mut() else {
            return Ok(0);
        };
        let len = self.pending.len();
        let input = InterleavedSlice::new(&self.pending[..], 1, len).map_err(|e| fail(&e))?;
        let out_len = self.out.len();
        let mut output = InterleavedSlice::new_mut(&mut self.out[..], 1, out_len).map_err(|e| fail(&e))?;
        let mut indexing = Indexing::new();
        indexing.partial_len = partial;
        let (used, made) = resampler
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| fail(&e))?;
        let used = used.min(len);
        self.pending.drain(..used);
        self.consumed += used;
        let skip = self.to_trim.min(made);
        self.to_trim -= skip;
        sink.extend_from_slice(&self.out[skip..made]);
        Ok(made - skip)
    }

    /// Resamples what `chunk` completes; the output may lag the input by one resampler chunk.
    pub fn push(&mut self, chunk: &[f32]) -> Result<Vec<f32>> {
        let Some(next) = self.inner.as_ref().map(|r| r.input_frames_next()) else {
            self.produced += chunk.len();
            return Ok(chunk.to_vec());
        };
        self.pending.extend_from_slice(chunk);
        let mut sink = Vec::new();
        let mut next = next;
        while self.pending.len() >= next {
            self.produced += self.step(None, &mut sink)?;
            next = self.inner.as_ref().map_or(usize::MAX, |r| r.input_frames_next());
        }
        Ok(sink)
    }

    /// Flushes the tail: after this, the total output is exactly `ceil(input * to / from)`
    /// samples, as [`super::resample`] gives for the whole input at once.
    pub fn finish(&mut self) -> Result<Vec<f32>> {
        let mut sink = Vec::new();
        if self.inner.is_none() {
            return Ok(sink);
        }
        let total_in = self.consumed + self.pending.len();
        let expected = (self.ratio * total_in as f64).ceil() as usize;
        if !self.pending.is_empty() {
            let partial = self.pending.len();
            self.produced += self.step(Some(partial), &mut sink)?;
        }
        while self.produced < expected {
            self.produced += self.step(Some(0), &mut sink)?;
        }
        let excess = self.produced - expected;
        sink.truncate(sink.len().saturating_sub(excess));
        self.produced = expected;
        Ok(sink)
    }
}

/// Window bounds (in samples) that tile `[0, len)` exactly: starts at multiples of `hop`, the
/// last window ends at `len`.
pub fn window_bounds(len: usize, window: usize, hop: usize) -> Vec<(usize, usize)> {
    let (window, hop) = (window.max(1), hop.max(1));
    let mut bounds = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + window).min(len);
        bounds.push((start, end));
        if end >= len {
            return bounds;
        }
        start += hop;
    }
}

/// Cuts a stream into the windows [`window_bounds`] gives for its (unknown) length: `window`
/// samples every `hop`, the last one ending where the stream ends. Only samples of windows not
/// yet complete are kept.
pub struct Windower {
    window: usize,
    hop: usize,
    /// Stream offset of `buffer[0]` (the start of the next window).
    start: usize,
    buffer: Vec<f32>,
    /// End of the last window handed out.
    last_end: Option<usize>,
}

impl Windower {
    pub fn new(window: usize, hop: usize) -> Windower {
        Windower {
            window: window.max(1),
            hop: hop.max(1),
            start: 0,
            buffer: Vec::new(),
            last_end: None,
        }
    }

    /// Windows `(start, end, samples)` that `chunk` completes.
    pub fn push(&mut self, chunk: &[f32]) -> Vec<(usize, usize, Vec<f32>)> {
        self.buffer.extend_from_slice(chunk);
        let mut done = Vec::new();
        while self.buffer.len() >= self.window {
            done.push((
                self.start,
                self.start + self.window,
                self.buffer[..self.window].to_vec(),
            ));
            self.last_end = Some(self.start + self.window);
            self.advance();
        }
        done
    }

    fn advance(&mut self) {
        let drop = self.hop.min(self.buffer.len());
        self.buffer.drain(..drop);
        self.start += self.hop;
    }

    /// The remaining windows once the stream has ended (at least one for an empty stream).
    pub fn finish(&mut self) -> Vec<(usize, usize, Vec<f32>)> {
        let len = self.start + self.buffer.len();
        let mut done = Vec::new();
        if self.last_end.is_some_and(|end| end >= len) {
            return done;
        }
        loop {
            let take = self.window.min(self.buffer.len());
            let end = self.start + take;
            done.push((self.start, end, self.buffer[..take].to_vec()));
            if end >= len {
                return done;
            }
            self.advance();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_tile_exactly_and_match_streamed_windows() {
        assert_eq!(window_bounds(10, 4, 4), vec![(0, 4), (4, 8), (8, 10)]);
        assert_eq!(window_bounds(8, 4, 4), vec![(0, 4), (4, 8)]);
        assert_eq!(window_bounds(10, 4, 2), vec![(0, 4), (2, 6), (4, 8), (6, 10)]);
        assert_eq!(window_bounds(3, 4, 2), vec![(0, 3)]);
        assert_eq!(window_bounds(0, 4, 2), vec![(0, 0)]);
        let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let mut w = Windower::new(96, 40);
        let mut got = Vec::new();
        for chunk in x.chunks(37) {
            got.extend(w.push(chunk));
        }
        got.extend(w.finish());
        let bounds: Vec<(usize, usize)> = got.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(bounds, window_bounds(1000, 96, 40));
        for (a, b, samples) in got {
            assert_eq!(samples, x[a..b]);
        }
    }

    #[test]
    fn streamed_resampling_equals_whole_resampling() {
        let x: Vec<f32> = (0..50_000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        for (from, to) in [(48_000, 16_000), (16_000, 32_000), (44_100, 16_000), (16_000, 16_000)] {
            let whole = super::super::resample(&x, from, to).unwrap();
            let mut r = StreamResampler::new(from, to).unwrap();
            let mut streamed = Vec::new();
            for chunk in x.chunks(1153) {
                streamed.extend(r.push(chunk).unwrap());
            }
            streamed.extend(r.finish().unwrap());
            assert_eq!(streamed.len(), whole.len(), "{from} -> {to}");
            let worst = streamed
                .iter()
                .zip(&whole)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "{from} -> {to}: {worst}");
        }
    }
}
