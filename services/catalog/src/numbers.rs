//! Receipt and group number formats.
//!
//! A format is literal text with placeholders: `{yyyy}` `{yy}` `{mm}` `{dd}`
//! (date of the number), `{roc}` (year of the Republic of China era, 3 digits:
//! 2019 -> 108) and `{seq:N}` (the sequence, zero-padded to N digits; exactly
//! one). Example: `FJ{yyyy}{mm}{dd}{seq:6}` -> `FJ20260401000042`.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    #[error("unknown placeholder `{{{0}}}`")]
    UnknownPlaceholder(String),
    #[error("unclosed `{{`")]
    Unclosed,
    #[error("a format needs exactly one `{{seq:N}}`, found {0}")]
    SequenceCount(usize),
    #[error("sequence {sequence} does not fit in {width} digits")]
    SequenceTooLarge { sequence: u64, width: usize },
}

enum Token<'a> {
    Literal(&'a str),
    Year4,
    Year2,
    RocYear,
    Month,
    Day,
    Sequence(usize),
}

fn tokens(format: &str) -> Result<Vec<Token<'_>>, Error> {
    let mut result = Vec::new();
    let mut rest = format;
    while let Some(start) = rest.find('{') {
        result.push(Token::Literal(&rest[..start]));
        let end = rest[start..].find('}').ok_or(Error::Unclosed)? + start;
        let name = &rest[start + 1..end];
        let token = match name {
            "yyyy" => Token::Year4,
            "yy" => Token::Year2,
            "roc" => Token::RocYear,
            "mm" => Token::Month,
            "dd" => Token::Day,
            other => match other
                .strip_prefix("seq:")
                .and_then(|width| width.parse::<usize>().ok())
            {
                Some(width) if (1..=18).contains(&width) => Token::Sequence(width),
                _ => return Err(Error::UnknownPlaceholder(other.to_owned())),
            },
        };
        result.push(token);
        rest = &rest[end + 1..];
    }
    result.push(Token::Literal(rest));
    let sequences = result
        .iter()
        .filter(|token| matches!(token, Token::Sequence(_)))
        .count();
    if sequences != 1 {
        return Err(Error::SequenceCount(sequences));
    }
    Ok(result)
}

/// Checks a format without formatting anything (used by the loader).
pub fn validate_format(format: &str) -> Result<(), Error> {
    tokens(format).map(|_| ())
}

/// Formats a receipt or group number; intake supplies the sequence.
pub fn format_receipt_number(
    format: &str,
    date: NaiveDate,
    sequence: u64,
) -> Result<String, Error> {
    let mut output = String::new();
    for token in tokens(format)? {
        match token {
            Token::Literal(text) => output.push_str(text),
            Token::Year4 => output.push_str(&format!("{:04}", date.year())),
            Token::Year2 => output.push_str(&format!("{:02}", date.year().rem_euclid(100))),
            Token::RocYear => output.push_str(&format!("{:03}", date.year() - 1911)),
            Token::Month => output.push_str(&format!("{:02}", date.month())),
            Token::Day => output.push_str(&format!("{:02}", date.day())),
            Token::Sequence(width) => {
                let digits = sequence.to_string();
                if digits.len() > width {
                    return Err(Error::SequenceTooLarge { sequence, width });
                }
                output.push_str(&format!("{sequence:0width$}"));
            }
        }
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        let date = NaiveDate::from_ymd_opt(2019, 7, 4).unwrap_or_default();
        assert_eq!(
            format_receipt_number("FJ{yyyy}{mm}{dd}{seq:6}", date, 42).as_deref(),
            Ok("FJ20190704000042")
        );
        assert_eq!(
            format_receipt_number("{roc}{seq:9}", date, 695200100).as_deref(),
            Ok("108695200100")
        );
        assert_eq!(
            format_receipt_number("{seq:2}", date, 100),
            Err(Error::SequenceTooLarge {
                sequence: 100,
                width: 2
            })
        );
        assert_eq!(validate_format("X{yyyy}"), Err(Error::SequenceCount(0)));
        assert_eq!(
            validate_format("X{seq:3}{hh}"),
            Err(Error::UnknownPlaceholder("hh".into()))
        );
    }
}
