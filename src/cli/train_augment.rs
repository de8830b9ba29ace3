//! The augmentation options of `emovox train` (image, SpecAugment, mixup, waveform), parsed
//! into the library's [`AugmentConfig`] and [`AudioAugment`]; all are recorded in config.json.

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use emovox::augment::{AudioAugment, AugmentConfig, NoiseColour};

/// Augmentation options of `emovox train` (all recorded in config.json).
#[derive(Args, Clone)]
pub struct AugmentArgs {
    /// Image augmentation of training batches with the paper's recipe: rotation +-5 degrees,
    /// zoom 1.0-1.2, brightness and contrast +-0.1, mixup alpha 0.4 (tune with the flags below).
    #[arg(long)]
    augment: bool,
    /// Largest rotation in degrees.
    #[arg(long, default_value_t = 5.0)]
    rotate: f64,
    /// Largest zoom factor (zoom is uniform in [1, zoom]).
    #[arg(long, default_value_t = 1.2)]
    zoom: f64,
    /// Largest translation as a fraction of the image.
    #[arg(long, default_value_t = 0.0)]
    shift: f64,
    /// Largest brightness offset on the [0, 1] image.
    #[arg(long, default_value_t = 0.1)]
    brightness: f32,
    /// Largest contrast change (gain in 1 +- contrast).
    #[arg(long, default_value_t = 0.1)]
    contrast: f32,
    /// Mixup alpha (lambda ~ Beta(alpha, alpha)); 0 turns mixup off.
    #[arg(long, default_value_t = 0.4)]
    mixup: f64,
    /// SpecAugment frequency masks per example (turns augmentation on).
    #[arg(long, default_value_t = 0)]
    freq_masks: usize,
    /// Largest frequency mask width in image rows (mel bands for the BiLSTM).
    #[arg(long, default_value_t = 16)]
    freq_mask_width: usize,
    /// SpecAugment time masks per example (turns augmentation on).
    #[arg(long, default_value_t = 0)]
    time_masks: usize,
    /// Largest time mask width in image columns (frames for the BiLSTM).
    #[arg(long, default_value_t = 16)]
    time_mask_width: usize,
    /// Progressive resizing for ResNet34, e.g. `128:20,256:10` (side:epochs stages; replaces
    /// --epochs).
    #[arg(long, value_parser = parse_progressive)]
    pub(super) progressive: Option<Vec<(usize, usize)>>,
    /// Waveform augmentation: largest random gain in dB.
    #[arg(long, default_value_t = 0.0)]
    audio_gain: f32,
    /// Waveform augmentation: largest circular time shift in seconds.
    #[arg(long, default_value_t = 0.0)]
    audio_shift: f32,
    /// Waveform augmentation: white noise at an SNR in MIN:MAX dB, e.g. `10:30`.
    #[arg(long, value_parser = parse_range)]
    audio_noise: Option<(f32, f32)>,
    /// Waveform augmentation: speed factors to pick from, e.g. `0.9,1.0,1.1`.
    #[arg(long, value_delimiter = ',')]
    audio_speed: Vec<f32>,
    /// Waveform augmentation: colours of the --audio-noise noise to pick from.
    #[arg(long, value_enum, value_delimiter = ',')]
    audio_noise_colour: Vec<ColourArg>,
    /// Waveform augmentation: babble of 3-6 other training clips at an SNR in MIN:MAX dB.
    #[arg(long, value_parser = parse_range)]
    audio_babble: Option<(f32, f32)>,
    /// Waveform augmentation: reverberation (half the clips) with synthetic rooms of RT60 in
    /// MIN:MAX seconds, e.g. `0.2:0.8`.
    #[arg(long, value_parser = parse_range)]
    audio_reverb: Option<(f32, f32)>,
    /// Waveform augmentation: image-method rooms (half the clips) of RT60 in MIN:MAX seconds,
    /// random size and a source 0.3-3 m from the microphone, e.g. `0.2:1.0`.
    #[arg(long, value_parser = parse_range)]
    audio_room: Option<(f32, f32)>,
    /// Waveform augmentation: clip half the clips, the peak driven MIN:MAX dB above full
    /// scale, e.g. `3:20`.
    #[arg(long, value_parser = parse_range)]
    audio_clip: Option<(f32, f32)>,
    /// Waveform augmentation: after the other waveform augmentations, remove the clip's DC
    /// offset and scale it back to the --loudness level, as prediction prepares any
    /// recording (without it, clipping and band limits leave clips at levels prediction never
    /// shows the network).
    #[arg(long)]
    audio_relevel: bool,
    /// Waveform augmentation: the share of training clips (0-1) left as recorded, drawn afresh
    /// per clip and epoch, e.g. `0.25` (default 0: every clip goes through the augmentations).
    #[arg(long, default_value_t = 0.0)]
    audio_clean: f32,
    /// Waveform augmentation: band-limit half the clips (telephone band or a 3.5-8 kHz low-pass).
    #[arg(long)]
    audio_band_limit: bool,
    /// Waveform augmentation: largest pitch shift in semitones (duration kept).
    #[arg(long, default_value_t = 0.0)]
    audio_pitch: f32,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColourArg {
    White,
    Pink,
    Brown,
}

fn parse_progressive(text: &str) -> std::result::Result<Vec<(usize, usize)>, String> {
    text.split(',')
        .map(|stage| {
            let (side, epochs) = stage.split_once(':').ok_or(format!("`{stage}` is not SIDE:EPOCHS"))?;
            let side: usize = side.trim().parse().map_err(|_| format!("bad image side `{side}`"))?;
            let epochs: usize = epochs
                .trim()
                .parse()
                .map_err(|_| format!("bad epoch count `{epochs}`"))?;
            if side < 32 || epochs == 0 {
                return Err(format!(
                    "stage `{stage}`: side must be at least 32 and epochs at least 1"
                ));
            }
            Ok((side, epochs))
        })
        .collect()
}

fn parse_range(text: &str) -> std::result::Result<(f32, f32), String> {
    let (lo, hi) = text.split_once(':').ok_or(format!("`{text}` is not MIN:MAX"))?;
    let lo: f32 = lo.trim().parse().map_err(|_| format!("bad number `{lo}`"))?;
    let hi: f32 = hi.trim().parse().map_err(|_| format!("bad number `{hi}`"))?;
    if lo > hi {
        return Err(format!("{lo} is above {hi}"));
    }
    Ok((lo, hi))
}

impl AugmentArgs {
    /// Rejects out-of-range values with a message naming the flag.
    pub(super) fn validate(&self) -> Result<()> {
        if !(self.zoom >= 1.0 && self.zoom.is_finite())
            || self.mixup < 0.0
            || self.shift < 0.0
            || self.brightness < 0.0
            || self.contrast < 0.0
        {
            bail!("--zoom must be at least 1, and --mixup, --shift, --brightness, --contrast not negative");
        }
        let positive = |range: Option<(f32, f32)>| range.is_none_or(|(lo, _)| lo > 0.0);
        if !positive(self.audio_reverb) || !positive(self.audio_room) || !(0.0..=12.0).contains(&self.audio_pitch) {
            bail!("--audio-reverb and --audio-room RT60s must be positive and --audio-pitch within 0-12 semitones");
        }
        if self.audio_clip.is_some_and(|(lo, hi)| lo < 0.0 || hi > 60.0) {
            bail!("--audio-clip must lie within 0:60 dB");
        }
        if !(0.0..1.0).contains(&self.audio_clean) {
            bail!("--audio-clean is a share of the clips: at least 0 and below 1");
        }
        Ok(())
    }

