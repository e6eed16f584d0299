use chrono::{DateTime, Duration, Utc};
use jiaofu::{
    config::Secret,
    email::outbox::{self, NewEmail},
    jobs::delivery::{DeliveryReport, run_once},
    startup::prepare,
};
use jiaofu_tests::{SmtpSink, TestApp, spawn_app_with};
use serde_json::json;

async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |s| {
        s.smtp_url = Some(Secret::new(url));
        s.mail_from = "交付系统 <noreply@jiaofu.example.cn>".into();
        s.mail_send_timeout_secs = 2;
    })
    .await
}

fn email(key: &str, subject: &str) -> NewEmail {
    NewEmail {
        key: key.into(),
        kind: "test".into(),
        project_id: None,
        to_address: "li.ming@example.com".into(),
        to_name: Some("李明".into()),
        subject: subject.into(),
        text: "设备清单确定 今天到期".into(),
        html: Some("<p>设备清单确定 <b>今天到期</b></p>".into()),
        calendar: None,
    }
}

async fn enqueue(app: &TestApp, key: &str, subject: &str, now: DateTime<Utc>) -> i64 {
    outbox::enqueue(&app.state.db, email(key, subject), Duration::hours(48), now)
        .await
        .expect("enqueued")
        .expect("a new row")
}

async fn deliver(app: &TestApp, now: DateTime<Utc>) -> DeliveryReport {
    run_once(&app.state, &app.state.mailer, "worker-a", now)
        .await
        .expect("a delivery round")
}

async fn row(app: &TestApp, id: i64) -> entity::outbox::Model {
    outbox::get(&app.state.db, id).await.expect("row")
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-09T01:00:00Z")
        .expect("instant")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_queued_message_arrives_with_its_chinese_subject_encoded() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let id = enqueue(&app, "k1", "【交付提醒】设备清单确定今天到期", t0()).await;

    let report = deliver(&app, t0()).await;
    assert_eq!(
        report,
        DeliveryReport {
            sent: 1,
            retried: 0,
            failed: 0
        }
    );

    let got = sink.messages();
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.subject, "【交付提醒】设备清单确定今天到期");
    let subject_line = mail
        .raw
        .lines()
        .find(|l| l.starts_with("Subject:"))
        .expect("a Subject header");
    assert!(subject_line.contains("=?utf-8?"), "RFC 2047 encoded: {subject_line}");
    assert_eq!(mail.from, "noreply@jiaofu.example.cn");
    assert!(
        mail.raw
            .lines()
            .any(|l| l.starts_with(&format!("Message-ID: <jiaofu.outbox.{id}."))),
        "a Message-ID stable for the row"
    );
    assert_eq!(mail.envelope_to, "li.ming@example.com");
    assert!(mail.text.contains("今天到期"));
    assert!(mail.html.as_deref().is_some_and(|h| h.contains("<b>今天到期</b>")));

    let sent = row(&app, id).await;
    assert_eq!(sent.status.as_str(), "sent");
    assert!(
        sent.last_error.as_deref().is_some_and(|r| r.starts_with("250")),
        "{:?}",
        sent.last_error
    );
}

#[tokio::test]
async fn enqueuing_the_same_key_twice_is_a_no_op() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    enqueue(&app, "reminder:1:due:2026-03-09:li.ming@example.com", "a", t0()).await;
    let again = outbox::enqueue(
        &app.state.db,
        email("reminder:1:due:2026-03-09:li.ming@example.com", "b"),
        Duration::hours(48),
        t0(),
    )
    .await
    .expect("no error");
    assert_eq!(again, None);
    assert_eq!(deliver(&app, t0()).await.sent, 1);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn with_the_server_down_messages_stay_queued_and_go_out_once_it_is_back() {
    let mut sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.stop();
    let id = enqueue(&app, "k1", "服务器恢复后送达", t0()).await;

    let report = deliver(&app, t0()).await;
    assert_eq!(report.retried, 1, "{report:?} {:?}", row(&app, id).await);
    let waiting = row(&app, id).await;
    assert_eq!(waiting.status.as_str(), "queued");
    assert!(waiting.next_attempt_at > t0(), "backed off");
    assert!(waiting.last_error.is_some());
    // Not due again until the backoff has passed.
    assert_eq!(
        deliver(&app, t0() + Duration::seconds(10)).await,
        DeliveryReport::default()
    );

    sink.restart();
    assert_eq!(deliver(&app, t0() + Duration::minutes(2)).await.sent, 1);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(row(&app, id).await.status.as_str(), "sent");
}

