//! The outbox's second transport: group robots (企业微信 / 钉钉 群机器人). Chinese service teams
//! read their alerts in a group chat; both robots take `{"msgtype": "text", "text": {"content":
//! …}}` posted to their webhook address and answer `{"errcode": 0, …}`. A row for a robot is an
//! outbox row of kind `webhook` addressed `webhook:N` — the N-th configured address, which holds
//! the robot's key and so stays in the settings, never in the database or a log.
use std::time::Duration;

use serde_json::{Value, json};

use super::SendOutcome;
use crate::config::Settings;

/// The outbox kind of a robot's message.
pub const KIND: &str = "webhook";

/// The outbox address of the `n`-th configured robot.
pub fn address(n: usize) -> String {
    format!("webhook:{n}")
}

/// The robot's message body: the subject line, then the text.
pub fn body(subject: &str, text: &str) -> String {
    json!({"msgtype": "text", "text": {"content": format!("{subject}\n{text}")}}).to_string()
}

/// Posts a queued robot message.
pub async fn post(settings: &Settings, row: &entity::outbox::Model, timeout: Duration) -> SendOutcome {
    let hook = row
        .to_address
        .strip_prefix("webhook:")
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|n| settings.service_desk.webhooks.get(n));
    let Some(url) = hook else {
        return SendOutcome::Permanent(format!("{} is no longer configured", row.to_address));
    };
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return SendOutcome::Transient(format!("no HTTP client: {e}")),
    };
    let answer = client
        .post(url.expose())
        .header("content-type", "application/json")
        .body(row.body_text.clone())
        .send()
        .await;
    let response = match answer {
        // Without the address: it carries the robot's key.
        Err(e) => return SendOutcome::Transient(format!("the robot did not answer: {}", e.without_url())),
        Ok(r) => r,
    };
    let status = response.status();
    let reply: Value = response.json().await.unwrap_or(Value::Null);
    let code = reply["errcode"].as_i64().unwrap_or(0);
    match (status.as_u16(), code) {
        (200..=299, 0) => SendOutcome::Accepted(format!("{status} errcode 0")),
        (429 | 500..=599, _) => SendOutcome::Transient(format!("{status}")),
        // The robots' own limit (企业微信 45009, 钉钉 130101): try again later.
        (200..=299, 45009 | 130101) => SendOutcome::Transient(format!("rate limited: errcode {code}")),
        (_, _) => SendOutcome::Permanent(format!(
            "{status} errcode {code} {}",
            reply["errmsg"].as_str().unwrap_or_default()
        )),
    }
}
