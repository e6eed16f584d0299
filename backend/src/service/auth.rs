//! Passwords, login with rate limiting, and bearer tokens.
use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{
        SaltString,
        rand_core::{OsRng, RngCore},
    },
};
use chrono::{DateTime, Duration, Utc};
use entity::{auth_token, login_attempt, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};

use super::{Actor, throttle, to_hex};
use crate::{
    config::Settings,
    error::{AppError, AppResult},
};

pub const MIN_PASSWORD_CHARS: usize = 10;
/// No account name is longer (they are made by `users::create`); a longer one is refused before
/// it is counted or hashed.
pub const MAX_USERNAME_CHARS: usize = 100;

/// `bytes` random bytes from the operating system's CSPRNG, as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    to_hex(&buf)
}

/// A fresh secret of 256 random bits, as hex, and its hash.
pub fn new_secret() -> (String, String) {
    let token = random_hex(32);
    let hash = hash_secret(&token);
    (token, hash)
}

/// How secrets (tokens) are stored: SHA-256, hex. They carry 256 bits of entropy, so a fast hash
/// is enough and lets a token be found by its hash.
pub fn hash_secret(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// A random password of 20 characters from an alphabet without look-alikes.
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut out = String::new();
    while out.len() < 20 {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Reject the top of the byte range so every character is equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(b[0]) < limit {
            out.push(char::from(ALPHABET[usize::from(b[0]) % ALPHABET.len()]));
        }
    }
    out
}

pub fn check_password_strength(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("password: use at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    // Long but guessed first (NIST SP 800-63B asks to refuse such): few distinct characters
    // (aaaaaaaaaa, 1212121212) or one run up or down the keyboard's rows (1234567890, abcdefghij).
    let codes: Vec<i64> = password.chars().map(|c| c as i64).collect();
    let distinct = codes.iter().collect::<std::collections::HashSet<_>>().len();
    let run = codes.windows(2).all(|w| w[1] - w[0] == 1) || codes.windows(2).all(|w| w[0] - w[1] == 1);
    let digits_run = password == "1234567890" || password == "0987654321";
    if distinct < 4 || run || digits_run {
        return Err(AppError::invalid(
            "password",
            "password: too easy to guess (a run or a repeated pattern); mix words, digits or signs",
        ));
    }
    Ok(())
}

/// Password hashes at once: about 19 MB of memory each (Argon2id's defaults) and one core's
/// worth of work, so no more than there are cores. Others queue for a short while, then get 503.
static HASH_SLOTS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::LazyLock::new(|| {
    std::sync::Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ))
});
/// How long a login waits for a free slot before the server says it is busy.
const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `work` (a password hash or check) on the blocking pool once a slot is free. The slot goes
/// with the work, not the request: a client that disconnects does not free it while its hash runs.
async fn with_hash_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let slot = tokio::time::timeout(HASH_QUEUE_WAIT, HASH_SLOTS.clone().acquire_owned())
        .await
        .map_err(|_| AppError::Busy {
            message: "the server is checking too many passwords at once; try again in a few seconds".into(),
            retry_after_secs: HASH_QUEUE_WAIT.as_secs(),
        })?
        .map_err(|e| anyhow::anyhow!("the password-hashing slots are closed: {e}"))?;
    tokio::task::spawn_blocking(move || {
        let done = work();
        drop(slot);
        done
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("password hashing task failed: {e}")))
}

/// Argon2id hash, deliberately slow: off the runtime, behind the hashing bound.
#[tracing::instrument(skip_all)]
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    with_hash_slot(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("failed to hash a password: {e}"))
    })
    .await?
    .map_err(AppError::Internal)
}

