//! The agency catalogs review needs, loaded from the catalog folder at
//! start-up. Intake owns the versioned store; review should read the
//! submission's `catalog_version` from it once it can (see docs/review.md).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use laissez_catalog::Catalog;
use laissez_catalog::format::ApplicationType;
use laissez_catalog::rules::{self, Applicant, RuleInput};

#[derive(Clone, Default)]
pub struct Catalogs(Arc<BTreeMap<String, Catalog>>);

impl Catalogs {
    /// Every agency folder under `dir` that loads; broken ones are logged.
    pub fn load(dir: &Path) -> Self {
        let mut catalogs = BTreeMap::new();
        for (folder, loaded) in laissez_catalog::load::load_all(dir) {
            match loaded {
                Ok(catalog) => {
                    catalogs.insert(catalog.agency.code.clone(), catalog);
                }
                Err(errors) => {
                    tracing::error!(%folder, errors = %errors, "agency catalog does not load");
                }
            }
        }
        if catalogs.is_empty() {
            tracing::warn!(dir = %dir.display(), "no agency catalogs loaded: no due dates, no catalog priority rules");
        }
        Self(Arc::new(catalogs))
    }

    pub fn agency(&self, agency: &str) -> Option<&Catalog> {
        self.0.get(agency)
    }

    /// Every agency's catalog.
    pub fn all(&self) -> impl Iterator<Item = &Catalog> {
        self.0.values()
    }

    pub fn application_type(&self, agency: &str, code: &str) -> Option<&ApplicationType> {
        self.agency(agency)?.application_type(code)
    }

    /// Whether a priority rule needs staff to accept the applicant's proof.
    /// Unknown rules are treated as needing proof.
    pub fn proof_required(&self, agency: &str, application_type: &str, rule: &str) -> bool {
        self.application_type(agency, application_type)
            .and_then(|kind| kind.priority_lanes.iter().find(|lane| lane.code == rule))
            .is_none_or(|lane| lane.proof_required)
    }

    /// Whether decisions on the type need a senior's sign-off. Review does
    /// not hold the answers, so the rule is evaluated without them; a rule
    /// that cannot be evaluated asks for sign-off (the safe side).
    pub fn needs_sign_off(&self, agency: &str, application_type: &str) -> bool {
        let Some(rule) = self
            .application_type(agency, application_type)
            .and_then(|kind| kind.senior_sign_off_when.as_deref())
        else {
            return false;
        };
        let today = chrono::Utc::now().date_naive();
        let input = RuleInput {
            answers: serde_json::Map::new(),
            applicant: Applicant::unknown(today),
            record: serde_json::Map::new(),
            today,
            lists: self
                .agency(agency)
                .map(|catalog| laissez_catalog::rules::list_codes(&catalog.code_lists))
                .unwrap_or_default(),
        };
        rules::evaluate_bool(rule, &input).unwrap_or(true)
    }
}
