//! The label space: the 8 RAVDESS emotions. SAVEE's 7 classes map onto it
//! (it has no "calm"), and label-per-folder corpora use the names or common aliases.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the 8 emotion classes, in RAVDESS code order (code 01 = neutral ... 08 = surprised).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Neutral,
    Calm,
    Happy,
    Sad,
    Angry,
    Fearful,
    Disgust,
    Surprised,
}

impl Emotion {
    /// All classes in index order.
    pub const ALL: [Emotion; 8] = [
        Emotion::Neutral,
        Emotion::Calm,
        Emotion::Happy,
        Emotion::Sad,
        Emotion::Angry,
        Emotion::Fearful,
        Emotion::Disgust,
        Emotion::Surprised,
    ];
    /// Number of classes.
    pub const COUNT: usize = 8;

    /// Class index in `0..8` (the model's output position).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The class at `index`, if in range.
    pub fn from_index(index: usize) -> Option<Emotion> {
        Self::ALL.get(index).copied()
    }

    /// Every class name, in index order.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|e| e.name()).collect()
    }

    /// Canonical lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Emotion::Neutral => "neutral",
            Emotion::Calm => "calm",
            Emotion::Happy => "happy",
            Emotion::Sad => "sad",
            Emotion::Angry => "angry",
            Emotion::Fearful => "fearful",
            Emotion::Disgust => "disgust",
            Emotion::Surprised => "surprised",
        }
    }

    /// Parses a class name or a common alias ("anger", "happiness", "fear", ...), any case.
    pub fn from_name(name: &str) -> Option<Emotion> {
        let e = match name.trim().to_ascii_lowercase().as_str() {
            "neutral" => Emotion::Neutral,
            "calm" => Emotion::Calm,
            "happy" | "happiness" | "joy" => Emotion::Happy,
            "sad" | "sadness" => Emotion::Sad,
            "angry" | "anger" => Emotion::Angry,
            "fearful" | "fear" => Emotion::Fearful,
            "disgust" | "disgusted" => Emotion::Disgust,
            "surprised" | "surprise" => Emotion::Surprised,
            _ => return None,
        };
        Some(e)
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trip_and_names() {
        for (i, e) in Emotion::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
            assert_eq!(Emotion::from_index(i), Some(*e));
            assert_eq!(Emotion::from_name(e.name()), Some(*e));
        }
        assert_eq!(Emotion::from_index(8), None);
        assert_eq!(Emotion::from_name("Anger"), Some(Emotion::Angry));
        assert_eq!(Emotion::from_name("HAPPINESS"), Some(Emotion::Happy));
        assert_eq!(Emotion::from_name("bored"), None);
    }
}
