//! TESS (Toronto Emotional Speech Set) file names: `SPK_word_emotion.ext`, speaker OAF (older)
//! or YAF (younger talker), a target word, and the emotion (angry, disgust, fear, happy,
//! neutral, ps = pleasant surprise, sad), e.g. `OAF_back_angry.wav`, `YAF_dog_ps.wav`.

use super::Parsed;

/// The two TESS talkers.
pub const SPEAKERS: [&str; 2] = ["OAF", "YAF"];

const EMOTIONS: [(&str, &str); 8] = [
    ("angry", "angry"),
    ("disgust", "disgust"),
    ("fear", "fearful"),
    ("happy", "happy"),
    ("neutral", "neutral"),
    ("ps", "surprised"),
    ("pleasant_surprise", "surprised"),
    ("sad", "sad"),
];

/// Label and speaker of a TESS file stem.
pub fn parse(stem: &str) -> Parsed {
    let mut parts = stem.splitn(3, '_');
    let (Some(speaker), Some(word), Some(emotion)) = (parts.next(), parts.next(), parts.next()) else {
        return Parsed::NoMatch;
    };
    let speaker = speaker.to_ascii_uppercase();
    if !SPEAKERS.contains(&speaker.as_str()) || word.is_empty() {
        return Parsed::NoMatch;
    }
    let emotion = emotion.to_ascii_lowercase();
    match EMOTIONS.iter().find(|(code, _)| *code == emotion) {
        Some((_, label)) => Parsed::labelled(label, &speaker),
        None => Parsed::Unknown(format!(
            "TESS emotion `{emotion}` (angry, disgust, fear, happy, neutral, ps, sad are defined)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_of_both_talkers() {
        for speaker in SPEAKERS {
            for (code, label) in EMOTIONS {
                assert_eq!(
                    parse(&format!("{speaker}_back_{code}")),
                    Parsed::labelled(label, speaker)
                );
            }
        }
        assert_eq!(parse("oaf_Youth_Neutral"), Parsed::labelled("neutral", "OAF"));
    }

    #[test]
    fn unknown_emotions_are_reported_and_other_names_rejected() {
        assert!(matches!(parse("OAF_back_bored"), Parsed::Unknown(_)));
        for other in ["OAF_back", "XAF_back_angry", "OAF__angry", "03a01Wa", "DC_a01"] {
            assert_eq!(parse(other), Parsed::NoMatch, "{other}");
        }
    }
}