    pub(super) fn image(&self) -> Option<AugmentConfig> {
        (self.augment || self.freq_masks + self.time_masks > 0).then(|| {
            let geometric = self.augment;
            AugmentConfig {
                rotate: if geometric { self.rotate } else { 0.0 },
                zoom_min: 1.0,
                zoom_max: if geometric { self.zoom } else { 1.0 },
                shift: if geometric { self.shift } else { 0.0 },
                brightness: if geometric { self.brightness } else { 0.0 },
                contrast: if geometric { self.contrast } else { 0.0 },
                freq_masks: self.freq_masks,
                freq_mask_width: self.freq_mask_width,
                time_masks: self.time_masks,
                time_mask_width: self.time_mask_width,
                mixup_alpha: (geometric && self.mixup > 0.0).then_some(self.mixup),
            }
        })
    }

    /// The waveform augmentation; `level_db` is the clips' prepared level (--audio-relevel).
    pub(super) fn audio(&self, level_db: Option<f32>) -> Result<AudioAugment> {
        if self.audio_relevel && level_db.is_none() {
            bail!("--audio-relevel scales clips back to the --loudness level, which is off");
        }
        Ok(AudioAugment {
            gain_db: self.audio_gain,
            shift_s: self.audio_shift,
            noise_snr_db: self.audio_noise,
            noise_colours: self
                .audio_noise_colour
                .iter()
                .map(|c| match c {
                    ColourArg::White => NoiseColour::White,
                    ColourArg::Pink => NoiseColour::Pink,
                    ColourArg::Brown => NoiseColour::Brown,
                })
                .collect(),
            babble_snr_db: self.audio_babble,
            reverb_rt60: self.audio_reverb,
            room_rt60: self.audio_room,
            clip_db: self.audio_clip,
            band_limit: self.audio_band_limit,
            pitch_semitones: self.audio_pitch,
            speeds: self.audio_speed.clone(),
            relevel_db: level_db.filter(|_| self.audio_relevel),
            clean_share: self.audio_clean,
        })
    }
}
