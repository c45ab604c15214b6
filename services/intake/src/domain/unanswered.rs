//! What the applicant is told when a catalog rule cannot be judged: the
//! questions it reads that have no answer yet, asked for by their label in
//! the applicant's language, never the rule engine's own words.

use laissez_catalog::format::Language;
use serde_json::Value;

use super::application::Answers;

/// The answers (`answers.code`) a rule reads that the applicant has not
/// given (absent or null), in the order the rule names them.
pub(super) fn unanswered<'r>(rule: &'r str, answers: &Answers) -> Vec<&'r str> {
    const PREFIX: &str = "answers.";
    let identifier = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (at, _) in rule.match_indices(PREFIX) {
        if rule[..at].chars().next_back().is_some_and(identifier) {
            continue;
        }
        let rest = &rule[at + PREFIX.len()..];
        let end = rest.find(|c: char| !identifier(c)).unwrap_or(rest.len());
        let code = &rest[..end];
        if !code.is_empty()
            && answers.get(code).is_none_or(Value::is_null)
            && !found.contains(&code)
        {
            found.push(code);
        }
    }
    found
}

/// "Answer “label” first", in the applicant's language.
pub(super) fn answer_first(label: &str, language: Language) -> String {
    match language {
        Language::ZhHant => format!("請先回答「{label}」"),
        Language::ZhHans => format!("请先回答「{label}」"),
        Language::En => format!("answer \u{201c}{label}\u{201d} first"),
    }
}

pub(super) fn rule_fault(language: Language) -> String {
    match language {
        Language::ZhHant => "此項目暫時無法檢查，請聯絡受理機關".to_owned(),
        Language::ZhHans => "此项目暂时无法检查，请联系受理机关".to_owned(),
        Language::En => "this cannot be checked right now; please contact the agency".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answers_a_rule_reads_are_found_in_its_text() {
        let answers = serde_json::json!({"given": 1, "empty": null})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(
            unanswered(
                "answers.given == 1 && (answers.empty || answers.other_one > 2) && myanswers.x && answers.other_one",
                &answers
            ),
            vec!["empty", "other_one"]
        );
        assert!(unanswered("record.permit_kind == 'x'", &answers).is_empty());
    }
}
