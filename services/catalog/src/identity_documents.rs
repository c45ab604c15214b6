//! Identity-document numbers, parsed per document kind: the one vocabulary
//! of kinds catalogs name (`document_kind:` of an identity-document field in
//! registration, managed-applicant and application forms) and the check of
//! each, check digit included where the document has one. A number is
//! stored in its canonical form (upper case, no spaces or brackets) and
//! shown masked.

use std::fmt;

/// The kinds of identity document identity knows how to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// 居民身份證: 18 characters, ISO 7064 MOD 11-2 check character, birth date inside.
    MainlandResidentId,
    /// 台灣地區身份證: a letter, 1 or 2, seven digits, a check digit.
    TaiwanId,
    /// 香港身份證: one or two letters, six digits, a check character (0-9 or A).
    HongKongId,
    /// 澳門身份證: 1, 5 or 7, six digits, a check digit.
    MacaoId,
    /// Any passport: 5 to 20 letters and digits.
    Passport,
    /// 大陸居民往來台灣通行證: T or L and eight digits.
    MainlandTaiwanTravelPermit,
    /// 往來港澳通行證: C and eight letters or digits.
    MainlandHkMacaoPermit,
    /// 台灣居民來往大陸通行證 (台胞證): eight digits (ten on older permits).
    TaiwanCompatriotPermit,
    /// A mainland ID or a passport (real-name check of the consular app).
    MainlandIdOrPassport,
    /// 港澳居民來往內地通行證 (回鄉證): H (Hong Kong) or M (Macao) and eight
    /// digits; ten on booklets, whose last two count the issues.
    HomeReturnPermit,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 10] = [
        DocumentKind::MainlandResidentId,
        DocumentKind::TaiwanId,
        DocumentKind::HongKongId,
        DocumentKind::MacaoId,
        DocumentKind::Passport,
        DocumentKind::MainlandTaiwanTravelPermit,
        DocumentKind::MainlandHkMacaoPermit,
        DocumentKind::TaiwanCompatriotPermit,
        DocumentKind::MainlandIdOrPassport,
        DocumentKind::HomeReturnPermit,
    ];

    /// The code catalogs and the API use.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::MainlandResidentId => "cn_resident_id",
            DocumentKind::TaiwanId => "tw_id_card",
            DocumentKind::HongKongId => "hk_id_card",
            DocumentKind::MacaoId => "mo_id_card",
            DocumentKind::Passport => "passport",
            DocumentKind::MainlandTaiwanTravelPermit => "cn_taiwan_travel_permit",
            DocumentKind::MainlandHkMacaoPermit => "cn_hkmo_permit",
            DocumentKind::TaiwanCompatriotPermit => "tw_compatriot_permit",
            DocumentKind::MainlandIdOrPassport => "cn_id_or_passport",
            DocumentKind::HomeReturnPermit => "home_return_permit",
        }
    }

    pub fn parse(code: &str) -> Option<DocumentKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|kind| kind.code() == code)
    }

    /// Every kind's code, for messages listing what a catalog may name.
    pub fn codes() -> Vec<&'static str> {
        DocumentKind::ALL
            .into_iter()
            .map(DocumentKind::code)
            .collect()
    }
}

/// Why a document number was refused; `code()` is the field-error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentError {
    Empty,
    BadFormat,
    BadChecksum,
    BadBirthDate,
}

impl DocumentError {
    pub fn code(self) -> &'static str {
        match self {
            DocumentError::Empty => "required",
            DocumentError::BadFormat => "bad_format",
            DocumentError::BadChecksum => "bad_checksum",
            DocumentError::BadBirthDate => "bad_birth_date",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            DocumentError::Empty => "the document number is required",
            DocumentError::BadFormat => {
                "the document number does not have the format of this document type"
            }
            DocumentError::BadChecksum => "the document number's check character is wrong",
            DocumentError::BadBirthDate => {
                "the birth date inside the ID number is not a valid date"
            }
        }
    }
}

/// A checked identity-document number in canonical form.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityDocumentNumber {
    kind: DocumentKind,
    value: String,
}

impl fmt::Debug for IdentityDocumentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.kind.code(), self.masked())
    }
}

