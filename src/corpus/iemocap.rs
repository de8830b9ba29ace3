//! IEMOCAP's session layout: labels live in `SessionN/dialog/EmoEvaluation/<dialog>.txt`, one
//! line per turn, `[start - end]\tSes01F_impro01_F000\tneu\t[v, a, d]`; the audio of that turn
//! is `SessionN/sentences/wav/<dialog>/Ses01F_impro01_F000.wav`. The speaker is the session and
//! the gender letter of the turn's last field (`F000` -> `Ses01F`). `xxx` (no majority) and
//! `oth` (other) are reported, not used.

use super::Parsed;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::path::Path;

/// The folder that holds the label files.
pub const LABEL_FOLDER: &str = "EmoEvaluation";

const CODES: [(&str, &str); 9] = [
    ("neu", "neutral"),
    ("hap", "happy"),
    ("sad", "sad"),
    ("ang", "angry"),
    ("exc", "excited"),
    ("fru", "frustrated"),
    ("sur", "surprised"),
    ("fea", "fearful"),
    ("dis", "disgust"),
];

/// Turn name -> label code, from every label file found.
#[derive(Debug, Clone, Default)]
pub struct Labels(HashMap<String, String>);

impl Labels {
    /// Reads label files (`EmoEvaluation/*.txt`).
    pub fn read(files: &[impl AsRef<Path>]) -> Result<Labels> {
        let mut map = HashMap::new();
        for file in files {
            let path = file.as_ref();
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            map.extend(parse_label_lines(&text));
        }
        Ok(Labels(map))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Label and speaker of a turn's audio file stem.
    pub fn parse(&self, stem: &str) -> Parsed {
        let Some(code) = self.0.get(stem) else {
            return Parsed::NoMatch;
        };
        let Some((_, label)) = CODES.iter().find(|(c, _)| c == code) else {
            return Parsed::Unknown(format!(
                "IEMOCAP label `{code}` (no single emotion: xxx = no majority, oth = other)"
            ));
        };
        let gender = stem.rsplit('_').next().and_then(|last| last.chars().next());
        match (stem.get(..5), gender) {
            (Some(session), Some(g @ ('F' | 'M'))) => Parsed::labelled(label, &format!("{session}{g}")),
            _ => Parsed::Unknown(format!("IEMOCAP turn name `{stem}` names no speaker")),
        }
    }
}

/// `(turn, code)` of every turn line of one label file.
fn parse_label_lines(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter(|l| l.starts_with('[')).filter_map(|line| {
        let mut fields = line.split('\t');
        let (_, turn, code) = (fields.next()?, fields.next()?, fields.next()?);
        Some((turn.trim().to_string(), code.trim().to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_lines_and_every_code() {
        let mut text = String::from("% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n");
        for (i, (code, _)) in CODES.iter().enumerate() {
            text += &format!("[{i}.0 - {i}.9]\tSes02M_impro03_F{i:03}\t{code}\t[2.5, 2.5, 2.5]\nC-E1:\tNeutral;\t()\n");
        }
        text += "[9.0 - 9.5]\tSes02M_impro03_M009\txxx\t[2.5, 2.5, 2.5]\n";
        let labels = Labels(parse_label_lines(&text).collect());
        for (i, (_, label)) in CODES.iter().enumerate() {
            assert_eq!(
                labels.parse(&format!("Ses02M_impro03_F{i:03}")),
                Parsed::labelled(label, "Ses02F")
            );
        }
        assert!(matches!(labels.parse("Ses02M_impro03_M009"), Parsed::Unknown(_)));
        assert_eq!(labels.parse("Ses02M_impro03_M010"), Parsed::NoMatch);
    }
}