#[tokio::test]
async fn a_451_is_retried_later_and_a_550_fails_at_once_with_the_reply() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.set_mode("451");
    let soft = enqueue(&app, "soft", "稍后重试", t0()).await;
    assert_eq!(deliver(&app, t0()).await.retried, 1);
    let r = row(&app, soft).await;
    assert_eq!(r.status.as_str(), "queued");
    assert!(
        r.last_error.as_deref().is_some_and(|e| e.contains("451")),
        "{:?}",
        r.last_error
    );

    sink.set_mode("550");
    let hard = enqueue(&app, "hard", "地址不存在", t0()).await;
    let report = deliver(&app, t0() + Duration::minutes(2)).await;
    assert_eq!(report.failed, 2, "both the retried and the new message meet the 550");
    let r = row(&app, hard).await;
    assert_eq!(r.status.as_str(), "failed");
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.contains("550") && e.contains("Recipient address rejected"))
    );
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_connection_dropped_mid_transaction_is_retried_and_not_lost() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.set_mode("drop");
    let id = enqueue(&app, "k1", "连接中断", t0()).await;
    assert_eq!(deliver(&app, t0()).await.retried, 1);
    assert_eq!(row(&app, id).await.status.as_str(), "queued");

    sink.set_mode("ok");
    assert_eq!(deliver(&app, t0() + Duration::minutes(2)).await.sent, 1);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_does_not_lose_the_next_message() {
    let mut sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    enqueue(&app, "first", "第一封", t0()).await;
    assert_eq!(deliver(&app, t0()).await.sent, 1);
    // The server goes away and comes back: the pool's idle connection is dead.
    sink.restart();
    let id = enqueue(&app, "second", "第二封", t0()).await;
    let mut now = t0();
    for _ in 0..3 {
        deliver(&app, now).await;
        if row(&app, id).await.status.as_str() == "sent" {
            break;
        }
        now += Duration::minutes(5);
    }
    let r = row(&app, id).await;
    assert_eq!(r.status.as_str(), "sent", "{:?}", r.last_error);
    let subjects: Vec<String> = sink.messages().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects, ["第一封", "第二封"]);
}

#[tokio::test]
async fn a_send_that_hangs_is_cut_off_by_our_own_timeout() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.set_mode("slow:5");
    let id = enqueue(&app, "k1", "超时", t0()).await;
    assert_eq!(deliver(&app, t0()).await.retried, 1);
    let r = row(&app, id).await;
    assert!(
        r.last_error.as_deref().is_some_and(|e| e.contains("within 2s")),
        "{:?}",
        r.last_error
    );
}

#[tokio::test]
async fn a_worker_that_dies_after_claiming_leaves_the_message_to_another_once_the_lease_expires() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let id = enqueue(&app, "k1", "租约到期", t0()).await;
    let lease = Duration::seconds(app.state.settings.mail_lease_secs);

    // Worker "dead" claims the message and is killed before sending.
    let claimed = outbox::claim(&app.state.db, "dead", t0(), t0() + lease, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        deliver(&app, t0() + Duration::seconds(1)).await,
        DeliveryReport::default(),
        "the lease holds"
    );

    let report = deliver(&app, t0() + lease + Duration::seconds(1)).await;
    assert_eq!(report.sent, 1);
    // The dead worker's late word changes nothing.
    outbox::settle(
        &app.state.db,
        id,
        "dead",
        outbox::OutboxStatus::Failed,
        None,
        Some("late".into()),
        t0(),
    )
    .await
    .expect("settle");
    assert_eq!(row(&app, id).await.status.as_str(), "sent");
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn two_workers_on_one_database_never_deliver_a_message_twice() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    for i in 0..60 {
        enqueue(&app, &format!("k{i}"), &format!("消息 {i}"), t0()).await;
    }
    // A second instance: its own connection pool and mailer on the same database.
    let other = prepare((*app.state.settings).clone()).await.expect("second instance");
    let (a, b) = tokio::join!(
        run_once(&app.state, &app.state.mailer, "worker-a", t0()),
        run_once(&other, &other.mailer, "worker-b", t0()),
    );
    let (a, b) = (a.expect("a"), b.expect("b"));
    assert_eq!(a.sent + b.sent, 60);
    let mut subjects: Vec<String> = sink.messages().into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects.len(), 60);
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 60, "no message twice");
}

#[tokio::test]
async fn transient_failures_give_up_after_the_retry_horizon() {
    let mut sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.stop();
    let id = enqueue(&app, "k1", "放弃", t0()).await;
    deliver(&app, t0() + Duration::hours(47) + Duration::minutes(59)).await;
    let r = row(&app, id).await;
    assert_eq!(r.status.as_str(), "failed");
    assert!(
        r.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("gave up after 1 attempts")),
        "{:?}",
        r.last_error
    );
}

#[tokio::test]
async fn administrators_list_see_retry_and_cancel_outbox_messages() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    sink.set_mode("550");
    let failed = enqueue(&app, "bad", "失败的邮件", t0()).await;
    deliver(&app, t0()).await;
    sink.set_mode("ok");
    let queued = enqueue(&app, "later", "待发送", t0() + Duration::days(1)).await;

    let list = app.get("/api/outbox?status=failed", &app.admin).await.expect(200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], failed);
    let one = app.get(&format!("/api/outbox/{failed}"), &app.admin).await.expect(200);
    assert_eq!(one["subject"], "失败的邮件");
    assert!(one["last_error"].as_str().expect("reply").contains("550"));
    assert!(one["body_text"].is_string());

    app.post(&format!("/api/outbox/{queued}/cancel"), &app.admin, json!({}))
        .await
        .expect(200);
    app.post(&format!("/api/outbox/{queued}/cancel"), &app.admin, json!({}))
        .await
        .expect(409);
    let retried = app
        .post(&format!("/api/outbox/{failed}/retry"), &app.admin, json!({}))
        .await
        .expect(200);
    assert_eq!(retried["status"], "queued");
    deliver(&app, Utc::now()).await;
    assert_eq!(row(&app, failed).await.status.as_str(), "sent");
    assert_eq!(row(&app, queued).await.status.as_str(), "cancelled");
    assert_eq!(sink.messages().len(), 1);

    let (_, engineer) = app.user("li.ming", "engineer").await;
    app.get("/api/outbox", &engineer).await.expect(403);
    let bad = app.get("/api/outbox?status=lost", &app.admin).await.expect(422);
    assert_eq!(bad["field"], "status");
}
