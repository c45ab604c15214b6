//! Signed seals: the payload a sealed document's QR code holds, shaped
//! like ICAO's visible digital seal for non-constrained environments
//! (VDS-NC, Doc 9303 part 13): `{"data": {"hdr": …, "msg": …}, "sig": …}`,
//! signed with ECDSA P-256 over SHA-256 by the issuing agency's key.
//!
//! The signature covers the canonical JSON of `data` (keys sorted, no
//! white space), so a verifier re-encodes what it parsed and needs nothing
//! but the agency's public key.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use serde::{Deserialize, Serialize};

/// The longest seal text accepted (a QR code holds less).
pub const MAX_SEAL_BYTES: usize = 4096;
pub const ALGORITHM: &str = "ES256";

/// What the seal signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealData {
    pub hdr: Header,
    pub msg: Message,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Document type: `laissez.<kind>`.
    pub t: String,
    /// Payload version.
    pub v: u32,
    /// Issuing agency (its catalog code).
    pub is: String,
}

/// The holder's data as printed on the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Document id (what revocation is checked against).
    pub did: String,
    /// Document number (permit, receipt).
    pub no: String,
    /// Holder's name.
    pub nam: String,
    /// Date of birth, YYYY-MM-DD (empty when the document has none).
    #[serde(default)]
    pub dob: String,
    /// Date of issue.
    pub doi: String,
    /// Date of expiry (empty when none).
    #[serde(default)]
    pub doe: String,
    /// Application type code.
    #[serde(default)]
    pub ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealSignature {
    pub alg: String,
    /// The agency's key id.
    pub kid: String,
    /// r‖s, base64url without padding.
    pub sigvl: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub data: SealData,
    pub sig: SealSignature,
}

impl SealData {
    pub fn kind(&self) -> &str {
        self.hdr.t.strip_prefix("laissez.").unwrap_or(&self.hdr.t)
    }
}

/// The bytes a seal's signature covers.
pub fn canonical(data: &SealData) -> Vec<u8> {
    let value = serde_json::to_value(data).unwrap_or_default();
    let mut out = Vec::new();
    write_canonical(&value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut Vec<u8>) {
    match value {
        serde_json::Value::Object(map) => {
            let sorted: BTreeMap<&String, &serde_json::Value> = map.iter().collect();
            out.push(b'{');
            for (index, (key, value)) in sorted.into_iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                out.extend(serde_json::to_vec(key).unwrap_or_default());
                out.push(b':');
                write_canonical(value, out);
            }
            out.push(b'}');
        }
        serde_json::Value::Array(items) => {
            out.push(b'[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(b',');
                }
                write_canonical(item, out);
            }
            out.push(b']');
        }
        other => out.extend(serde_json::to_vec(other).unwrap_or_default()),
    }
}

/// Why a seal does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the seal is longer than {MAX_SEAL_BYTES} bytes")]
    TooLong,
    #[error("the seal is not a seal: {0}")]
    Malformed(String),
    #[error("the seal uses algorithm {0}, not ES256")]
    Algorithm(String),
    #[error("no key {kid} of agency {agency} is known")]
    UnknownKey { agency: String, kid: String },
    #[error("the signature does not match the data")]
    BadSignature,
}

/// A signed seal as text, the way it travels in a QR code: JSON with every
/// non-ASCII character escaped (`\uXXXX`), so that any reader decodes the
/// same text whatever character set it guesses for the code's bytes (a
/// QR code's byte mode does not say; zbar reads a name such as 鄭 as
/// Shift JIS). The signature covers the canonical data, not this text.
pub fn seal_text(seal: &Seal) -> String {
    let json = serde_json::to_string(seal).unwrap_or_default();
    let mut text = String::with_capacity(json.len());
    let mut units = [0u16; 2];
    for character in json.chars() {
        if character.is_ascii() {
            text.push(character);
        } else {
            for unit in character.encode_utf16(&mut units) {
                text.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    text
}

/// Parses a seal's text and checks its signature with `key_of(agency, kid)`.
pub fn verify_with(
    text: &str,
    key_of: impl Fn(&str, &str) -> Option<VerifyingKey>,
) -> Result<SealData, SealError> {
    let text = text.trim();
    if text.len() > MAX_SEAL_BYTES {
        return Err(SealError::TooLong);
    }
    let seal: Seal =
        serde_json::from_str(text).map_err(|error| SealError::Malformed(error.to_string()))?;
    if seal.sig.alg != ALGORITHM {
        return Err(SealError::Algorithm(seal.sig.alg));
    }
    let key = key_of(&seal.data.hdr.is, &seal.sig.kid).ok_or_else(|| SealError::UnknownKey {
        agency: seal.data.hdr.is.clone(),
        kid: seal.sig.kid.clone(),
    })?;
    let raw = URL_SAFE_NO_PAD
        .decode(seal.sig.sigvl.as_bytes())
        .map_err(|_| SealError::BadSignature)?;
    let signature = Signature::from_slice(&raw).map_err(|_| SealError::BadSignature)?;
    key.verify(&canonical(&seal.data), &signature)
        .map_err(|_| SealError::BadSignature)?;
    Ok(seal.data)
}

/// One agency key, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub agency: String,
    pub key_id: String,
    pub public_key_pem: String,
    pub signing: bool,
}

/// Parses published keys back (the offline verifier's input).
pub fn verifying_keys(
    keys: &[PublicKey],
) -> Result<HashMap<(String, String), VerifyingKey>, String> {
    keys.iter()
        .map(|key| {
            VerifyingKey::from_public_key_pem(&key.public_key_pem)
                .map(|parsed| ((key.agency.clone(), key.key_id.clone()), parsed))
                .map_err(|error| format!("key {} of {}: {error}", key.key_id, key.agency))
        })
        .collect()
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("agency {0} has no seal key (add one under the seal key folder)")]
    Missing(String),
    #[error("seal key {path}: {reason}")]
    Unreadable { path: String, reason: String },
}

struct AgencyKeys {
    signing: Option<(String, SigningKey)>,
    verifying: Vec<(String, VerifyingKey)>,
}

/// The agencies' keys, read from `<dir>/<agency>/<kid>.pem` (or
/// `<dir>/<agency>__<kid>.pem`) when first needed.
pub struct KeyRing {
    dir: PathBuf,
    generate_missing: bool,
    agencies: RwLock<HashMap<String, std::sync::Arc<AgencyKeys>>>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|character| {
            character.is_ascii_lowercase() || character.is_ascii_digit() || character == '-'
        })
}

