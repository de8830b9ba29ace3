//! EmoDB (Berlin Database of Emotional Speech) file names: `SSTNNEV.ext`: a 2-digit speaker,
//! the text code (`a01`-`b10`), the German emotion letter (W Wut/anger, L Langeweile/boredom,
//! E Ekel/disgust, A Angst/fear, F Freude/happiness, T Trauer/sadness, N neutral) and a version
//! letter, e.g. `03a01Wa.wav`.

use super::Parsed;

const EMOTIONS: [(u8, &str); 7] = [
    (b'W', "angry"),
    (b'L', "bored"),
    (b'E', "disgust"),
    (b'A', "fearful"),
    (b'F', "happy"),
    (b'T', "sad"),
    (b'N', "neutral"),
];

/// Label and speaker of an EmoDB file stem.
pub fn parse(stem: &str) -> Parsed {
    let b = stem.as_bytes();
    let shaped = b.len() == 7
        && b[..2].iter().all(u8::is_ascii_digit)
        && matches!(b[2], b'a' | b'b')
        && b[3..5].iter().all(u8::is_ascii_digit)
        && b[5].is_ascii_uppercase()
        && b[6].is_ascii_lowercase();
    if !shaped {
        return Parsed::NoMatch;
    }
    match EMOTIONS.iter().find(|(letter, _)| *letter == b[5]) {
        Some((_, label)) => Parsed::labelled(label, &stem[..2]),
        None => Parsed::Unknown(format!(
            "EmoDB emotion letter `{}` (W, L, E, A, F, T, N are defined)",
            b[5] as char
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_letter() {
        for (letter, label) in EMOTIONS {
            let stem = format!("16b10{}c", letter as char);
            assert_eq!(parse(&stem), Parsed::labelled(label, "16"));
        }
        assert_eq!(parse("03a01Wa"), Parsed::labelled("angry", "03"));
    }

    #[test]
    fn unknown_letters_are_reported_and_other_names_rejected() {
        assert!(matches!(parse("03a01Xa"), Parsed::Unknown(_)));
        for other in ["03a01W", "03c01Wa", "3aa01Wa", "03a01wa", "03a01WA", "DC_a01"] {
            assert_eq!(parse(other), Parsed::NoMatch, "{other}");
        }
    }
}
