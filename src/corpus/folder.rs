//! Users' own data in a label-per-folder layout: `DIR/<emotion>/*.wav` (any depth above the
//! label folder). The folder name is a class name or alias (see [`Emotion::from_name`]).

use super::Emotion;

/// Emotion named by the folder that holds a file.
pub fn parse(parent: Option<&str>) -> Option<Emotion> {
    Emotion::from_name(parent?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_folders() {
        assert_eq!(parse(Some("angry")), Some(Emotion::Angry));
        assert_eq!(parse(Some("Happiness")), Some(Emotion::Happy));
        assert_eq!(parse(Some("misc")), None);
        assert_eq!(parse(None), None);
    }
}
