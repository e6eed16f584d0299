//! Turning outbox rows into MIME messages, and the templates (templates/email/) they are written from.
use lettre::{
    Message,
    message::{Mailbox, MultiPart, SinglePart, header::ContentType},
};

use anyhow::Context;
use minijinja::Environment;

/// An environment of the given templates (e-mails and pages, see `Templates`, which builds the
/// one the service uses at start); `.html` templates escape every variable.
pub fn environment<'a>(
    sources: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> anyhow::Result<Environment<'static>> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            minijinja::AutoEscape::Html
        } else {
            minijinja::AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("cn_date", crate::documents::labels::long_date_zh_text);
    env.add_filter("num", crate::documents::labels::number);
    for (name, source) in sources {
        env.add_template_owned(name.clone(), source.clone())
            .with_context(|| format!("template {name}"))?;
    }
    Ok(env)
}

/// Renders `name` with `ctx`.
pub fn render(env: &Environment<'_>, name: &str, ctx: &minijinja::Value) -> anyhow::Result<String> {
    Ok(env.get_template(name)?.render(ctx)?.trim().to_string())
}

/// The MIME message for an outbox row; an error means the message can never be sent.
pub fn to_message(row: &entity::outbox::Model, from: &str) -> Result<Message, String> {
    let from: Mailbox = from
        .parse()
        .map_err(|e| format!("the sender '{from}' is not a valid address: {e}"))?;
    let to_address = row
        .to_address
        .parse()
        .map_err(|e| format!("the recipient '{}' is not a valid address: {e}", row.to_address))?;
    let to = Mailbox::new(row.to_name.clone(), to_address);
    let domain = from.email.domain().to_string();
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(row.subject.clone())
        // Stable for the row, so a message sent twice (see the delivery worker) can be recognised.
        .message_id(Some(format!(
            "<jiaofu.outbox.{}.{}@{domain}>",
            row.id,
            row.created_at.timestamp()
        )));
    let plain = || {
        SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(row.body_text.clone())
    };
    let built = match (&row.body_html, &row.body_calendar) {
        (None, None) => builder.singlepart(plain()),
        (html, calendar) => {
            let mut parts = MultiPart::alternative().singlepart(plain());
            if let Some(html) = html {
                parts = parts.singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.clone()));
            }
            // Outlook, WPS and 企业微信 read an invitation from a text/calendar part with its
            // method; it goes last, as the richest alternative.
            if let Some(ics) = calendar {
                let kind = ContentType::parse("text/calendar; charset=utf-8; method=REQUEST")
                    .map_err(|e| format!("the calendar part's type: {e}"))?;
                parts = parts.singlepart(SinglePart::builder().header(kind).body(ics.clone()));
            }
            builder.multipart(parts)
        }
    };
    built.map_err(|e| format!("the message cannot be built: {e}"))
}

/// A test message, sent directly (not through the outbox) by `jiaofu mail test`.
pub fn test_message(
    env: &Environment<'static>,
    from: &str,
    to: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Message, String> {
    let ctx = minijinja::context! { sent_at => now.to_rfc3339(), to => to };
    let row = entity::outbox::Model {
        id: 0,
        idempotency_key: format!("test:{}", now.timestamp()),
        kind: "test".into(),
        project_id: None,
        to_address: to.into(),
        to_name: None,
        subject: render(env, "test.subject.txt", &ctx).map_err(|e| e.to_string())?,
        body_text: render(env, "test.txt", &ctx).map_err(|e| e.to_string())?,
        body_html: None,
        body_calendar: None,
        status: crate::domain::types::OutboxStatus::Queued,
        attempts: 0,
        next_attempt_at: now,
        retry_until: now,
        lease_until: None,
        lease_owner: None,
        last_error: None,
        created_at: now,
        sent_at: None,
    };
    to_message(&row, from)
}
