//! RAVDESS file names: `MM-VV-EE-II-SS-RR-AA.ext`, seven two-digit fields; the emotion is
//! field 3 (01 neutral ... 08 surprised) and the actor field 7.

use super::Parsed;
use super::labels::EMOTIONS;

/// Label and actor of a RAVDESS file stem.
pub fn parse(stem: &str) -> Parsed {
    let fields: Vec<&str> = stem.split('-').collect();
    if fields.len() != 7
        || !fields
            .iter()
            .all(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()))
    {
        return Parsed::NoMatch;
    }
    let code: usize = fields[2].parse().unwrap_or(0);
    let Some(label) = code.checked_sub(1).and_then(|i| EMOTIONS.get(i)) else {
        return Parsed::Unknown(format!("RAVDESS emotion code {} (01-08 are defined)", fields[2]));
    };
    if fields[6] == "00" {
        return Parsed::Unknown("RAVDESS actor 00 (actors are 01-24)".into());
    }
    Parsed::labelled(label, fields[6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_code_parses() {
        for code in 1..=8usize {
            let stem = format!("03-01-{code:02}-01-01-01-12");
            assert_eq!(parse(&stem), Parsed::labelled(EMOTIONS[code - 1], "12"));
        }
        assert_eq!(parse("03-01-08-02-02-02-24"), Parsed::labelled("surprised", "24"));
    }

    #[test]
    fn unknown_codes_are_reported_and_other_names_rejected() {
        for bad in ["03-01-09-01-01-01-01", "03-01-00-01-01-01-01", "03-01-05-01-01-01-00"] {
            assert!(matches!(parse(bad), Parsed::Unknown(_)), "{bad}");
        }
        for other in [
            "03-01-05-01-01-01",
            "03-01-05-01-01-01-01-01",
            "03-01-5-01-01-01-01",
            "03-01-ab-01-01-01-01",
            "DC_a01",
        ] {
            assert_eq!(parse(other), Parsed::NoMatch, "{other}");
        }
    }
}
