//! Secrets at rest: the system and device passwords of the 口令 handover are sealed with
//! AES-256-GCM (a fresh 96-bit nonce each time, bound to what they belong to) under one key — from
//! `JIAOFU_SECRETS_KEY`, or the key file `<data_dir>/secrets.key` made on first start. The database
//! keeps a sealed check value, so a service started with another key stops at once with a message
//! naming the key setting, instead of showing garbled passwords later.
use std::path::{Path, PathBuf};

use aes_gcm::{
    Aes256Gcm, Key, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use anyhow::{Context, bail};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Utc;
use entity::vault_check;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait};

use crate::config::Settings;

const NONCE_LEN: usize = 12;
/// What the check value seals.
const CHECK: &str = "jiaofu vault key check";
const CHECK_CONTEXT: &str = "vault-check";

/// The key that seals and opens secrets.
pub struct Vault {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Vault([key redacted])")
    }
}

/// Where the key came from, as the error messages name it.
enum Source {
    Setting,
    File(PathBuf),
}

impl Source {
    fn describe(&self) -> String {
        match self {
            Source::Setting => "the key in JIAOFU_SECRETS_KEY (secrets_key in jiaofu.toml)".into(),
            Source::File(path) => format!("the key file {} (JIAOFU_SECRETS_KEY is not set)", path.display()),
        }
    }
}

/// The key file in the data directory.
pub fn key_file(settings: &Settings) -> PathBuf {
    settings.data_dir.join("secrets.key")
}

fn parse_key(text: &str, source: &Source) -> anyhow::Result<[u8; 32]> {
    match crate::service::from_hex(text.trim()).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
        Some(key) => Ok(key),
        None => bail!(
            "{} must be 64 hexadecimal digits (32 bytes); `openssl rand -hex 32` makes one",
            source.describe()
        ),
    }
}

fn write_new_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let hex = crate::service::to_hex(&key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating the key file {}", path.display()))?;
    std::io::Write::write_all(&mut file, format!("{hex}\n").as_bytes())
        .with_context(|| format!("writing the key file {}", path.display()))?;
    Ok(key)
}

impl Vault {
    fn with_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// The vault for this database: the configured key, else the key file, else — on a database
    /// that holds nothing sealed yet — a new key file. Fails, naming the key setting, when the key
    /// does not open what the database holds.
    pub async fn open(settings: &Settings, db: &DatabaseConnection) -> anyhow::Result<Self> {
        let file = key_file(settings);
        let given = match &settings.secrets_key {
            Some(k) => Some((parse_key(k.expose(), &Source::Setting)?, Source::Setting)),
            None if file.exists() => {
                let source = Source::File(file.clone());
                let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
                Some((parse_key(&text, &source)?, source))
            }
            None => None,
        };
        let check = vault_check::Entity::find_by_id(1).one(db).await?;
        match (given, check) {
            (Some((key, source)), Some(check)) => {
                let vault = Self::with_key(&key);
                match vault.unseal(&check.sealed, CHECK_CONTEXT) {
                    Ok(text) if text == CHECK => Ok(vault),
                    _ => bail!(
                        "{} is not the key this database's passwords were sealed with: start with that key \
                         (see the README, \"The key that seals handed-over passwords\"); the passwords cannot be \
                         read with another",
                        source.describe()
                    ),
                }
            }
            (Some((key, _)), None) => {
                let vault = Self::with_key(&key);
                vault.store_check(db).await?;
                Ok(vault)
            }
            (None, Some(_)) => bail!(
                "this database holds sealed passwords but no key was given: set JIAOFU_SECRETS_KEY or restore \
                 the key file {} from your backup",
                file.display()
            ),
            (None, None) => {
                let key = write_new_key(&file)?;
                tracing::info!(file = %file.display(), "made a new key for sealed passwords; back it up");
                let vault = Self::with_key(&key);
                vault.store_check(db).await?;
                Ok(vault)
            }
        }
    }

    async fn store_check(&self, db: &DatabaseConnection) -> anyhow::Result<()> {
        vault_check::ActiveModel {
            id: Set(1),
            sealed: Set(self.seal(CHECK, CHECK_CONTEXT)?),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await
        .context("storing the key check (did another instance start with another key at the same time?)")?;
        Ok(())
    }

    /// Seals `plain` for `context` (what it belongs to, e.g. `credential:7`): nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, plain: &str, context: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("a secret could not be sealed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// Opens what [`seal`](Self::seal) sealed for the same `context`.
    pub fn unseal(&self, sealed: &[u8], context: &str) -> anyhow::Result<String> {
        if sealed.len() <= NONCE_LEN {
            bail!("a sealed value is too short");
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("a sealed value does not open with this key and context"))?;
        String::from_utf8(plain).context("a sealed value is not text")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let vault = Vault::with_key(&[7u8; 32]);
        let sealed = vault.seal("Hik@2026!", "credential:3").expect("sealed");
        assert!(
            !sealed.windows(9).any(|w| w == b"Hik@2026!"),
            "no plaintext in what is stored"
        );
        assert_eq!(vault.unseal(&sealed, "credential:3").expect("opens"), "Hik@2026!");
        assert!(
            vault.unseal(&sealed, "credential:4").is_err(),
            "bound to what it belongs to"
        );
        assert!(Vault::with_key(&[8u8; 32]).unseal(&sealed, "credential:3").is_err());
        assert_ne!(
            vault.seal("x", "c").expect("sealed"),
            vault.seal("x", "c").expect("sealed"),
            "a fresh nonce each time"
        );
    }

    #[test]
    fn a_key_is_64_hex_digits() {
        let key = "0f".repeat(32);
        assert_eq!(parse_key(&key, &Source::Setting).expect("key"), [15u8; 32]);
        let short = parse_key("abc", &Source::Setting).expect_err("too short");
        assert!(short.to_string().contains("JIAOFU_SECRETS_KEY"), "{short}");
        assert!(parse_key(&"zz".repeat(32), &Source::Setting).is_err());
    }
}
