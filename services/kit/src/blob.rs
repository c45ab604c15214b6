//! Blob storage behind a small trait: the local filesystem by default, an
//! S3-compatible store (object_store) by configuration. Keys are relative
//! paths the services build themselves (intake's:
//! `<agency>/<first two hex digits of the sha256>/<case>-<sha256>`); they
//! are checked so a key can never leave the store's root.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::ObjectStore;

use crate::config::{BlobBackend, BlobConfig};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("blob key {0:?} is not a safe relative path")]
    UnsafeKey(String),
    #[error("blob {0:?} not found")]
    NotFound(String),
    #[error("blob store i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("blob store: {0}")]
    Store(String),
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    async fn put(&self, key: &str, content: Bytes) -> Result<(), Error>;
    async fn get(&self, key: &str) -> Result<Bytes, Error>;
    async fn delete(&self, key: &str) -> Result<(), Error>;
    async fn exists(&self, key: &str) -> Result<bool, Error>;
}

fn checked_key(key: &str) -> Result<&Path, Error> {
    let path = Path::new(key);
    let safe = !key.is_empty()
        && !key.contains('\0')
        && path
            .components()
            .all(|component| matches!(component, Component::Normal(_)));
    if safe {
        Ok(path)
    } else {
        Err(Error::UnsafeKey(key.to_owned()))
    }
}

/// Writes `content` to a temporary file beside `path`, then renames it into
/// place, so a reader sees the whole blob or none.
fn write_atomically(path: &Path, content: &[u8]) -> Result<(), Error> {
    let temporary = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
    if let Err(error) = std::fs::write(&temporary, content) {
        if error.kind() != std::io::ErrorKind::NotFound {
            return Err(error.into());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&temporary, content)?;
    }
    if let Err(error) = std::fs::rename(&temporary, path) {
        let _ = std::fs::remove_file(&temporary);
        return Err(error.into());
    }
    Ok(())
}

/// Blobs as files under a root directory; writes are atomic (temp + rename).
pub struct FilesystemBlobStore {
    root: PathBuf,
}

impl FilesystemBlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
}

#[async_trait]
impl BlobStore for FilesystemBlobStore {
    async fn put(&self, key: &str, content: Bytes) -> Result<(), Error> {
        let path = self.root.join(checked_key(key)?);
        // One blocking task for the whole write; folders are made only when
        // the first write finds them missing.
        tokio::task::spawn_blocking(move || write_atomically(&path, &content))
            .await
            .map_err(|error| Error::Store(error.to_string()))?
    }

    async fn get(&self, key: &str) -> Result<Bytes, Error> {
        let path = self.root.join(checked_key(key)?);
        match tokio::fs::read(&path).await {
            Ok(content) => Ok(Bytes::from(content)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Err(Error::NotFound(key.to_owned()))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), Error> {
        let path = self.root.join(checked_key(key)?);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, Error> {
        let path = self.root.join(checked_key(key)?);
        Ok(tokio::fs::try_exists(&path).await?)
    }
}

/// Blobs in an S3-compatible bucket.
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
}

impl ObjectBlobStore {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }
}

fn store_error(key: &str, error: object_store::Error) -> Error {
    match error {
        object_store::Error::NotFound { .. } => Error::NotFound(key.to_owned()),
        other => Error::Store(other.to_string()),
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn put(&self, key: &str, content: Bytes) -> Result<(), Error> {
        let path = object_store::path::Path::from(checked_key(key)?.to_string_lossy().as_ref());
        self.store
            .put(&path, content.into())
            .await
            .map_err(|e| store_error(key, e))?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Bytes, Error> {
        let path = object_store::path::Path::from(checked_key(key)?.to_string_lossy().as_ref());
        let result = self
            .store
            .get(&path)
            .await
            .map_err(|e| store_error(key, e))?;
        result.bytes().await.map_err(|e| store_error(key, e))
    }

    async fn delete(&self, key: &str) -> Result<(), Error> {
        let path = object_store::path::Path::from(checked_key(key)?.to_string_lossy().as_ref());
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(store_error(key, error)),
        }
    }

    async fn exists(&self, key: &str) -> Result<bool, Error> {
        let path = object_store::path::Path::from(checked_key(key)?.to_string_lossy().as_ref());
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(store_error(key, error)),
        }
    }
}

/// The store the configuration asks for.
pub fn from_config(config: &BlobConfig) -> Result<Arc<dyn BlobStore>, Error> {
    match config.backend {
        BlobBackend::Filesystem => Ok(Arc::new(FilesystemBlobStore::new(&config.root))),
        BlobBackend::S3 => {
            let mut builder = object_store::aws::AmazonS3Builder::new()
                .with_bucket_name(&config.bucket)
                .with_region(&config.region)
                .with_access_key_id(config.access_key_id.expose())
                .with_secret_access_key(config.secret_access_key.expose());
            if !config.endpoint.is_empty() {
                builder = builder
                    .with_endpoint(&config.endpoint)
                    .with_allow_http(config.endpoint.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            let store = builder.build().map_err(|e| Error::Store(e.to_string()))?;
            Ok(Arc::new(ObjectBlobStore::new(Arc::new(store))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exercise(store: &dyn BlobStore) -> Result<(), Error> {
        store
            .put("agency/case-1/abc", Bytes::from_static(b"hello"))
            .await?;
        assert!(store.exists("agency/case-1/abc").await?);
        assert_eq!(
            store.get("agency/case-1/abc").await?,
            Bytes::from_static(b"hello")
        );
        store.delete("agency/case-1/abc").await?;
        assert!(!store.exists("agency/case-1/abc").await?);
        assert!(matches!(
            store.get("agency/case-1/abc").await,
            Err(Error::NotFound(_))
        ));
        for hostile in ["../escape", "/etc/passwd", "a/../../b", "", "nul\0byte"] {
            assert!(
                matches!(
                    store.put(hostile, Bytes::new()).await,
                    Err(Error::UnsafeKey(_))
                ),
                "{hostile:?}"
            );
        }
        Ok(())
    }

    #[tokio::test]
    async fn filesystem_store_round_trips_and_refuses_escapes()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        exercise(&FilesystemBlobStore::new(dir.path())).await?;
        Ok(())
    }

    #[tokio::test]
    async fn object_store_adapter_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        // The in-memory object store speaks the same trait as the S3 client.
        let store = ObjectBlobStore::new(Arc::new(object_store::memory::InMemory::new()));
        exercise(&store).await?;
        Ok(())
    }
}
