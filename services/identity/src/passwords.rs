//! Argon2id hashing off the async runtime, on one dedicated thread per
//! core (each hash takes 19 MiB), and unknown accounts are checked against
//! a dummy hash so they take as long as known ones.
//!
//! Requests queue for the threads, and a thread that finishes a hash takes
//! the next one at once. Handing a core from one hash to the next through
//! the async runtime instead (a permit released by the finished task, the
//! next waiter woken, a blocking task started) left it idle for a few
//! percent of the time under load.
//!
//! Each thread reuses its 19 MiB of verification memory. Allocating it
//! afresh per call made the allocator map and fault in the pages each time,
//! which cost about as much kernel time as the hash itself.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::Output;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, PasswordHasher as _, Version};
use laissez_kit::ServiceError;
use tokio::sync::{mpsc, oneshot};

use crate::config::Argon2Settings;
use crate::domain::password::Password;

/// Requests waiting for a hashing thread; callers beyond it wait to queue.
const QUEUE: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("argon2 parameters are invalid: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

enum Job {
    Hash {
        password: Password,
        reply: oneshot::Sender<Result<String, Error>>,
    },
    Verify {
        password: Password,
        stored: String,
        reply: oneshot::Sender<bool>,
    },
}

#[derive(Clone)]
pub struct PasswordHasher {
    /// The hashing threads' queue; they stop when the last clone is dropped.
    jobs: mpsc::Sender<Job>,
    /// Verification memory for callers of [`Self::verify_blocking`] on
    /// their own threads, at most one buffer per core.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    cores: usize,
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
        let (jobs, queue) = mpsc::channel(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..cores {
            let (queue, params) = (queue.clone(), params.clone());
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || work(&queue, &params))
                .map_err(|error| Error::Hash(format!("no hashing thread: {error}")))?;
        }
        Ok(Self {
            jobs,
            memory: Arc::new(Mutex::new(Vec::with_capacity(cores))),
            cores,
            dummy_hash: dummy_hash.into(),
        })
    }

    async fn run<T>(&self, job: Job, answer: oneshot::Receiver<T>) -> Result<T, ServiceError> {
        self.jobs
            .send(job)
            .await
            .map_err(|_| ServiceError::internal(anyhow::anyhow!("the hashing threads stopped")))?;
        answer
            .await
            .map_err(|_| ServiceError::internal(anyhow::anyhow!("a hashing thread failed")))
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    pub async fn hash(&self, password: &Password) -> Result<String, ServiceError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Hash {
            password: password.clone(),
            reply,
        };
        self.run(job, answer).await?.map_err(ServiceError::internal)
    }

    /// Whether `password` matches `stored`; with no stored hash, the dummy
    /// hash is checked so the caller spends the same time and says no.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, ServiceError> {
        let known = stored.is_some();
        let (reply, answer) = oneshot::channel();
        let job = Job::Verify {
            password: Password::new(password),
            stored: stored.unwrap_or(&self.dummy_hash).to_owned(),
            reply,
        };
        let matched = self.run(job, answer).await?;
        Ok(known && matched)
    }

    /// One verification on the calling thread, with working memory from the
    /// hasher's spare buffers (benchmarks and tests call it directly).
    pub fn verify_blocking(&self, password: &str, stored: &str) -> bool {
        let mut memory = self
            .memory
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        let matched = verify_with(stored, password.as_bytes(), &mut memory);
        // Kept for the next call up to one buffer per core; a surplus is freed.
        if let Ok(mut pool) = self.memory.lock()
            && pool.len() < self.cores
        {
            pool.push(memory);
        }
        matched
    }
}

