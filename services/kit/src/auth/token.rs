//! Internal tokens: compact JWS (`header.claims.signature`, base64url) signed
//! with Ed25519 (`alg: EdDSA`), naming subject, agency, portal, roles and a
//! key id. Identity mints them; every service verifies them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::Role;

/// The longest lifetime a token may claim; longer ones are refused.
pub const MAX_LIFETIME_SECONDS: i64 = 300;
pub const ISSUER: &str = "laissez-identity";
pub const AUDIENCE: &str = "laissez";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// Account id of the caller.
    pub sub: String,
    /// Agency (tenant) code; empty for platform operators.
    pub agency: String,
    pub portal: String,
    pub roles: Vec<Role>,
    /// Session the token was exchanged from, so revocation can be traced.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is malformed")]
    Malformed,
    #[error("token algorithm is not EdDSA")]
    WrongAlgorithm,
    #[error("token key id is unknown")]
    UnknownKey,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token has expired")]
    Expired,
    #[error("token is not yet valid")]
    NotYetValid,
    #[error("token lifetime exceeds the maximum")]
    LifetimeTooLong,
    #[error("token issuer or audience is wrong")]
    WrongIssuer,
}

/// A named Ed25519 key pair that signs tokens.
#[derive(Clone)]
pub struct TokenSigner {
    key_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    pub fn new(key_id: impl Into<String>, secret_key: [u8; 32]) -> Self {
        Self {
            key_id: key_id.into(),
            key: SigningKey::from_bytes(&secret_key),
        }
    }

