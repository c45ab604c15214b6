//! The agencies' catalogs as notify needs them: templates (platform defaults
//! merged with the agency's overrides, variables checked by the catalog
//! loader), the sender, the default language and the names shown in messages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use laissez_catalog::format::{Language, MessageText};
use laissez_catalog::{Catalog, LoadErrors};

use crate::config::EmailConfig;

/// Why the catalogs could not be loaded. Start-up stops on it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("catalog folder {0} has no agency")]
    Empty(PathBuf),
    #[error("catalog of agency {agency} ({dir}) does not load: {errors}")]
    Invalid {
        agency: String,
        dir: PathBuf,
        errors: LoadErrors,
    },
    #[error("catalog in folder {folder} declares agency code {code}")]
    CodeMismatch { folder: String, code: String },
    #[error("invalid language {value:?} configured for {what}")]
    Language { what: String, value: String },
}

/// Who an agency's email comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub name: String,
    pub address: String,
}

/// Every agency's catalog, loaded once at start-up.
#[derive(Debug, Clone)]
pub struct AgencyCatalogs {
    catalogs: BTreeMap<String, Catalog>,
    senders: BTreeMap<String, String>,
    default_sender: String,
    agency_languages: BTreeMap<String, Language>,
    default_language: Language,
}

impl AgencyCatalogs {
    /// Loads every agency folder under `root`; the first invalid catalog
    /// (unknown template variable, missing template, ...) is an error that
    /// names its file, field and reason.
    pub fn load(root: &Path, email: &EmailConfig) -> Result<Self, Error> {
        let mut catalogs = BTreeMap::new();
        for (folder, loaded) in laissez_catalog::load::load_all(root) {
            let catalog = loaded.map_err(|errors| Error::Invalid {
                agency: folder.clone(),
                dir: root.join(&folder),
                errors,
            })?;
            if catalog.agency.code != folder {
                return Err(Error::CodeMismatch {
                    folder,
                    code: catalog.agency.code,
                });
            }
            catalogs.insert(folder, catalog);
        }
        if catalogs.is_empty() {
            return Err(Error::Empty(root.to_path_buf()));
        }
        Self::from_catalogs(catalogs, email)
    }

    pub fn from_catalogs(
        catalogs: BTreeMap<String, Catalog>,
        email: &EmailConfig,
    ) -> Result<Self, Error> {
        let parse = |what: &str, value: &str| {
            Language::parse(value).ok_or_else(|| Error::Language {
                what: what.to_owned(),
                value: value.to_owned(),
            })
        };
        let default_language = parse("email.default_language", &email.default_language)?;
        let mut agency_languages = BTreeMap::new();
        for (agency, value) in &email.agency_languages {
            let language = parse(&format!("email.agency_languages.{agency}"), value)?;
            agency_languages.insert(agency.clone(), language);
        }
        Ok(Self {
            catalogs,
            senders: email.senders.clone(),
            default_sender: email.default_sender.clone(),
            agency_languages,
            default_language,
        })
    }

    pub fn agency(&self, code: &str) -> Option<AgencyView<'_>> {
        self.catalogs.get(code).map(|catalog| AgencyView {
            catalog,
            catalogs: self,
        })
    }

    pub fn agencies(&self) -> impl Iterator<Item = &str> {
        self.catalogs.keys().map(String::as_str)
    }
}

/// One agency's catalog with the service's settings for it.
#[derive(Debug, Clone, Copy)]
pub struct AgencyView<'a> {
    pub catalog: &'a Catalog,
    catalogs: &'a AgencyCatalogs,
}

impl AgencyView<'_> {
    pub fn code(&self) -> &str {
        &self.catalog.agency.code
    }

    pub fn name(&self, language: Language) -> &str {
        self.catalog.agency.name.get(language)
    }

    pub fn time_zone(&self) -> &str {
        &self.catalog.agency.time_zone
    }

    /// The language used when the event names none.
    pub fn default_language(&self) -> Language {
        self.catalogs
            .agency_languages
            .get(self.code())
            .copied()
            .or(self.catalog.agency.default_language)
            .unwrap_or(self.catalogs.default_language)
    }

    /// Configured sender, else the catalog's notification sender, else its
    /// contact email, else the platform's.
    pub fn sender(&self, language: Language) -> Sender {
        let address = self
            .catalogs
            .senders
            .get(self.code())
            .cloned()
            .or_else(|| {
                self.catalog
                    .agency
                    .notifications
                    .as_ref()
                    .map(|n| n.sender_email.clone())
            })
            .or_else(|| self.catalog.agency.contact.email.clone())
            .filter(|address| !address.trim().is_empty())
            .unwrap_or_else(|| self.catalogs.default_sender.clone());
        Sender {
            name: self.name(language).to_owned(),
            address,
        }
    }

    pub fn application_type_name(&self, code: &str, language: Language) -> String {
        self.catalog
            .application_type(code)
            .map(|application_type| application_type.name.get(language).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn portal_name(&self, code: &str, language: Language) -> String {
        self.catalog
            .portals
            .iter()
            .find(|portal| portal.code == code)
            .or_else(|| self.catalog.portals.first())
            .map(|portal| portal.name.get(language).to_owned())
            .unwrap_or_else(|| self.name(language).to_owned())
    }

    /// A payment method's name (its code when the catalog lacks it).
    pub fn payment_method_name(&self, code: &str, language: Language) -> String {
        self.catalog
            .fees
            .payment_methods
            .iter()
            .find(|method| method.code == code)
            .map(|method| method.name.get(language).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn centre(&self, code: &str, language: Language) -> (String, String) {
        match self.catalog.centre(code) {
            Some(centre) => (
                centre.name.get(language).to_owned(),
                centre.address.get(language).to_owned(),
            ),
            None => (code.to_owned(), String::new()),
        }
    }

    /// The event's message in `language`, from the agency's templates.
    pub fn render(
        &self,
        event_type: &str,
        language: Language,
        values: &BTreeMap<String, String>,
    ) -> Result<MessageText, laissez_catalog::templates::Error> {
        laissez_catalog::templates::render_message(
            &self.catalog.templates,
            event_type,
            language,
            values,
        )
    }
}