impl IdentityDocumentNumber {
    pub fn parse(kind: DocumentKind, text: &str) -> Result<Self, DocumentError> {
        let value: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if value.is_empty() {
            return Err(DocumentError::Empty);
        }
        if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DocumentError::BadFormat);
        }
        let kind_checked = match kind {
            DocumentKind::MainlandResidentId => check_mainland_id(&value),
            DocumentKind::TaiwanId => check_taiwan_id(&value),
            DocumentKind::HongKongId => check_hong_kong_id(&value),
            DocumentKind::MacaoId => check_macao_id(&value),
            DocumentKind::Passport => check_passport(&value),
            DocumentKind::MainlandTaiwanTravelPermit => check_letter_digits(&value, &['T', 'L'], 8),
            DocumentKind::MainlandHkMacaoPermit => check_hkmo_permit(&value),
            DocumentKind::TaiwanCompatriotPermit => check_compatriot_permit(&value),
            DocumentKind::MainlandIdOrPassport => {
                if value.len() == 18 && value[..17].chars().all(|c| c.is_ascii_digit()) {
                    check_mainland_id(&value)
                } else {
                    check_passport(&value)
                }
            }
            DocumentKind::HomeReturnPermit => check_letter_digits(&value, &['H', 'M'], 8)
                .or_else(|_| check_letter_digits(&value, &['H', 'M'], 10)),
        };
        kind_checked.map(|()| Self { kind, value })
    }

    pub fn kind(&self) -> DocumentKind {
        self.kind
    }

    /// The canonical number. Never log it: use [`Self::masked`].
    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn masked(&self) -> String {
        mask_document_number(&self.value)
    }
}

/// Keeps the first two and last two characters: `A1******89`.
pub fn mask_document_number(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let mut masked = String::new();
    for (index, c) in chars.iter().enumerate() {
        if index < 2 || index >= chars.len() - 2 {
            masked.push(*c);
        } else {
            masked.push('*');
        }
    }
    masked
}

fn digit(c: char) -> u32 {
    c.to_digit(10).unwrap_or(0)
}

fn check_mainland_id(value: &str) -> Result<(), DocumentError> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 18
        || !chars[..17].iter().all(char::is_ascii_digit)
        || !(chars[17].is_ascii_digit() || chars[17] == 'X')
    {
        return Err(DocumentError::BadFormat);
    }
    let birth: String = chars[6..14].iter().collect();
    let date = chrono::NaiveDate::parse_from_str(&birth, "%Y%m%d")
        .map_err(|_| DocumentError::BadBirthDate)?;
    if date < chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(date)
        || date > chrono::Utc::now().date_naive()
    {
        return Err(DocumentError::BadBirthDate);
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = chars[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| digit(*c) * w)
        .sum();
    if CHECK[(sum % 11) as usize] == chars[17] {
        Ok(())
    } else {
        Err(DocumentError::BadChecksum)
    }
}

fn taiwan_letter_code(letter: char) -> Option<u32> {
    const ORDER: &str = "ABCDEFGHJKLMNPQRSTUVXYWZIO";
    ORDER.find(letter).map(|index| index as u32 + 10)
}

fn check_taiwan_id(value: &str) -> Result<(), DocumentError> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 10
        || !chars[0].is_ascii_uppercase()
        || !matches!(chars[1], '1' | '2' | '8' | '9')
        || !chars[1..].iter().all(char::is_ascii_digit)
    {
        return Err(DocumentError::BadFormat);
    }
    let code = taiwan_letter_code(chars[0]).ok_or(DocumentError::BadFormat)?;
    const WEIGHTS: [u32; 9] = [8, 7, 6, 5, 4, 3, 2, 1, 1];
    let sum = code / 10
        + (code % 10) * 9
        + chars[1..]
            .iter()
            .zip(WEIGHTS)
            .map(|(c, w)| digit(*c) * w)
            .sum::<u32>();
    if sum % 10 == 0 {
        Ok(())
    } else {
        Err(DocumentError::BadChecksum)
    }
}

fn check_hong_kong_id(value: &str) -> Result<(), DocumentError> {
    let chars: Vec<char> = value.chars().collect();
    let letters = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    if !(letters == 1 || letters == 2) || chars.len() != letters + 7 {
        return Err(DocumentError::BadFormat);
    }
    let digits = &chars[letters..letters + 6];
    let check = chars[letters + 6];
    if !digits.iter().all(char::is_ascii_digit) || !(check.is_ascii_digit() || check == 'A') {
        return Err(DocumentError::BadFormat);
    }
    let letter_value = |c: char| c as u32 - 'A' as u32 + 10;
    let mut sum = if letters == 2 {
        letter_value(chars[0]) * 9 + letter_value(chars[1]) * 8
    } else {
        36 * 9 + letter_value(chars[0]) * 8
    };
    sum += digits
        .iter()
        .zip([7u32, 6, 5, 4, 3, 2])
        .map(|(c, w)| digit(*c) * w)
        .sum::<u32>();
    let expected = (11 - sum % 11) % 11;
    let expected = if expected == 10 {
        'A'
    } else {
        char::from_digit(expected, 10).unwrap_or('?')
    };
    if expected == check {
        Ok(())
    } else {
        Err(DocumentError::BadChecksum)
    }
}