    pub fn generate(key_id: impl Into<String>) -> Self {
        let mut secret = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
        Self::new(key_id, secret)
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn secret_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let header = Header {
            alg: "EdDSA".into(),
            typ: "JWT".into(),
            kid: self.key_id.clone(),
        };
        // Serializing plain structs of strings and numbers cannot fail.
        let header = serde_json::to_vec(&header).unwrap_or_default();
        let claims = serde_json::to_vec(claims).unwrap_or_default();
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

/// The public keys tokens are checked against, by key id. Shared and
/// refreshable: identity rotates keys, and the old key stays here until its
/// tokens have expired.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: Arc<RwLock<HashMap<String, VerifyingKey>>>,
}

impl KeySet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a key; a malformed key is refused.
    pub fn insert(&self, key_id: &str, public_key: &[u8]) -> Result<(), TokenError> {
        let bytes: [u8; 32] = public_key.try_into().map_err(|_| TokenError::Malformed)?;
        let key = VerifyingKey::from_bytes(&bytes).map_err(|_| TokenError::Malformed)?;
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(key_id.to_owned(), key);
        }
        Ok(())
    }

    /// Replaces the whole set (after fetching identity's current keys).
    pub fn replace(&self, keys: Vec<(String, Vec<u8>)>) -> Result<(), TokenError> {
        let mut parsed = HashMap::new();
        for (key_id, public_key) in keys {
            let bytes: [u8; 32] = public_key
                .as_slice()
                .try_into()
                .map_err(|_| TokenError::Malformed)?;
            let key = VerifyingKey::from_bytes(&bytes).map_err(|_| TokenError::Malformed)?;
            parsed.insert(key_id, key);
        }
        if let Ok(mut keys) = self.keys.write() {
            *keys = parsed;
        }
        Ok(())
    }

    pub fn contains(&self, key_id: &str) -> bool {
        self.keys
            .read()
            .map(|keys| keys.contains_key(key_id))
            .unwrap_or(false)
    }

    fn get(&self, key_id: &str) -> Option<VerifyingKey> {
        self.keys
            .read()
            .ok()
            .and_then(|keys| keys.get(key_id).copied())
    }

    /// The key id a token names, without checking anything else.
    pub fn key_id_of(token: &str) -> Result<String, TokenError> {
        let header = token.split('.').next().ok_or(TokenError::Malformed)?;
        let header = URL_SAFE_NO_PAD
            .decode(header)
            .map_err(|_| TokenError::Malformed)?;
        let header: Header = serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        Ok(header.kid)
    }

    /// Checks signature, algorithm, issuer, audience, expiry and lifetime.
    pub fn verify(&self, token: &str, now: i64, leeway: i64) -> Result<Claims, TokenError> {
        if token.len() > 8 * 1024 {
            return Err(TokenError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(header_b64), Some(claims_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| TokenError::Malformed)?;
        let header: Header = serde_json::from_slice(&header).map_err(|_| TokenError::Malformed)?;
        if header.alg != "EdDSA" {
            return Err(TokenError::WrongAlgorithm);
        }
        let key = self.get(&header.kid).ok_or(TokenError::UnknownKey)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|_| TokenError::Malformed)?;
        let signature = Signature::from_slice(&signature).map_err(|_| TokenError::Malformed)?;
        let signing_input = &token[..header_b64.len() + 1 + claims_b64.len()];
        key.verify(signing_input.as_bytes(), &signature)
            .map_err(|_| TokenError::BadSignature)?;

        let claims = URL_SAFE_NO_PAD
            .decode(claims_b64)
            .map_err(|_| TokenError::Malformed)?;
        let claims: Claims = serde_json::from_slice(&claims).map_err(|_| TokenError::Malformed)?;
        if claims.iss != ISSUER || claims.aud != AUDIENCE {
            return Err(TokenError::WrongIssuer);
        }
        if claims.exp - claims.iat > MAX_LIFETIME_SECONDS {
            return Err(TokenError::LifetimeTooLong);
        }
        if now > claims.exp + leeway {
            return Err(TokenError::Expired);
        }
        if claims.iat > now + leeway {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(now: i64) -> Claims {
        Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: "acct-1".into(),
            agency: "tw-nia".into(),
            portal: "mainland-students".into(),
            roles: vec![Role::Applicant],
            sid: "s1".into(),
            iat: now,
            exp: now + 120,
            jti: "j1".into(),
        }
    }

    #[test]
    fn round_trip_and_refusals() {
        let signer = TokenSigner::generate("k1");
        let keys = KeySet::new();
        keys.insert("k1", &signer.public_key()).unwrap();
        let now = 1_800_000_000;
        let token = signer.sign(&claims(now));
        assert_eq!(keys.verify(&token, now + 10, 5).unwrap(), claims(now));
        assert_eq!(keys.verify(&token, now + 200, 5), Err(TokenError::Expired));
        assert_eq!(
            keys.verify(&token, now - 100, 5),
            Err(TokenError::NotYetValid)
        );

        let stranger = TokenSigner::generate("k1");
        assert_eq!(
            keys.verify(&stranger.sign(&claims(now)), now, 5),
            Err(TokenError::BadSignature)
        );
        let unknown = TokenSigner::generate("k9");
        assert_eq!(
            keys.verify(&unknown.sign(&claims(now)), now, 5),
            Err(TokenError::UnknownKey)
        );

        let mut long = claims(now);
        long.exp = now + 3600;
        assert_eq!(
            keys.verify(&signer.sign(&long), now, 5),
            Err(TokenError::LifetimeTooLong)
        );

        // Tampering with the claims (e.g. another agency) breaks the signature.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut forged = claims(now);
        forged.agency = "hk-agency".into();
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(
            keys.verify(&parts.join("."), now, 5),
            Err(TokenError::BadSignature)
        );

        assert_eq!(keys.verify("a.b", now, 5), Err(TokenError::Malformed));
        assert_eq!(keys.verify("", now, 5), Err(TokenError::Malformed));
    }

    #[test]
    fn alg_none_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT","kid":"k1"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(0)).unwrap());
        let keys = KeySet::new();
        assert_eq!(
            keys.verify(&format!("{header}.{body}."), 0, 5),
            Err(TokenError::WrongAlgorithm)
        );
    }
}
