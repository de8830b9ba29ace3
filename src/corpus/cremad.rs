//! CREMA-D file names: `SPKR_SEN_EMO_LVL.ext`: a 4-digit actor (1001-1091), a 3-letter
//! sentence code, the emotion (ANG, DIS, FEA, HAP, NEU, SAD) and the intensity (LO, MD, HI, XX),
//! e.g. `1001_DFA_ANG_XX.wav`.

use super::Parsed;

const EMOTIONS: [(&str, &str); 6] = [
    ("ANG", "angry"),
    ("DIS", "disgust"),
    ("FEA", "fearful"),
    ("HAP", "happy"),
    ("NEU", "neutral"),
    ("SAD", "sad"),
];

fn is_upper(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase())
}

/// Label and actor of a CREMA-D file stem.
pub fn parse(stem: &str) -> Parsed {
    let parts: Vec<&str> = stem.split('_').collect();
    let [actor, sentence, emotion, level] = parts[..] else {
        return Parsed::NoMatch;
    };
    let shaped = actor.len() == 4
        && actor.bytes().all(|b| b.is_ascii_digit())
        && is_upper(sentence, 3)
        && is_upper(emotion, 3)
        && is_upper(level, 2);
    if !shaped {
        return Parsed::NoMatch;
    }
    match EMOTIONS.iter().find(|(code, _)| *code == emotion) {
        Some((_, label)) => Parsed::labelled(label, actor),
        None => Parsed::Unknown(format!(
            "CREMA-D emotion code `{emotion}` (ANG, DIS, FEA, HAP, NEU, SAD are defined)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_code() {
        for (code, label) in EMOTIONS {
            for level in ["LO", "MD", "HI", "XX"] {
                assert_eq!(
                    parse(&format!("1091_IEO_{code}_{level}")),
                    Parsed::labelled(label, "1091")
                );
            }
        }
    }

    #[test]
    fn unknown_codes_are_reported_and_other_names_rejected() {
        assert!(matches!(parse("1001_DFA_XYZ_XX"), Parsed::Unknown(_)));
        for other in [
            "1001_DFA_ANG",
            "101_DFA_ANG_XX",
            "1001_dfa_ANG_XX",
            "1001_DFA_ANG_XXX",
            "OAF_back_angry",
        ] {
            assert_eq!(parse(other), Parsed::NoMatch, "{other}");
        }
    }
}