fn check_macao_id(value: &str) -> Result<(), DocumentError> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() == 8
        && matches!(chars[0], '1' | '5' | '7')
        && chars.iter().all(char::is_ascii_digit)
    {
        Ok(())
    } else {
        Err(DocumentError::BadFormat)
    }
}

fn check_passport(value: &str) -> Result<(), DocumentError> {
    if (5..=20).contains(&value.len()) && value.chars().any(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(DocumentError::BadFormat)
    }
}

fn check_letter_digits(value: &str, letters: &[char], digits: usize) -> Result<(), DocumentError> {
    let mut chars = value.chars();
    match chars.next() {
        Some(first) if letters.contains(&first) => {}
        _ => return Err(DocumentError::BadFormat),
    }
    let rest: Vec<char> = chars.collect();
    if rest.len() == digits && rest.iter().all(char::is_ascii_digit) {
        Ok(())
    } else {
        Err(DocumentError::BadFormat)
    }
}

fn check_hkmo_permit(value: &str) -> Result<(), DocumentError> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() == 9 && chars[0] == 'C' && chars[1..].iter().all(char::is_ascii_alphanumeric) {
        Ok(())
    } else {
        Err(DocumentError::BadFormat)
    }
}

fn check_compatriot_permit(value: &str) -> Result<(), DocumentError> {
    if (value.len() == 8 || value.len() == 10) && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(DocumentError::BadFormat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_ids_are_checked() {
        let id =
            IdentityDocumentNumber::parse(DocumentKind::MainlandResidentId, "11010519491231002x")
                .unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "11**************2X");
        assert!(!format!("{id:?}").contains("0519491231"));
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandResidentId, "110105194912310021"),
            Err(DocumentError::BadChecksum)
        );
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandResidentId, "110105194913310021"),
            Err(DocumentError::BadBirthDate)
        );
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandResidentId, "676545654345678"),
            Err(DocumentError::BadFormat)
        );
    }

    #[test]
    fn taiwan_hong_kong_macao_and_permits() {
        assert!(IdentityDocumentNumber::parse(DocumentKind::TaiwanId, "A123456789").is_ok());
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::TaiwanId, "A123456788"),
            Err(DocumentError::BadChecksum)
        );
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::TaiwanId, "A323456789"),
            Err(DocumentError::BadFormat)
        );
        assert!(IdentityDocumentNumber::parse(DocumentKind::HongKongId, "A123456(3)").is_ok());
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::HongKongId, "A123456(4)"),
            Err(DocumentError::BadChecksum)
        );
        assert!(IdentityDocumentNumber::parse(DocumentKind::MacaoId, "1234567(8)").is_ok());
        assert!(IdentityDocumentNumber::parse(DocumentKind::MacaoId, "2234567(8)").is_err());
        assert!(IdentityDocumentNumber::parse(DocumentKind::Passport, "E12345678").is_ok());
        assert!(IdentityDocumentNumber::parse(DocumentKind::Passport, "E1").is_err());
        assert!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandTaiwanTravelPermit, "T12345678")
                .is_ok()
        );
        assert!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandTaiwanTravelPermit, "X12345678")
                .is_err()
        );
        assert!(
            IdentityDocumentNumber::parse(DocumentKind::MainlandIdOrPassport, "E12345678").is_ok()
        );
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::Passport, "  "),
            Err(DocumentError::Empty)
        );
        assert_eq!(
            IdentityDocumentNumber::parse(DocumentKind::Passport, "E1234567;"),
            Err(DocumentError::BadFormat)
        );
        for number in ["H12345678", "m12345678", "H1234567801"] {
            assert!(
                IdentityDocumentNumber::parse(DocumentKind::HomeReturnPermit, number).is_ok(),
                "{number}"
            );
        }
        for number in ["H1234567", "C12345678", "H123456789"] {
            assert_eq!(
                IdentityDocumentNumber::parse(DocumentKind::HomeReturnPermit, number),
                Err(DocumentError::BadFormat),
                "{number}"
            );
        }
    }
}
