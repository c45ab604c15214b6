//! Every message template of every demo agency, rendered in every language
//! with every application type's name and with the optional values left
//! empty, reads as a sentence: no word said twice where a type's own name
//! already ends in it, and no label left hanging with nothing after it.

mod common;

use std::collections::BTreeMap;

use common::load;
use laissez_catalog::format::Language;
use laissez_catalog::templates::{self, EVENT_VARIABLES};

const AGENCIES: [&str; 5] = ["fj-exit-entry", "hk-cts", "mo-csm", "mo-cts", "tw-nia"];

/// Values that may be empty when the event happens (no comment, no reply).
const OPTIONAL: [&str; 3] = ["comment", "applicant_reply", "reason"];

/// Words that read twice when a template adds them after a name that
/// already ends in them.
const DOUBLED: [&str; 4] = [
    "申請申請",
    "申请申请",
    "application application",
    "案件案件",
];

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split(['\n'])
        .flat_map(|line| line.split("<br>"))
        .map(|line| line.trim_end_matches("</p>").trim())
}

#[test]
fn no_template_doubles_a_word_or_leaves_a_label_empty() {
    let mut faults = Vec::new();
    for code in AGENCIES {
        let catalog = load(code);
        for (event, variables) in EVENT_VARIABLES {
            let Some(languages) = catalog.templates.templates.get(*event) else {
                continue;
            };
            for language in Language::ALL {
                let Some(template) = languages.get(&language) else {
                    continue;
                };
                for application_type in &catalog.application_types {
                    let mut values: BTreeMap<String, String> = variables
                        .iter()
                        .map(|name| ((*name).to_owned(), format!("<{name}>")))
                        .collect();
                    for optional in OPTIONAL {
                        values.insert(optional.to_owned(), String::new());
                    }
                    values.insert(
                        "application_type_name".to_owned(),
                        application_type.name.get(language).to_owned(),
                    );
                    let parts = [
                        ("email_subject", &template.email_subject),
                        ("email_text", &template.email_text),
                        ("email_html", &template.email_html),
                        ("sms", &template.sms),
                        ("in_app", &template.in_app),
                    ];
                    for (part, text) in parts {
                        let Some(text) = text else { continue };
                        let rendered = templates::render(text, &values, false)
                            .unwrap_or_else(|error| panic!("{code} {event} {part}: {error}"));
                        let place = format!("{code} {event} {} {part}", language.tag());
                        for doubled in DOUBLED {
                            if rendered.to_lowercase().contains(doubled) {
                                faults.push(format!("{place}: {doubled:?} in {rendered:?}"));
                            }
                        }
                        // A label ends its line only when what it
                        // introduces (a link) follows on the next one.
                        let lines: Vec<&str> = lines(&rendered).collect();
                        for (index, line) in lines.iter().enumerate() {
                            let next = lines.get(index + 1).copied().unwrap_or_default();
                            if (line.ends_with('：') || line.ends_with(':')) && next.is_empty() {
                                faults.push(format!("{place}: empty label in {line:?}"));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(faults.is_empty(), "{}", faults.join("\n"));
}