impl KeyRing {
    pub fn new(dir: impl Into<PathBuf>, generate_missing: bool) -> KeyRing {
        KeyRing {
            dir: dir.into(),
            generate_missing,
            agencies: RwLock::default(),
        }
    }

    fn agency(&self, agency: &str) -> Result<std::sync::Arc<AgencyKeys>, KeyError> {
        if let Ok(agencies) = self.agencies.read()
            && let Some(keys) = agencies.get(agency)
        {
            return Ok(keys.clone());
        }
        if !valid_name(agency) {
            return Err(KeyError::Missing(agency.to_owned()));
        }
        let mut keys = read_agency(&self.dir, agency)?;
        if keys.signing.is_none() && self.generate_missing {
            let kid = format!("{agency}-{}", chrono::Utc::now().format("%Y%m%d"));
            generate(&self.dir.join(agency), &kid)?;
            keys = read_agency(&self.dir, agency)?;
        }
        if let Some(created) = keys
            .signing
            .as_ref()
            .and_then(|(kid, _)| key_created_at(kid))
        {
            // Keys are rotated yearly (docs/runbooks/seal-key-rotation-due.md).
            metrics::gauge!("render_seal_signing_key_created_timestamp_seconds", "agency" => agency.to_owned())
                .set(created as f64);
        }
        let keys = std::sync::Arc::new(keys);
        if let Ok(mut agencies) = self.agencies.write() {
            agencies.insert(agency.to_owned(), keys.clone());
        }
        Ok(keys)
    }

    /// Signs `data` with the agency's newest key, writing the key id in.
    pub fn sign(&self, data: SealData) -> Result<Seal, KeyError> {
        let keys = self.agency(&data.hdr.is)?;
        let (kid, key) = keys
            .signing
            .as_ref()
            .ok_or_else(|| KeyError::Missing(data.hdr.is.clone()))?;
        let signature: Signature = key.sign(&canonical(&data));
        Ok(Seal {
            data,
            sig: SealSignature {
                alg: ALGORITHM.to_owned(),
                kid: kid.clone(),
                sigvl: URL_SAFE_NO_PAD.encode(signature.to_bytes()),
            },
        })
    }

    pub fn verifying_key(&self, agency: &str, kid: &str) -> Option<VerifyingKey> {
        let keys = self.agency(agency).ok()?;
        keys.verifying
            .iter()
            .find(|(id, _)| id == kid)
            .map(|(_, key)| *key)
    }

    /// Every agency's public keys (each folder under the key folder).
    pub fn public_keys(&self) -> Vec<PublicKey> {
        let mut agencies: Vec<String> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|entry| {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if entry.path().is_dir() {
                            Some(name)
                        } else {
                            name.split_once("__").map(|(agency, _)| agency.to_owned())
                        }
                    })
                    .filter(|name| valid_name(name))
                    .collect()
            })
            .unwrap_or_default();
        agencies.sort();
        agencies.dedup();
        let mut published = Vec::new();
        for agency in agencies {
            let Ok(keys) = self.agency(&agency) else {
                continue;
            };
            let signing = keys.signing.as_ref().map(|(kid, _)| kid.as_str());
            for (kid, key) in &keys.verifying {
                let Ok(pem) = key.to_public_key_pem(LineEnding::LF) else {
                    continue;
                };
                published.push(PublicKey {
                    agency: agency.clone(),
                    key_id: kid.clone(),
                    public_key_pem: pem,
                    signing: signing == Some(kid.as_str()),
                });
            }
        }
        published
    }
}

