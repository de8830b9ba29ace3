//! SAVEE file names: `SP_CODENN.ext` (flat) or `SP/CODENN.ext` (the original folders), speaker
//! SP in {DC, JE, JK, KL}, CODE in {a, d, f, h, n, sa, su}. `sa`/`su` are matched before `a`.

use super::Emotion;

/// The four SAVEE speakers.
pub const SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

/// Emotion of a SAVEE code-and-number stem such as `sa03` or `a15`.
pub fn parse_code(code_and_number: &str) -> Option<Emotion> {
    const CODES: [(&str, Emotion); 7] = [
        ("sa", Emotion::Sad),
        ("su", Emotion::Surprised),
        ("a", Emotion::Angry),
        ("d", Emotion::Disgust),
        ("f", Emotion::Fearful),
        ("h", Emotion::Happy),
        ("n", Emotion::Neutral),
    ];
    CODES.iter().find_map(|(code, emotion)| {
        let number = code_and_number.strip_prefix(code)?;
        (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())).then_some(*emotion)
    })
}

/// Emotion and speaker of a SAVEE file, given its stem and the name of its parent folder.
pub fn parse(stem: &str, parent: Option<&str>) -> Option<(Emotion, &'static str)> {
    let known = |s: &str| SPEAKERS.iter().copied().find(|k| *k == s);
    if let Some((speaker, rest)) = stem.split_once('_') {
        return Some((parse_code(rest)?, known(speaker)?));
    }
    Some((parse_code(stem)?, known(parent?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes_both_layouts() {
        let cases = [
            ("a", Emotion::Angry),
            ("d", Emotion::Disgust),
            ("f", Emotion::Fearful),
            ("h", Emotion::Happy),
            ("n", Emotion::Neutral),
            ("sa", Emotion::Sad),
            ("su", Emotion::Surprised),
        ];
        for speaker in SPEAKERS {
            for (code, emotion) in cases {
                let flat = format!("{speaker}_{code}07");
                assert_eq!(parse(&flat, Some("savee")), Some((emotion, speaker)));
                let folder_stem = format!("{code}07");
                assert_eq!(parse(&folder_stem, Some(speaker)), Some((emotion, speaker)));
            }
        }
    }

    #[test]
    fn sa_and_su_are_not_anger() {
        assert_eq!(parse_code("sa01"), Some(Emotion::Sad));
        assert_eq!(parse_code("su01"), Some(Emotion::Surprised));
        assert_eq!(parse_code("a01"), Some(Emotion::Angry));
    }

    #[test]
    fn malformed_names_are_rejected() {
        assert_eq!(parse("XX_a01", None), None);
        assert_eq!(parse("DC_x01", None), None);
        assert_eq!(parse("DC_a", None), None);
        assert_eq!(parse("DC_a1b", None), None);
        assert_eq!(parse("a01", Some("music")), None);
        assert_eq!(parse("a01", None), None);
    }
}
