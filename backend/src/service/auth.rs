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
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};

use super::{Actor, to_hex};
use crate::{
    config::Settings,
    domain::types::Role,
    error::{AppError, AppResult},
};

pub const MIN_PASSWORD_CHARS: usize = 10;

/// A fresh secret of 256 random bits from the operating system's CSPRNG, as hex, and its hash.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = to_hex(&bytes);
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
    Ok(())
}

/// Argon2id hash; runs on the blocking pool because it is deliberately slow.
pub async fn hash_password(password: &str) -> AppResult<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("failed to hash a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("password hashing task failed: {e}"))?
    .map_err(AppError::Internal)
}

pub async fn verify_password(hash: &str, password: &str) -> bool {
    let (hash, password) = (hash.to_string(), password.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Checks the password and issues a token. Failed attempts are counted per account (since its
/// last successful login) and per client address within the configured window.
pub async fn login(
    db: &DatabaseConnection,
    settings: &Settings,
    username: &str,
    password: &str,
    address: &str,
    now: DateTime<Utc>,
) -> AppResult<IssuedToken> {
    let username = username.trim().to_lowercase();
    let window_start = now - Duration::minutes(settings.login_window_minutes);
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?;

    let last_success = login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(&username))
        .filter(login_attempt::Column::Succeeded.eq(true))
        .order_by_desc(login_attempt::Column::At)
        .one(db)
        .await?
        .map(|a| a.at);
    let account_since = last_success.map_or(window_start, |s| s.max(window_start));
    let account_failures = failures(db, login_attempt::Column::Username.eq(&username), account_since).await?;
    let address_failures = failures(db, login_attempt::Column::Address.eq(address), window_start).await?;
    if account_failures >= settings.login_max_failures_per_account
        || address_failures >= settings.login_max_failures_per_address
    {
        return Err(AppError::TooManyRequests {
            message: format!(
                "too many failed logins; wait {} minutes and try again",
                settings.login_window_minutes
            ),
        });
    }

    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(db)
        .await?;
    let verified = match &found {
        Some(u) => verify_password(&u.password_hash, password).await,
        None => {
            // Spend the same time as a real check so timing does not reveal which names exist.
            let (_, dummy) = new_secret();
            let _ = hash_password(&dummy).await;
            false
        }
    };
    let user = match found {
        Some(u) if verified && !u.disabled => u,
        _ => {
            record_attempt(db, &username, address, false, now).await?;
            return Err(AppError::Unauthorized(
                "wrong username or password, or the account is disabled".into(),
            ));
        }
    };
    record_attempt(db, &username, address, true, now).await?;

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

async fn failures(
    db: &DatabaseConnection,
    who: sea_orm::sea_query::SimpleExpr,
    since: DateTime<Utc>,
) -> AppResult<u64> {
    Ok(login_attempt::Entity::find()
        .filter(who)
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gt(since))
        .count(db)
        .await?)
}

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
pub async fn authenticate(db: &impl ConnectionTrait, token: &str, now: DateTime<Utc>) -> AppResult<Actor> {
    let unauthorized = || AppError::Unauthorized("the token is unknown or expired: log in again".into());
    let found = auth_token::Entity::find()
        .filter(auth_token::Column::TokenHash.eq(hash_secret(token)))
        .one(db)
        .await?
        .filter(|t| t.expires_at > now)
        .ok_or_else(unauthorized)?;
    let user = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(unauthorized)?;
    actor_of(&user)
}

pub fn actor_of(user: &user::Model) -> AppResult<Actor> {
    Ok(Actor {
        id: Some(user.id),
        username: user.username.clone(),
        name: user.display_name.clone(),
        role: Role::parse(&user.role).map_err(|_| anyhow::anyhow!("user {} has an unknown role", user.id))?,
    })
}

pub async fn logout(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    auth_token::Entity::delete_many()
        .filter(auth_token::Column::TokenHash.eq(hash_secret(token)))
        .exec(db)
        .await?;
    Ok(())
}
