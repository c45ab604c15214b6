//! Email addresses (with an agency's forbidden domains) and phone numbers
//! (mobile numbers of given regions, e.g. mainland-only).

/// A syntactically valid email address, domain in lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    Empty,
    BadFormat,
    ForbiddenDomain,
}

impl EmailError {
    pub fn code(self) -> &'static str {
        match self {
            EmailError::Empty => "required",
            EmailError::BadFormat => "bad_format",
            EmailError::ForbiddenDomain => "forbidden_domain",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            EmailError::Empty => "an email address is required",
            EmailError::BadFormat => "this is not an email address",
            EmailError::ForbiddenDomain => {
                "email addresses of this domain are not accepted by the agency"
            }
        }
    }
}

impl Email {
    /// `forbidden` holds domains (`qq.com`) and suffix patterns (`*.cn`).
    pub fn parse(text: &str, forbidden: &[String]) -> Result<Email, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(EmailError::BadFormat);
        };
        let domain = domain.to_ascii_lowercase();
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && domain.len() <= 253
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if !local_ok || !domain_ok || text.len() > 254 {
            return Err(EmailError::BadFormat);
        }
        if domain_is_forbidden(&domain, forbidden) {
            return Err(EmailError::ForbiddenDomain);
        }
        Ok(Email(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0
            .rsplit_once('@')
            .map(|(local, _)| local)
            .unwrap_or("")
    }
}

/// `*.cn` refuses `cn` itself and every domain under it.
pub fn domain_is_forbidden(domain: &str, forbidden: &[String]) -> bool {
    forbidden.iter().any(|pattern| {
        let pattern = pattern.trim().to_ascii_lowercase();
        match pattern.strip_prefix("*.") {
            Some(suffix) => domain == suffix || domain.ends_with(&format!(".{suffix}")),
            None => domain == pattern,
        }
    })
}

/// A phone number; mobile numbers of a known region are kept in E.164.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber {
    value: String,
    region: Option<&'static str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    BadFormat,
    WrongRegion,
}

impl PhoneError {
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Empty => "required",
            PhoneError::BadFormat => "bad_format",
            PhoneError::WrongRegion => "wrong_region",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            PhoneError::Empty => "a phone number is required",
            PhoneError::BadFormat => "this is not a phone number",
            PhoneError::WrongRegion => "only mobile numbers of the accepted regions are allowed",
        }
    }
}

/// Mobile numbering of the regions agencies restrict to:
/// (ISO region, country code, national number check).
/// (ISO region, country calling code, check of the national number).
type MobileNumbering = (&'static str, &'static str, fn(&str) -> bool);

const MOBILE_REGIONS: [MobileNumbering; 4] = [
    ("CN", "86", |n| {
        n.len() == 11 && n.starts_with('1') && matches!(n.as_bytes()[1], b'3'..=b'9')
    }),
    ("HK", "852", |n| {
        n.len() == 8 && matches!(n.as_bytes()[0], b'4' | b'5' | b'6' | b'7' | b'8' | b'9')
    }),
    ("MO", "853", |n| n.len() == 8 && n.starts_with('6')),
    ("TW", "886", |n| {
        (n.len() == 9 && n.starts_with('9')) || (n.len() == 10 && n.starts_with("09"))
    }),
];

impl PhoneNumber {
    /// With `regions` empty any plausible phone number (landlines too) is
    /// accepted; otherwise only mobile numbers of those regions.
    pub fn parse(text: &str, regions: &[String]) -> Result<PhoneNumber, PhoneError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()".contains(c))
            || text.len() > 32
        {
            return Err(PhoneError::BadFormat);
        }
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let international = text.starts_with('+') || digits.starts_with("00");
        if regions.is_empty() {
            if !(6..=20).contains(&digits.len()) {
                return Err(PhoneError::BadFormat);
            }
            if let Some(mobile) = Self::mobile_of_any(&digits, international) {
                return Ok(mobile);
            }
            return Ok(PhoneNumber {
                value: text.to_owned(),
                region: None,
            });
        }
        for region in regions {
            let Some((code, country, check)) = MOBILE_REGIONS
                .iter()
                .find(|(code, _, _)| code.eq_ignore_ascii_case(region))
            else {
                continue;
            };
            let national = if international {
                let without_zeros = digits.strip_prefix("00").unwrap_or(&digits);
                match without_zeros.strip_prefix(country) {
                    Some(rest) => rest.to_owned(),
                    None => continue,
                }
            } else {
                digits.clone()
            };
            if check(&national) {
                let national = national.trim_start_matches('0');
                return Ok(PhoneNumber {
                    value: format!("+{country}{national}"),
                    region: Some(code),
                });
            }
        }
        if (6..=20).contains(&digits.len()) {
            Err(PhoneError::WrongRegion)
        } else {
            Err(PhoneError::BadFormat)
        }
    }

    fn mobile_of_any(digits: &str, international: bool) -> Option<PhoneNumber> {
        if !international {
            return None;
        }
        let digits = digits.strip_prefix("00").unwrap_or(digits);
        MOBILE_REGIONS.iter().find_map(|(code, country, check)| {
            let national = digits.strip_prefix(country)?;
            check(national).then(|| PhoneNumber {
                value: format!("+{country}{}", national.trim_start_matches('0')),
                region: Some(code),
            })
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// A mobile number of a known region (SMS can reach it).
    pub fn is_mobile(&self) -> bool {
        self.region.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> Vec<String> {
        vec!["*.cn".into(), "qq.com".into()]
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Tseng@Hotmail.com ", &cn()).unwrap().as_str(),
            "Tseng@hotmail.com"
        );
        assert_eq!(
            Email::parse("a@qq.cn", &cn()),
            Err(EmailError::ForbiddenDomain)
        );
        assert_eq!(
            Email::parse("a@mail.sina.com.cn", &cn()),
            Err(EmailError::ForbiddenDomain)
        );
        assert_eq!(
            Email::parse("a@QQ.com", &cn()),
            Err(EmailError::ForbiddenDomain)
        );
        assert_eq!(Email::parse("a@cn", &cn()), Err(EmailError::BadFormat));
        assert_eq!(Email::parse("a@@b.com", &cn()), Err(EmailError::BadFormat));
        assert_eq!(Email::parse("a b@c.com", &cn()), Err(EmailError::BadFormat));
        assert_eq!(Email::parse("", &cn()), Err(EmailError::Empty));
        assert!(Email::parse("x@example.com.tw", &cn()).is_ok());
    }

    #[test]
    fn phones() {
        let cn = vec!["CN".to_owned()];
        assert_eq!(
            PhoneNumber::parse("13812345678", &cn).unwrap().as_str(),
            "+8613812345678"
        );
        assert_eq!(
            PhoneNumber::parse("+86 138 1234 5678", &cn)
                .unwrap()
                .as_str(),
            "+8613812345678"
        );
        assert_eq!(
            PhoneNumber::parse("+852 91234567", &cn),
            Err(PhoneError::WrongRegion)
        );
        assert_eq!(
            PhoneNumber::parse("12812345678", &cn),
            Err(PhoneError::WrongRegion)
        );
        assert_eq!(PhoneNumber::parse("abc", &cn), Err(PhoneError::BadFormat));
        assert_eq!(
            PhoneNumber::parse("62123456", &["MO".to_owned()])
                .unwrap()
                .as_str(),
            "+85362123456"
        );
        let landline = PhoneNumber::parse("02-22345678", &[]).unwrap();
        assert!(!landline.is_mobile());
        assert!(
            PhoneNumber::parse("+8613812345678", &[])
                .unwrap()
                .is_mobile()
        );
    }
}
