use super::Language;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Message templates: event type -> language -> texts.
///
/// `templates.yaml` of an agency has the same shape and overrides the
/// platform defaults text by text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSet {
    pub templates: BTreeMap<String, BTreeMap<Language, MessageText>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_app: Option<String>,
}

impl MessageText {
    /// (field name, text) of every text that is set.
    pub fn parts(&self) -> Vec<(&'static str, &str)> {
        [
            ("email_subject", &self.email_subject),
            ("email_text", &self.email_text),
            ("email_html", &self.email_html),
            ("sms", &self.sms),
            ("in_app", &self.in_app),
        ]
        .into_iter()
        .filter_map(|(name, text)| text.as_deref().map(|text| (name, text)))
        .collect()
    }

    /// Overrides every text `other` sets.
    pub fn merge(&mut self, other: &MessageText) {
        let pairs = [
            (&mut self.email_subject, &other.email_subject),
            (&mut self.email_text, &other.email_text),
            (&mut self.email_html, &other.email_html),
            (&mut self.sms, &other.sms),
            (&mut self.in_app, &other.in_app),
        ];
        for (mine, theirs) in pairs {
            if let Some(text) = theirs {
                *mine = Some(text.clone());
            }
        }
    }
}
