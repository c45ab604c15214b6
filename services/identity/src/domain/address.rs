//! A saved delivery address (地址管理), checked field by field.

use laissez_kit::FieldError;

use super::contact::PhoneNumber;

/// Most characters of a recipient's name. With the phone number (at most
/// 32) and the address, a saved address fits a form's 200-character
/// delivery address.
pub const MAX_RECIPIENT_CHARS: usize = 30;
/// Most characters of the postal address itself.
pub const MAX_ADDRESS_CHARS: usize = 130;

/// An address as a request describes it, before checks.
#[derive(Debug, Clone, Default)]
pub struct AddressInput {
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub is_default: bool,
}

/// An address that passed every check: trimmed, line breaks as `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressDetails {
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub is_default: bool,
}

/// Text without control characters (line breaks only where `lines`), at
/// most `max` characters once trimmed.
fn text(field: &str, value: &str, max: usize, lines: bool) -> Result<String, FieldError> {
    let value = value.replace("\r\n", "\n").replace('\r', "\n");
    let value = value.trim();
    if value.is_empty() {
        return Err(FieldError::new(field, "required", "this field is required"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(lines && c == '\n'))
    {
        return Err(FieldError::new(
            field,
            "invalid_character",
            "control characters are not allowed",
        ));
    }
    if value.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
    let value = if lines {
        value
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        value.to_owned()
    };
    Ok(value)
}

impl AddressInput {
    /// Every field's faults at once, each named `address.<field>`.
    pub fn validate(&self) -> Result<AddressDetails, Vec<FieldError>> {
        let mut faults = Vec::new();
        let recipient = text(
            "address.recipient",
            &self.recipient,
            MAX_RECIPIENT_CHARS,
            false,
        )
        .map_err(|fault| faults.push(fault))
        .ok();
        let phone = PhoneNumber::parse(&self.phone, &[])
            .map_err(|error| {
                faults.push(FieldError::new(
                    "address.phone",
                    error.code(),
                    error.message(),
                ))
            })
            .ok();
        let address = text("address.address", &self.address, MAX_ADDRESS_CHARS, true)
            .map_err(|fault| faults.push(fault))
            .ok();
        match (recipient, phone, address) {
            (Some(recipient), Some(phone), Some(address)) if faults.is_empty() => {
                Ok(AddressDetails {
                    recipient,
                    phone: phone.as_str().to_owned(),
                    address,
                    is_default: self.is_default,
                })
            }
            _ => Err(faults),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(recipient: &str, phone: &str, address: &str) -> AddressInput {
        AddressInput {
            recipient: recipient.to_owned(),
            phone: phone.to_owned(),
            address: address.to_owned(),
            is_default: false,
        }
    }

    #[test]
    fn a_good_address_is_trimmed_and_its_lines_kept() {
        let details = input(
            " 陳大文 ",
            "+852 9123 4567",
            " 香港灣仔\r\n\r\n  港灣道 1 號 ",
        )
        .validate()
        .unwrap();
        assert_eq!(details.recipient, "陳大文");
        assert_eq!(details.address, "香港灣仔\n港灣道 1 號");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let faults = input("", "call me", &"路".repeat(MAX_ADDRESS_CHARS + 1))
            .validate()
            .unwrap_err();
        let named: Vec<(&str, &str)> = faults
            .iter()
            .map(|fault| (fault.field.as_str(), fault.code.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("address.recipient", "required"),
                ("address.phone", "bad_format"),
                ("address.address", "too_long"),
            ]
        );
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_in_the_address_are_not() {
        let faults = input("A\u{0}B", "91234567", "line\u{7}")
            .validate()
            .unwrap_err();
        assert_eq!(faults.len(), 2);
        assert!(faults.iter().all(|fault| fault.code == "invalid_character"));
        let faults = input("A\nB", "91234567", "one\ntwo")
            .validate()
            .unwrap_err();
        assert_eq!(faults.len(), 1);
        assert_eq!(faults[0].field, "address.recipient");
    }
}
