//! The catalog format: what an agency declares in `deploy/agencies/<code>/`.
//!
//! Every struct here is both the YAML shape (deserialised with unknown fields
//! denied, so a typo is an error) and the JSON shape stored per version.

mod agency;
mod application;
mod calendar;
mod documents;
mod fees;
mod money;
mod records;
mod templates;

pub use agency::*;
pub use application::*;
pub use calendar::*;
pub use documents::*;
pub use fees::*;
pub use money::*;
pub use records::*;
pub use templates::*;

use serde::{Deserialize, Serialize};

/// The languages every catalog text must be given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "zh-Hant")]
    ZhHant,
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::ZhHant, Language::ZhHans, Language::En];

    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHant => "zh-Hant",
            Language::ZhHans => "zh-Hans",
            Language::En => "en",
        }
    }

    pub fn parse(tag: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|language| language.tag().eq_ignore_ascii_case(tag))
    }

    /// The language a message's `laissez.common.v1.Language` number names
    /// (1 zh-Hant, 2 zh-Hans, 3 en); `None` for unspecified or unknown, so
    /// each caller says what it falls back to.
    pub fn from_wire(value: i32) -> Option<Language> {
        match value {
            1 => Some(Language::ZhHant),
            2 => Some(Language::ZhHans),
            3 => Some(Language::En),
            _ => None,
        }
    }
}

/// A text in the three languages of the platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    #[serde(rename = "zh-Hant", default)]
    pub zh_hant: String,
    #[serde(rename = "zh-Hans", default)]
    pub zh_hans: String,
    #[serde(default)]
    pub en: String,
}

impl LocalizedText {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::ZhHant => &self.zh_hant,
            Language::ZhHans => &self.zh_hans,
            Language::En => &self.en,
        }
    }

    /// The text in every language with `suffix` after it.
    pub fn with_suffix(&self, suffix: &str) -> LocalizedText {
        LocalizedText {
            zh_hant: format!("{}{suffix}", self.zh_hant),
            zh_hans: format!("{}{suffix}", self.zh_hans),
            en: format!("{}{suffix}", self.en),
        }
    }

    /// Languages whose text is empty.
    pub fn missing_languages(&self) -> Vec<Language> {
        Language::ALL
            .into_iter()
            .filter(|language| self.get(*language).trim().is_empty())
            .collect()
    }
}

/// The whole catalog of one agency, as loaded from its folder and validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub agency: Agency,
    pub portals: Vec<Portal>,
    #[serde(default)]
    pub code_lists: std::collections::BTreeMap<String, Vec<CodeItem>>,
    /// The declared shape of the agency's permit records.
    #[serde(default)]
    pub records: RecordShapes,
    #[serde(default)]
    pub centres: Vec<ServiceCentre>,
    pub numbers: NumberFormats,
    #[serde(default)]
    pub announcements: Vec<Announcement>,
    pub application_types: Vec<ApplicationType>,
    pub fees: FeeSchedule,
    pub calendar: Calendar,
    /// Platform defaults merged with the agency's overrides.
    pub templates: TemplateSet,
    /// The documents the agency issues, with their templates.
    #[serde(default)]
    pub documents: Vec<DocumentTemplate>,
}

impl Catalog {
    pub fn application_type(&self, code: &str) -> Option<&ApplicationType> {
        self.application_types
            .iter()
            .find(|application_type| application_type.code == code)
    }

    /// The stages a case of `application_type` with these answers goes
    /// through: the type's workflow, where of the stages that hand the
    /// document over (`pickup`, `delivery`) only the chosen delivery
    /// option's is kept. With no option chosen yet, the workflow as written.
    pub fn workflow_for(
        &self,
        application_type: &ApplicationType,
        answers: &serde_json::Map<String, serde_json::Value>,
    ) -> Vec<Stage> {
        let chosen = application_type
            .chosen_delivery(answers)
            .and_then(|code| {
                self.fees
                    .delivery_options
                    .iter()
                    .find(|option| option.code == code)
            })
            .map(|option| option.stage);
        application_type
            .workflow
            .iter()
            .copied()
            .filter(|stage| match (stage, chosen) {
                (Stage::Pickup | Stage::Delivery, Some(chosen)) => *stage == chosen,
                _ => true,
            })
            .collect()
    }

    /// The template of the document of `kind` a case of `application_type` gets.
    pub fn document(
        &self,
        kind: DocumentKind,
        application_type: &str,
    ) -> Option<&DocumentTemplate> {
        self.documents
            .iter()
            .find(|document| document.kind == kind && document.applies_to(application_type))
    }

    pub fn centre(&self, code: &str) -> Option<&ServiceCentre> {
        self.centres.iter().find(|centre| centre.code == code)
    }
}
