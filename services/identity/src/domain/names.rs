//! Names as lists show them: the surname and a star per character of the
//! given name (陳**), so a list never shows a whole name.

pub fn mask_name(surname: &str, given_name: &str) -> String {
    let surname = surname.trim();
    let given = given_name.trim();
    let stars = "*".repeat(given.chars().filter(|c| !c.is_whitespace()).count().max(1));
    if surname.is_empty() {
        let first: String = given.chars().take(1).collect();
        let rest = given
            .chars()
            .skip(1)
            .filter(|c| !c.is_whitespace())
            .count()
            .max(1);
        return format!("{first}{}", "*".repeat(rest));
    }
    format!("{surname}{stars}")
}

/// A full name written in one field (中文姓名): the first character stays.
pub fn mask_full_name(name: &str) -> String {
    let name = name.trim();
    let first: String = name.chars().take(1).collect();
    let rest = name
        .chars()
        .skip(1)
        .filter(|c| !c.is_whitespace())
        .count()
        .max(1);
    format!("{first}{}", "*".repeat(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_seed_shows() {
        assert_eq!(mask_name("陳", "大文"), "陳**");
        assert_eq!(mask_name("歐陽", "修"), "歐陽*");
        assert_eq!(mask_name("", "Mary"), "M***");
        assert_eq!(mask_full_name("張三豐"), "張**");
    }
}
