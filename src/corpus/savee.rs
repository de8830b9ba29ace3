//! SAVEE file names: `SP_CODENN.ext` (flat) or `SP/CODENN.ext` (the original folders), speaker
//! SP in {DC, JE, JK, KL}, CODE in {a, d, f, h, n, sa, su}. `sa`/`su` are matched before `a`.

use super::Parsed;

/// The four SAVEE speakers.
pub const SPEAKERS: [&str; 4] = ["DC", "JE", "JK", "KL"];

const CODES: [(&str, &str); 7] = [
    ("sa", "sad"),
    ("su", "surprised"),
    ("a", "angry"),
    ("d", "disgust"),
    ("f", "fearful"),
    ("h", "happy"),
    ("n", "neutral"),
];

/// Label of a code-and-number stem such as `sa03` or `a15` (an error names an unknown code);
/// `None` if it is not letters then digits.
fn parse_code(code_and_number: &str) -> Option<Result<&'static str, String>> {
    let digits = code_and_number.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let code = &code_and_number[..code_and_number.len() - digits.len()];
    if code.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match CODES.iter().find(|(c, _)| *c == code) {
        Some((_, label)) => Ok(label),
        None => Err(format!(
            "SAVEE emotion code `{code}` (a, d, f, h, n, sa, su are defined)"
        )),
    })
}

/// Label and speaker of a SAVEE file, given its stem and the name of its parent folder.
pub fn parse(stem: &str, parent: Option<&str>) -> Parsed {
    let (speaker, rest) = match stem.split_once('_') {
        Some((speaker, rest)) => (speaker, rest),
        None => match parent {
            Some(p) => (p, stem),
            None => return Parsed::NoMatch,
        },
    };
    if !SPEAKERS.contains(&speaker) {
        return Parsed::NoMatch;
    }
    match parse_code(rest) {
        Some(Ok(label)) => Parsed::labelled(label, speaker),
        Some(Err(why)) => Parsed::Unknown(why),
        None => Parsed::NoMatch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_codes_both_layouts() {
        for speaker in SPEAKERS {
            for (code, label) in CODES {
                let expected = Parsed::labelled(label, speaker);
                assert_eq!(parse(&format!("{speaker}_{code}07"), Some("savee")), expected);
                assert_eq!(parse(&format!("{code}07"), Some(speaker)), expected);
            }
        }
    }

    #[test]
    fn sa_and_su_are_not_anger() {
        assert_eq!(parse("DC_sa01", None), Parsed::labelled("sad", "DC"));
        assert_eq!(parse("DC_su01", None), Parsed::labelled("surprised", "DC"));
        assert_eq!(parse("DC_a01", None), Parsed::labelled("angry", "DC"));
    }

    #[test]
    fn unknown_codes_are_reported_and_other_names_rejected() {
        assert!(matches!(parse("DC_x01", None), Parsed::Unknown(_)));
        assert!(matches!(parse("xy02", Some("KL")), Parsed::Unknown(_)));
        for (stem, parent) in [
            ("XX_a01", None),
            ("DC_a", None),
            ("DC_a1b", None),
            ("a01", Some("music")),
            ("a01", None),
        ] {
            assert_eq!(parse(stem, parent), Parsed::NoMatch, "{stem}");
        }
    }
}
