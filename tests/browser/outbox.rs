//! 发件箱: an administrator sees why a message failed, retries it, and cancels a queued one.
use chrono::{Duration, Utc};
use jiaofu::{
    config::Secret,
    email::outbox::{self, NewEmail},
    jobs::delivery,
};
use jiaofu_tests::{ADMIN_PASSWORD, SmtpSink, spawn_app_with};

use crate::harness;

fn email(key: &str, to: &str, subject: &str) -> NewEmail {
    NewEmail {
        key: key.into(),
        kind: "test".into(),
        project_id: None,
        to_address: to.into(),
        to_name: Some("李明".into()),
        subject: subject.into(),
        text: "设备清单确定 今天到期".into(),
        html: None,
        calendar: None,
    }
}

#[tokio::test]
async fn an_administrator_sees_the_mail_servers_reply_retries_a_failed_message_and_cancels_a_queued_one() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(Secret::new(url))).await;
    sink.set_mode("550");
    let now = Utc::now();
    let failed = outbox::enqueue(
        &app.state.db,
        email("a", "li.ming@example.com", "【提醒】设备清单确定"),
        Duration::hours(48),
        now,
    )
    .await
    .expect("enqueued")
    .expect("new");
    delivery::run_once(&app.state, &app.state.mailer, "w", now)
        .await
        .expect("delivery");
    let queued = outbox::enqueue(
        &app.state.db,
        email("b", "zhao@example.com", "【提醒】工程勘察"),
        Duration::hours(48),
        now + Duration::hours(1),
    )
    .await
    .expect("enqueued")
    .expect("new");
    let Some(browser) = harness::open(&app, "outbox", 1280, 900).await else {
        return;
    };
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    browser.goto("/admin/outbox").await;
    let row = format!("#message-{failed}");
    browser.wait_for_text(&row, "发送失败").await;
    browser.wait_for_text(&row, "550").await;
    harness::keep_screenshot(&browser, "admin-outbox").await;
    browser.click(&format!("{row} button")).await;
    browser.wait_for_text(".flash", "已重新排队").await;
    browser.wait_for_text(&row, "排队中").await;
    browser.agree_to_confirmations().await;
    browser.click(&format!("#message-{queued} button")).await;
    browser.wait_for_text(".flash", "已取消").await;
    browser.wait_for_text(&format!("#message-{queued}"), "已取消").await;
    browser.close().await;
    sink.set_mode("ok");
    delivery::run_once(&app.state, &app.state.mailer, "w", Utc::now())
        .await
        .expect("delivery");
    let to: Vec<String> = sink.messages().into_iter().map(|m| m.envelope_to).collect();
    assert_eq!(
        to,
        ["li.ming@example.com"],
        "the retried message went out, the cancelled one did not"
    );
}
