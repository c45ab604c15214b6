//! Argon2id hashing off the async runtime. At most one hash per core runs at
//! a time (each takes 19 MiB), and unknown accounts are checked against a
//! dummy hash so they take as long as known ones.

use std::sync::Arc;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version,
};
use laissez_kit::ServiceError;
use tokio::sync::Semaphore;

use crate::config::Argon2Settings;
use crate::domain::password::Password;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("argon2 parameters are invalid: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(settings: Argon2Settings) -> Result<Self, Error> {
        let params = Params::new(
            settings.memory_kib,
            settings.iterations,
            settings.parallelism,
            None,
        )
        .map_err(|error| Error::Params(error.to_string()))?;
        let cores = std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2);
        let mut random = [0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
        let dummy_hash = hash_with(&params, &random)?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: dummy_hash.into(),
        })
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &Password) -> Result<String, ServiceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(ServiceError::internal)?;
        let params = self.params.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || hash_with(&params, password.expose().as_bytes()))
            .await
            .map_err(ServiceError::internal)?
            .map_err(ServiceError::internal)
    }

    /// Whether `password` matches `stored`; with no stored hash, the dummy
    /// hash is checked so the caller spends the same time and says no.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ServiceError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(ServiceError::internal)?;
        let known = stored.is_some();
        let hash: String = stored
            .map(str::to_owned)
            .unwrap_or_else(|| self.dummy_hash.to_string());
        let password = Password::new(password);
        let matched =
            tokio::task::spawn_blocking(move || verify_with(&hash, password.expose().as_bytes()))
                .await
                .map_err(ServiceError::internal)?;
        Ok(known && matched)
    }

    /// One verification on the calling thread (benchmarks).
    pub fn verify_blocking(&self, password: &str, stored: &str) -> bool {
        verify_with(stored, password.as_bytes())
    }
}

fn hash_with(params: &Params, password: &[u8]) -> Result<String, Error> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Hash(error.to_string()))
}

fn verify_with(stored: &str, password: &[u8]) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default().verify_password(password, &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
        let hash = hasher.hash(&Password::new("Tr4velling!")).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(hasher.verify("Tr4velling!", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("wrong", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("Tr4velling!", None).await.unwrap());
        assert!(!hasher.verify("x", Some("not a hash")).await.unwrap());
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    #[test]
    #[ignore = "prints the speed of one verification in this profile"]
    fn print_verification_speed() {
        let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
        let hash = hash_with(&hasher.params, b"x").unwrap();
        let started = std::time::Instant::now();
        for _ in 0..10 {
            hasher.verify_blocking("x", &hash);
        }
        println!("one verification: {:?}", started.elapsed() / 10);
    }
}