/// A hashing thread: takes jobs until every sender is gone, keeping its
/// verification memory between them.
fn work(queue: &Mutex<mpsc::Receiver<Job>>, params: &Params) {
    let mut memory = Vec::new();
    loop {
        // One thread waits on the queue at a time; the others wait for it
        // to take a job and let go of the lock.
        let job = queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv();
        match job {
            None => return,
            Some(Job::Hash { password, reply }) => {
                let _ = reply.send(hash_with(params, password.expose().as_bytes()));
            }
            Some(Job::Verify {
                password,
                stored,
                reply,
            }) => {
                let _ = reply.send(verify_with(
                    &stored,
                    password.expose().as_bytes(),
                    &mut memory,
                ));
            }
        }
    }
}

fn hash_with(params: &Params, password: &[u8]) -> Result<String, Error> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|error| Error::Hash(error.to_string()))
}

/// Recomputes the hash of `password` with the stored hash's algorithm,
/// version, parameters and salt in `memory` (grown as needed) and compares
/// the outputs in constant time.
fn verify_with(stored: &str, password: &[u8], memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::new(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version {
        Some(version) => match Version::try_from(version) {
            Ok(version) => version,
            Err(_) => return false,
        },
        None => Version::default(),
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut computed = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password,
        salt.as_ref(),
        &mut computed,
        &mut memory[..blocks],
    );
    hashed.is_ok() && Output::new(&computed).is_ok_and(|computed| &computed == expected)
}

#[cfg(test)]
fn default_params() -> Params {
    let settings = Argon2Settings::default();
    Params::new(
        settings.memory_kib,
        settings.iterations,
        settings.parallelism,
        None,
    )
    .unwrap()
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

    /// More callers than hashing threads: every answer comes back, and to
    /// the caller who asked (right and wrong passwords interleaved).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_each_get_their_own_answer() {
        let hasher = PasswordHasher::new(Argon2Settings {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap();
        let hash = hasher.hash(&Password::new("right")).await.unwrap();
        let mut tasks = Vec::new();
        for index in 0..24 {
            let (hasher, hash) = (hasher.clone(), hash.clone());
            tasks.push(tokio::spawn(async move {
                let password = if index % 3 == 0 { "right" } else { "wrong" };
                (index, hasher.verify(password, Some(&hash)).await.unwrap())
            }));
        }
        for task in tasks {
            let (index, matched) = task.await.unwrap();
            assert_eq!(matched, index % 3 == 0, "caller {index}");
        }
    }

    /// The pooled working memory serves hashes made with other parameters
    /// (stored before a parameter change), larger or smaller, and agrees
    /// with the argon2 crate's own verifier.
    #[test]
    fn pooled_memory_verifies_hashes_of_any_parameters() {
        use argon2::PasswordVerifier as _;
        let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
        let small = hash_with(&Params::new(1024, 1, 1, None).unwrap(), b"pw-small").unwrap();
        let large = hash_with(&Params::new(32 * 1024, 2, 2, None).unwrap(), b"pw-large").unwrap();
        let current = hash_with(&default_params(), b"pw-now").unwrap();
        for _ in 0..2 {
            for (hash, password) in [
                (&large, "pw-large"),
                (&small, "pw-small"),
                (&current, "pw-now"),
            ] {
                assert!(hasher.verify_blocking(password, hash), "{hash}");
                assert!(!hasher.verify_blocking("pw-other", hash), "{hash}");
                let parsed = PasswordHash::new(hash).unwrap();
                assert!(
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                );
            }
        }
        // A hash cut short or with its output altered never matches.
        assert!(!hasher.verify_blocking("pw-now", &current[..current.len() - 4]));
        let mut altered = current.clone();
        altered.pop();
        altered.push(if current.ends_with('A') { 'B' } else { 'A' });
        assert!(!hasher.verify_blocking("pw-now", &altered));
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    #[test]
    #[ignore = "prints the speed of one verification in this profile"]
    fn print_verification_speed() {
        let hasher = PasswordHasher::new(Argon2Settings::default()).unwrap();
        let hash = hash_with(&default_params(), b"x").unwrap();
        let started = std::time::Instant::now();
        for _ in 0..10 {
            hasher.verify_blocking("x", &hash);
        }
        println!("one verification: {:?}", started.elapsed() / 10);
    }
}
