//! What a naming convention makes of one file name: a label and speaker, a reason it has
//! none, or no match with the convention.

/// What a naming convention makes of one file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A canonical label and the speaker within the corpus.
    Labelled { label: String, speaker: String },
    /// The name follows the convention but carries a code it does not define (reported).
    Unknown(String),
    /// Not this convention's name.
    NoMatch,
}

impl Parsed {
    pub fn labelled(label: &str, speaker: &str) -> Parsed {
        Parsed::Labelled {
            label: label.to_string(),
            speaker: speaker.to_string(),
        }
    }

    pub(super) fn matched(&self) -> bool {
        !matches!(self, Parsed::NoMatch)
    }
}
