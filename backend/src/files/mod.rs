//! Files kept by their content: the equipment-list spreadsheets people upload (kept so a preview
//! can be changed and committed without uploading again, and as the source of each imported
//! version) and photos taken on site ([`photo`] makes them safe to keep). Each is stored once,
//! named by its SHA-256. Where the bytes live is behind [`FileStore`]: a directory under the data
//! directory today; an S3-compatible store for several server instances can follow without
//! touching the callers.
pub mod photo;

use std::{future::Future, path::PathBuf, pin::Pin, sync::Arc};

use anyhow::Context;

use crate::service::auth::sha256_hex;

/// The future a store's operation returns (boxed, so a store can be chosen at run time).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send + 'a>>;

/// Where the bytes live: written once under a key, read back by it.
pub trait FileStore: Send + Sync {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> StoreFuture<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>>;
}

/// A directory: `<root>/ab/abcdef…` (two hex digits first, so no directory grows too large).
pub struct Directory {
    root: PathBuf,
}

impl Directory {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(&key[..2]).join(key)
    }
}

impl FileStore for Directory {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key);
            if tokio::fs::try_exists(&path).await.unwrap_or(false) {
                return Ok(());
            }
            let dir = path.parent().context("a stored file has a directory")?;
            tokio::fs::create_dir_all(dir)
                .await
                .with_context(|| format!("failed to create {}", dir.display()))?;
            // Written aside, then renamed: a reader never sees half a file.
            let partial = dir.join(format!("{key}.{}.partial", std::process::id()));
            tokio::fs::write(&partial, bytes)
                .await
                .with_context(|| format!("failed to write {}", partial.display()))?;
            tokio::fs::rename(&partial, &path)
                .await
                .with_context(|| format!("failed to store {}", path.display()))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match tokio::fs::read(self.path(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e).context("failed to read a stored file"),
            }
        })
    }
}

/// Content-addressed files over a store.
#[derive(Clone)]
pub struct Files {
    store: Arc<dyn FileStore>,
}

impl Files {
    pub fn new(store: Arc<dyn FileStore>) -> Self {
        Self { store }
    }

    /// Under `<data_dir>/files/`.
    pub fn in_data_dir(data_dir: &std::path::Path) -> Self {
        Self::new(Arc::new(Directory::new(data_dir.join("files"))))
    }

    /// Keeps `bytes`; answers their SHA-256, the name to ask for them by.
    pub async fn put(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let key = sha256_hex(bytes);
        self.store.put(&key, bytes).await?;
        Ok(key)
    }

    /// The file named `sha256`, if kept. A name that is not a SHA-256 is never looked up.
    pub async fn get(&self, sha256: &str) -> anyhow::Result<Option<Vec<u8>>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Ok(None);
        }
        self.store.get(sha256).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_file_is_kept_once_by_its_hash_and_only_hashes_are_looked_up() {
        let dir = std::env::temp_dir().join(format!("jiaofu-files-{}", std::process::id()));
        let files = Files::in_data_dir(&dir);
        let key = files.put(b"contract list").await.expect("put");
        assert_eq!(key, sha256_hex(b"contract list"));
        assert_eq!(files.put(b"contract list").await.expect("again"), key);
        assert_eq!(
            files.get(&key).await.expect("get").as_deref(),
            Some(&b"contract list"[..])
        );
        assert_eq!(files.get("../../etc/passwd").await.expect("refused"), None);
        assert_eq!(files.get(&"0".repeat(64)).await.expect("absent"), None);
        std::fs::remove_dir_all(dir).expect("clean up");
    }
}