#[tracing::instrument(skip_all)]
pub async fn verify_password(hash: &str, password: &str) -> AppResult<bool> {
    let (hash, password) = (hash.to_string(), password.to_string());
    with_hash_slot(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
}

pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// What a login with the right password for a disabled account is told.
pub const ACCOUNT_DISABLED: &str = "this account is disabled; an administrator can enable it";

/// Checks the password and issues a token. Every attempt first counts itself, atomically, against
/// three budgets within the window — the client address, the account from that address, and the
/// account from anywhere (a higher ceiling) — and is refused with 429 past any of them before the
/// password is hashed. A login that succeeds gives its attempts back, so only failures use up a
/// budget. Someone guessing from one address locks out that pair only; the owner elsewhere logs in.
#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    settings: &Settings,
    username: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    let username = username.trim().to_lowercase();
    if username.chars().count() > MAX_USERNAME_CHARS {
        return Err(AppError::invalid(
            "username",
            format!("username: at most {MAX_USERNAME_CHARS} characters"),
        ));
    }
    let window = settings.login_window_minutes;
    let budgets = [
        throttle::address(settings, address),
        throttle::Limit::new(
            format!("login-pair:{username}|{address}"),
            settings.login_max_failures_per_pair,
            window,
        ),
        throttle::Limit::new(
            format!("login-account:{username}"),
            settings.login_max_failures_per_account,
            window,
        ),
    ];
    for budget in &budgets {
        throttle::take(db, budget, "failed logins", now).await?;
    }

    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(db)
        .await?;
    let verified = match &found {
        Some(u) => verify_password(&u.password_hash, password).await?,
        None => {
            // Spend the same time as a real check so timing does not reveal which names exist.
            let (_, dummy) = new_secret();
            hash_password(&dummy).await?;
            false
        }
    };
    let user = match found {
        Some(u) if verified && !u.disabled => u,
        // The right password proves who asks: they may learn that their account is disabled.
        Some(_) if verified => {
            record_attempt(db, &username, address, false, now).await?;
            return Err(AppError::Unauthorized(ACCOUNT_DISABLED.into()));
        }
        _ => {
            record_attempt(db, &username, address, false, now).await?;
            return Err(AppError::Unauthorized("wrong username or password".into()));
        }
    };
    record_attempt(db, &username, address, true, now).await?;
    throttle::give_back(db, &budgets[0].key).await?;
    throttle::clear(db, &budgets[1].key).await?;
    throttle::clear(db, &budgets[2].key).await?;

    let (token, token_hash) = new_secret();
    let expires_at = now + Duration::hours(settings.token_ttl_hours);
    auth_token::ActiveModel {
        user_id: Set(user.id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(expires_at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(IssuedToken { token, expires_at })
}

/// Keeps the record of a login (who, from where, whether it worked); pruned after 90 days.
async fn record_attempt(
    db: &DatabaseConnection,
    username: &str,
    address: &str,
    succeeded: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    login_attempt::ActiveModel {
        username: Set(username.to_string()),
        address: Set(address.to_string()),
        succeeded: Set(succeeded),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The actor behind a bearer token, if the token is known, unexpired and its user enabled.
#[tracing::instrument(skip_all)]
pub async fn authenticate(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> AppResult<Actor> {
    let unauthorized = || AppError::Unauthorized("the token is unknown or expired: log in again".into());
    // One indexed lookup per request: the token's unique hash, joined to its user.
    let (_, user) = auth_token::Entity::find()
        .filter(auth_token::Column::TokenHash.eq(hash_secret(token)))
        .filter(auth_token::Column::ExpiresAt.gt(now))
        .find_also_related(user::Entity)
        .one(db)
        .await?
        .ok_or_else(unauthorized)?;
    let user = user.filter(|u| !u.disabled).ok_or_else(unauthorized)?;
    actor_of(&user)
}

pub fn actor_of(user: &user::Model) -> AppResult<Actor> {
    Ok(Actor {
        id: Some(user.id),
        username: user.username.clone(),
        name: user.display_name.clone(),
        role: user.role,
    })
}

#[tracing::instrument(skip_all)]
pub async fn logout(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    auth_token::Entity::delete_many()
        .filter(auth_token::Column::TokenHash.eq(hash_secret(token)))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_password_strength;

    #[test]
    fn long_but_obvious_passwords_are_refused() {
        for weak in [
            "1234567890",
            "0987654321",
            "abcdefghijk",
            "aaaaaaaaaaaa",
            "1212121212",
            "short1",
        ] {
            assert!(check_password_strength(weak).is_err(), "{weak} was accepted");
        }
        for fine in ["li.eng-password-123", "a-new-password-456", "correct horse battery"] {
            assert!(check_password_strength(fine).is_ok(), "{fine} was refused");
        }
    }
}