/// The key files of `agency`: `<dir>/<agency>/<kid>.pem` or, flat (as a
/// Kubernetes secret mounts its entries), `<dir>/<agency>__<kid>.pem`;
/// each as (key file name without the agency prefix, path).
fn key_files(dir: &Path, agency: &str) -> Result<Vec<(String, PathBuf)>, KeyError> {
    let unreadable = |path: &Path, error: std::io::Error| KeyError::Unreadable {
        path: path.display().to_string(),
        reason: error.to_string(),
    };
    let mut files = Vec::new();
    let folder = dir.join(agency);
    match std::fs::read_dir(&folder) {
        Ok(entries) => {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                files.push((name, entry.path()));
            }
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(unreadable(&folder, error)),
    }
    let prefix = format!("{agency}__");
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(rest) = name.strip_prefix(&prefix) {
                files.push((rest.to_owned(), entry.path()));
            }
        }
    }
    Ok(files)
}

/// When a key was made, from the `-YYYYMMDD` its id ends with (the ids
/// `generate` gives and the operations guide asks for), as a Unix time.
fn key_created_at(kid: &str) -> Option<i64> {
    let (_, date) = kid.rsplit_once('-')?;
    let date = chrono::NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

fn read_agency(dir: &Path, agency: &str) -> Result<AgencyKeys, KeyError> {
    let mut files = key_files(dir, agency)?;
    files.sort();
    let mut keys = AgencyKeys {
        signing: None,
        verifying: Vec::new(),
    };
    for (name, path) in files {
        let name = name.as_str();
        let unreadable = |reason: String| KeyError::Unreadable {
            path: path.display().to_string(),
            reason,
        };
        if let Some(kid) = name.strip_suffix(".pub.pem") {
            let text =
                std::fs::read_to_string(&path).map_err(|error| unreadable(error.to_string()))?;
            let key = VerifyingKey::from_public_key_pem(&text)
                .map_err(|error| unreadable(error.to_string()))?;
            if !keys.verifying.iter().any(|(id, _)| id == kid) {
                keys.verifying.push((kid.to_owned(), key));
            }
        } else if let Some(kid) = name.strip_suffix(".pem") {
            let text =
                std::fs::read_to_string(&path).map_err(|error| unreadable(error.to_string()))?;
            let key =
                SigningKey::from_pkcs8_pem(&text).map_err(|error| unreadable(error.to_string()))?;
            keys.verifying.retain(|(id, _)| id != kid);
            keys.verifying.push((kid.to_owned(), *key.verifying_key()));
            // Sorted by name: the last private key is the newest.
            keys.signing = Some((kid.to_owned(), key));
        }
    }
    keys.verifying.sort_by(|left, right| left.0.cmp(&right.0));
    Ok(keys)
}

/// Writes a new private key `<folder>/<kid>.pem` (mode 0600).
pub fn generate(folder: &Path, kid: &str) -> Result<PathBuf, KeyError> {
    let failed = |reason: String| KeyError::Unreadable {
        path: folder.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(folder).map_err(|error| failed(error.to_string()))?;
    let key = SigningKey::random(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|error| failed(error.to_string()))?;
    let path = folder.join(format!("{kid}.pem"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    use std::io::Write as _;
    let mut file = match options.open(&path) {
        Ok(file) => file,
        // Another render created it first: use theirs.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => return Ok(path),
        Err(error) => return Err(failed(error.to_string())),
    };
    file.write_all(pem.as_bytes())
        .map_err(|error| failed(error.to_string()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_travels_as_ascii_and_verifies_as_signed() {
        let folder = tempfile::tempdir().unwrap();
        let keys = KeyRing::new(folder.path(), true);
        let seal = keys
            .sign(SealData {
                hdr: Header {
                    t: "laissez.e_permit".into(),
                    v: 1,
                    is: "tw-nia".into(),
                },
                msg: Message {
                    did: "d-1".into(),
                    no: "1086952000001".into(),
                    nam: "鄭**".into(),
                    ..Message::default()
                },
            })
            .unwrap();
        let text = seal_text(&seal);
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains(r"\u912d**"), "{text}");
        let data = verify_with(&text, |agency, kid| keys.verifying_key(agency, kid)).unwrap();
        assert_eq!(data.msg.nam, "鄭**");
        // Outside the basic plane: a surrogate pair.
        let mut wide = seal.clone();
        wide.data.msg.nam = "𠀀".into();
        assert!(seal_text(&wide).contains(r"\ud840\udc00"));
    }

    #[test]
    fn a_key_id_ending_in_a_date_says_when_the_key_was_made() {
        assert_eq!(key_created_at("tw-nia-20261207"), Some(1_796_601_600));
        assert_eq!(key_created_at("tw-nia-2026"), None);
        assert_eq!(key_created_at("legacy"), None);
    }
}
