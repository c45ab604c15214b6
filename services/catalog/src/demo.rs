//! Demo people for a development stack: per agency, staff accounts for every
//! role, applicant accounts, the person records registrations match and the
//! permit records applications look up. One YAML file per agency under
//! `deploy/demo/`; identity loads the accounts and person records, intake
//! the permit records, each only when `demo.dir` is configured (the local
//! stack sets it; both services refuse it in production).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the demo files are; `None` (the default) loads nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DemoConfig {
    pub dir: Option<PathBuf>,
}

/// One agency's demo data (`deploy/demo/<agency>.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAgency {
    /// The agency's code, or `platform` for platform operators.
    pub agency: String,
    /// Every demo account of the file signs in with this password.
    pub password: String,
    #[serde(default)]
    pub staff: Vec<DemoStaff>,
    #[serde(default)]
    pub applicants: Vec<DemoApplicant>,
    #[serde(default)]
    pub person_records: Vec<DemoPersonRecord>,
    #[serde(default)]
    pub permit_records: Vec<DemoPermitRecord>,
}

/// A staff member, active, with an authenticator already enrolled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoStaff {
    pub login_name: String,
    pub display_name: String,
    pub email: String,
    pub roles: Vec<String>,
    /// The authenticator's secret in base32 (RFC 4648), as an authenticator
    /// app takes it.
    pub totp_secret: String,
}

/// An applicant account, active, with its registration fields.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoApplicant {
    pub portal: String,
    pub login_name: String,
    /// `zh-Hant`, `zh-Hans` or `en`.
    pub language: String,
    pub fields: BTreeMap<String, String>,
}

/// An agency's record of a person (registration on a matching portal).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPersonRecord {
    pub portal: String,
    pub fields: BTreeMap<String, String>,
}

/// An agency's record of a permit (applications that refer to one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoPermitRecord {
    pub permit_number: String,
    pub holder_document_number: String,
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_yaml::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// Every `*.yaml` file of `dir`, in name order.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, DemoAgency)>, DemoError> {
    let read = |source| DemoError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read)?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .map_err(read)?;
    paths.retain(|path| path.extension().is_some_and(|ext| ext == "yaml"));
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| DemoError::Read {
                path: path.clone(),
                source,
            })?;
            let agency: DemoAgency =
                serde_yaml::from_str(&text).map_err(|source| DemoError::Parse {
                    path: path.clone(),
                    source,
                })?;
            if agency.password.chars().count() < 12 {
                return Err(DemoError::Invalid {
                    path,
                    message: "password: demo accounts need a password of 12 characters or more"
                        .to_owned(),
                });
            }
            Ok((path, agency))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/demo")
    }

    #[test]
    fn the_shipped_demo_files_load_and_name_every_demo_agency() {
        let loaded = load_dir(&demo_dir()).expect("the demo files load");
        let agencies: Vec<&str> = loaded.iter().map(|(_, a)| a.agency.as_str()).collect();
        for agency in [
            "fj-exit-entry",
            "hk-cts",
            "mo-csm",
            "mo-cts",
            "tw-nia",
            "platform",
        ] {
            assert!(agencies.contains(&agency), "no demo data for {agency}");
        }
        for (path, agency) in &loaded {
            if agency.agency == "platform" {
                continue;
            }
            for role in ["reviewer", "senior_reviewer", "agency_admin", "counter"] {
                assert!(
                    agency
                        .staff
                        .iter()
                        .any(|staff| staff.roles.iter().any(|r| r == role)),
                    "{}: no {role}",
                    path.display()
                );
            }
            assert!(
                !agency.applicants.is_empty(),
                "{}: no applicant",
                path.display()
            );
        }
    }

    #[test]
    fn a_typo_in_a_key_is_an_error_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("laissez-demo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("x.yaml"),
            "agency: x\npassword: Long-enough-123\nstaf: []\n",
        )
        .unwrap();
        let error = load_dir(&dir).unwrap_err().to_string();
        assert!(
            error.contains("x.yaml") && error.contains("staf"),
            "{error}"
        );
        std::fs::write(dir.join("x.yaml"), "agency: x\npassword: short\n").unwrap();
        let error = load_dir(&dir).unwrap_err().to_string();
        assert!(error.contains("password"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
