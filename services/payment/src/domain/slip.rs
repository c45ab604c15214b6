//! Taiwan's convenience-store slip: the three Code 39 barcodes a store's
//! scanner reads (the collection standard the four chains share).
//!
//! - barcode 1: the due date as ROC `YYMMDD` and a 3-character collection code;
//! - barcode 2: the collector code and the payment id, 16 characters;
//! - barcode 3: `MMDD`, two check characters and the amount in 9 digits.
//!
//! The check characters: every character's value (digits as themselves,
//! letters A–I → 1–9, J–R → 1–9, S–Z → 2–9), the odd positions of each
//! barcode summed, and the even positions, each modulo 11; the first maps
//! 0 → `A` and 10 → `B`, the second 0 → `X` and 10 → `Y`.

use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlipError {
    #[error("the collection code must be 3 letters or digits")]
    CollectionCode,
    #[error("collector code and payment id must make 16 letters or digits")]
    Reference,
    #[error("the amount must be between 0 and 999,999,999")]
    Amount,
    #[error("the due date is before the Republic of China calendar")]
    Date,
}

/// The three barcodes' values, in print order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Barcodes(pub [String; 3]);

fn value(character: char) -> u32 {
    match character {
        '0'..='9' => character as u32 - '0' as u32,
        'A'..='I' => character as u32 - 'A' as u32 + 1,
        'J'..='R' => character as u32 - 'J' as u32 + 1,
        'S'..='Z' => character as u32 - 'S' as u32 + 2,
        _ => 0,
    }
}

fn code39_safe(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

/// The two check characters of the three barcodes (barcode 3 with any two
/// characters at its check positions: they are not counted).
pub fn check_characters(barcode_1: &str, barcode_2: &str, barcode_3: &str) -> [char; 2] {
    let (mut odd, mut even) = (0, 0);
    for barcode in [barcode_1, barcode_2] {
        for (index, character) in barcode.chars().enumerate() {
            if index % 2 == 0 {
                odd += value(character);
            } else {
                even += value(character);
            }
        }
    }
    for (index, character) in barcode_3.chars().enumerate() {
        if index == 4 || index == 5 {
            continue;
        }
        if index % 2 == 0 {
            odd += value(character);
        } else {
            even += value(character);
        }
    }
    let first = match odd % 11 {
        0 => 'A',
        10 => 'B',
        digit => char::from_digit(digit, 10).unwrap_or('A'),
    };
    let second = match even % 11 {
        0 => 'X',
        10 => 'Y',
        digit => char::from_digit(digit, 10).unwrap_or('X'),
    };
    [first, second]
}

/// The barcodes of a slip due on `due`, for `amount` (whole units).
pub fn barcodes(
    due: NaiveDate,
    collection_code: &str,
    reference: &str,
    amount: i64,
) -> Result<Barcodes, SlipError> {
    if collection_code.len() != 3 || !code39_safe(collection_code) {
        return Err(SlipError::CollectionCode);
    }
    if reference.len() != 16 || !code39_safe(reference) {
        return Err(SlipError::Reference);
    }
    if !(0..=999_999_999).contains(&amount) {
        return Err(SlipError::Amount);
    }
    let roc_year = due.year() - 1911;
    if roc_year < 1 {
        return Err(SlipError::Date);
    }
    let barcode_1 = format!(
        "{:02}{:02}{:02}{collection_code}",
        roc_year % 100,
        due.month(),
        due.day()
    );
    let unchecked = format!("{:02}{:02}00{amount:09}", due.month(), due.day());
    let [first, second] = check_characters(&barcode_1, reference, &unchecked);
    let barcode_3 = format!(
        "{:02}{:02}{first}{second}{amount:09}",
        due.month(),
        due.day()
    );
    Ok(Barcodes([barcode_1, reference.to_owned(), barcode_3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_test_vector() {
        assert_eq!(
            check_characters("991231Y01", "ABCDEFGHIKLMNPQR", "123400000007890"),
            ['9', 'Y']
        );
    }

    #[test]
    fn barcodes_of_a_slip() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let Barcodes([one, two, three]) = barcodes(due, "Y01", "NIA0000000000123", 1008).unwrap();
        assert_eq!(one, "151209Y01");
        assert_eq!(two, "NIA0000000000123");
        assert_eq!(three.len(), 15);
        assert!(three.starts_with("1209"));
        assert!(three.ends_with("000001008"));
        let check = check_characters(&one, &two, &three);
        assert_eq!(&three[4..6], check.iter().collect::<String>());
    }

    #[test]
    fn bad_parts_are_refused() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        assert_eq!(
            barcodes(due, "y0", "NIA0000000000123", 1),
            Err(SlipError::CollectionCode)
        );
        assert_eq!(
            barcodes(due, "Y01", "nia-0000", 1),
            Err(SlipError::Reference)
        );
        assert_eq!(
            barcodes(due, "Y01", "NIA0000000000123", 1_000_000_000),
            Err(SlipError::Amount)
        );
    }
}
