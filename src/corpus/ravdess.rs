//! RAVDESS file names: `MM-VV-EE-II-SS-RR-AA.ext`, seven two-digit fields; the emotion is
//! field 3 (01 neutral ... 08 surprised) and the actor field 7.

use super::Emotion;

/// Emotion and actor number of a RAVDESS file stem, or `None` if the stem is not one.
pub fn parse_stem(stem: &str) -> Option<(Emotion, u32)> {
    let fields: Vec<&str> = stem.split('-').collect();
    if fields.len() != 7
        || !fields
            .iter()
            .all(|f| f.len() == 2 && f.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let code: usize = fields[2].parse().ok()?;
    let emotion = Emotion::from_index(code.checked_sub(1)?)?;
    let actor: u32 = fields[6].parse().ok()?;
    (actor >= 1).then_some((emotion, actor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_emotion_code_parses() {
        for code in 1..=8usize {
            let stem = format!("03-01-{code:02}-01-01-01-12");
            let (e, actor) = parse_stem(&stem).unwrap();
            assert_eq!(e.index(), code - 1);
            assert_eq!(actor, 12);
        }
        assert_eq!(parse_stem("03-01-08-02-02-02-24"), Some((Emotion::Surprised, 24)));
    }

    #[test]
    fn malformed_names_are_rejected() {
        for bad in [
            "03-01-09-01-01-01-01",
            "03-01-00-01-01-01-01",
            "03-01-05-01-01-01",
            "03-01-05-01-01-01-01-01",
            "03-01-5-01-01-01-01",
            "03-01-ab-01-01-01-01",
            "03-01-05-01-01-01-00",
            "DC_a01",
        ] {
            assert_eq!(parse_stem(bad), None, "{bad}");
        }
    }
}
