//! Checks of message templates and their merge over the platform defaults.

use super::checks::Report;
use super::{Parts, SourceFile};
use crate::format::{Language, TemplateSet};
use crate::templates;

fn check_templates(report: &mut Report<'_>, source: &SourceFile, set: &TemplateSet) {
    for (event, languages) in &set.templates {
        let Some(variables) = templates::variables_of(event) else {
            report.at(
                source,
                format!("templates.{event}"),
                format!("unknown event type `{event}`"),
            );
            continue;
        };
        for (language, text) in languages {
            for (part, body) in text.parts() {
                let path = format!("templates.{event}.{}.{part}", language.tag());
                match templates::variables_used(body) {
                    Err(error) => report.at(source, path, error.to_string()),
                    Ok(used) => {
                        for name in used
                            .iter()
                            .filter(|name| !variables.contains(&name.as_str()))
                        {
                            report.at(
                                source,
                                path.clone(),
                                format!("template uses unknown variable `{name}` (event {event} provides: {})", variables.join(", ")),
                            );
                        }
                    }
                }
            }
        }
    }
}

pub(crate) fn merge_templates(report: &mut Report<'_>, parts: &Parts<'_>) -> Option<TemplateSet> {
    let (default_source, defaults) = parts.default_templates.as_ref()?;
    check_templates(report, default_source, defaults);
    let mut merged = defaults.clone();
    if let Some((source, overrides)) = &parts.templates {
        check_templates(report, source, overrides);
        for (event, languages) in &overrides.templates {
            let target = merged.templates.entry(event.clone()).or_default();
            for (language, text) in languages {
                target.entry(*language).or_default().merge(text);
            }
        }
    }
    for (event, _) in templates::EVENT_VARIABLES {
        for language in Language::ALL {
            let present = merged
                .templates
                .get(*event)
                .and_then(|languages| languages.get(&language))
                .is_some();
            if !present {
                report.at(
                    default_source,
                    format!("templates.{event}"),
                    format!("no template in {}", language.tag()),
                );
            }
        }
    }
    Some(merged)
}
