//! Delivering one message: SMTP (lettre, pooled) or .eml files for the embedded default.
use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, transport::smtp::PoolConfig,
};

use crate::config::Settings;

/// The configured way out.
#[derive(Clone)]
pub enum Mailer {
    /// Writes each message as an .eml file (no SMTP server needed).
    Files {
        dir: PathBuf,
        transport: AsyncFileTransport<Tokio1Executor>,
    },
    Smtp {
        server: String,
        transport: AsyncSmtpTransport<Tokio1Executor>,
    },
}

/// What happened to one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server took the message; its reply.
    Accepted(String),
    /// Worth retrying: connection trouble, timeout, a 4xx reply.
    Transient(String),
    /// Retrying will not help: a 5xx reply, an invalid address.
    Permanent(String),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let timeout = Duration::from_secs(settings.mail_send_timeout_secs);
        match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .context("JIAOFU_SMTP_URL is not a valid SMTP URL (e.g. smtp://user:pass@host:587?tls=required)")?
                    .timeout(Some(timeout))
                    .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)))
                    .build();
                Ok(Mailer::Smtp {
                    server: describe_url(url.expose()),
                    transport,
                })
            }
            None => {
                let dir = settings.data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("failed to create the mail directory {}", dir.display()))?;
                Ok(Mailer::Files {
                    transport: AsyncFileTransport::new(&dir),
                    dir,
                })
            }
        }
    }

    /// Where mail goes, for people (no credentials).
    pub fn describe(&self) -> String {
        match self {
            Mailer::Files { dir, .. } => format!(".eml files in {}", dir.display()),
            Mailer::Smtp { server, .. } => format!("SMTP {server}"),
        }
    }

    /// Sends with a hard timeout around the whole exchange (lettre's own covers connecting only).
    pub async fn send(&self, message: Message, timeout: Duration) -> SendOutcome {
        match self {
            Mailer::Files { transport, .. } => match transport.send(message).await {
                Ok(id) => SendOutcome::Accepted(format!("written as {id}.eml")),
                Err(e) => SendOutcome::Transient(format!("failed to write the message: {e}")),
            },
            Mailer::Smtp { transport, .. } => match tokio::time::timeout(timeout, transport.send(message)).await {
                Err(_) => {
                    SendOutcome::Transient(format!("no answer from the SMTP server within {}s", timeout.as_secs()))
                }
                Ok(Ok(reply)) => {
                    let text: Vec<&str> = reply.message().collect();
                    SendOutcome::Accepted(format!("{} {}", reply.code(), text.join(" ")).trim().to_string())
                }
                Ok(Err(e)) if e.is_permanent() => SendOutcome::Permanent(e.to_string()),
                Ok(Err(e)) => SendOutcome::Transient(e.to_string()),
            },
        }
    }
}

/// `host:port` of an SMTP URL, without user or password.
fn describe_url(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    host.split(['/', '?']).next().unwrap_or(host).to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_server_description_has_no_credentials() {
        assert_eq!(
            super::describe_url("smtp://bob:secret@mail.example.com:587?tls=required"),
            "mail.example.com:587"
        );
        assert_eq!(super::describe_url("smtp://127.0.0.1:2525"), "127.0.0.1:2525");
    }
}
