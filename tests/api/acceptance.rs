//! Phase 4, acceptance: the initial acceptance waits for the signed 预验收证书; its plan goes to
//! every participant as a calendar invitation (read at the SMTP server); the record needs the
//! client's agreement and names its leftover issues; the 初验报告 and 初验备忘录 are signed by our
//! engineer in the app and by the client through the e-mailed link — one signing engine for test
//! pages and reports — which completes the 系统初验 task; a signed record is locked until voided;
//! leftover issues are fixed, confirmed and closed; the final acceptance names what blocks it.
use jiaofu::jobs::delivery;
use jiaofu_tests::{SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

use jiaofu_tests::phase4::{hand_over_passwords, plan_body, signed_initial_acceptance, started_days_ago, task};
use jiaofu_tests::signing::{certified_project, hidden_hashes, sign_link, sign_on_site};

/// The message's calendar part (text/calendar; method=REQUEST), decoded and unfolded (RFC 5545
/// lines continue after CRLF and a space).
fn calendar_part(raw: &str) -> String {
    use mail_parser::MimeHeaders;
    let message = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parseable message");
    let part = message
        .parts
        .iter()
        .find(|p| {
            p.content_type().is_some_and(|c| {
                c.ctype() == "text" && c.subtype() == Some("calendar") && c.attribute("method") == Some("REQUEST")
            })
        })
        .expect("a text/calendar part with method=REQUEST");
    String::from_utf8_lossy(part.contents()).replace("\r\n ", "")
}

#[tokio::test]
async fn an_initial_acceptance_is_planned_in_calendars_recorded_with_an_issue_and_signed_by_both() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
    })
    .await;
    let deliver = || delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now());

    // Before the 预验收证书 is signed, nothing can be planned, and the answer says why.
    let early = app.project("ZJFY-2026-040", "2026-11-02").await["id"]
        .as_i64()
        .expect("id");
    let initial = format!("/api/projects/{early}/acceptance/initial");
    let status = app.get(&initial, &app.admin).await.expect(200);
    assert!(status["id"].is_null());
    assert!(
        status["blockers"][0]
            .as_str()
            .expect("a blocker")
            .contains("预验收证书"),
        "{status}"
    );
    let refused = app
        .put(
            &format!("{initial}/plan"),
            &app.admin,
            plan_body(
                "2026-12-10T09:30:00+08:00",
                "2026-12-10T12:00:00+08:00",
                "审判楼三楼会议室",
            ),
        )
        .await
        .expect(409);
    assert!(
        refused["message"].as_str().expect("m").contains("预验收证书"),
        "{refused}"
    );
    app.get(&format!("/api/projects/{early}/acceptance/midway"), &app.admin)
        .await
        .expect(422);

    let (id, li_token) = certified_project(&app, "ZJFY-2026-041").await;
    // Signing the certificate told the PMs: those messages are not this test's.
    deliver().await.expect("delivery");
    let seen = sink.messages().len();
    let initial = format!("/api/projects/{id}/acceptance/initial");
    // The engineer cannot plan it; the PM can. A plan that ends before it starts is refused.
    app.put(
        &format!("{initial}/plan"),
        &li_token,
        plan_body(
            "2026-12-10T09:30:00+08:00",
            "2026-12-10T12:00:00+08:00",
            "审判楼三楼会议室",
        ),
    )
    .await
    .expect(403);
    let backwards = app
        .put(
            &format!("{initial}/plan"),
            &app.admin,
            plan_body(
                "2026-12-10T12:00:00+08:00",
                "2026-12-10T09:30:00+08:00",
                "审判楼三楼会议室",
            ),
        )
        .await
        .expect(422);
    assert_eq!(backwards["field"], "ends_at");
    let planned = app
        .put(
            &format!("{initial}/plan"),
            &app.admin,
            plan_body(
                "2026-12-10T09:30:00+08:00",
                "2026-12-10T12:00:00+08:00",
                "审判楼三楼会议室",
            ),
        )
        .await
        .expect(200);
    assert_eq!(
        planned["client_signer_name"], "周文涛",
        "the first client participant signs"
    );
    assert_eq!(planned["client_signer_email"], "zhou.wentao@court.example.cn");
    let schedule_path = format!("/api/projects/{id}/schedule");
    let schedule = app.get(&schedule_path, &app.admin).await.expect(200);
    assert_eq!(task(&schedule, "initial-acceptance")["status"], "in_progress");

    // The invitation lands in every participant's calendar: one message each, with a
    // METHOD:REQUEST calendar part naming every attendee.
    let invited = app
        .post(&format!("{initial}/invitations"), &app.admin, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (invited["queued"].clone(), invited["sequence"].clone()),
        (json!(3), json!(1))
    );
    deliver().await.expect("delivery");
    let mails: Vec<_> = sink.messages().into_iter().skip(seen).collect();
    assert_eq!(mails.len(), 3);
    let to_zhou = mails
        .iter()
        .find(|m| m.envelope_to == "zhou.wentao@court.example.cn")
        .expect("周文涛's invitation");
    assert!(to_zhou.subject.contains("系统初验"), "{}", to_zhou.subject);
    assert!(to_zhou.text.contains("审判楼三楼会议室") && to_zhou.text.contains("2026-12-10 09:30"));
    assert!(
        to_zhou.raw.contains("text/calendar") && to_zhou.raw.contains("method=REQUEST"),
        "{}",
        to_zhou.raw
    );
    let ics = calendar_part(&to_zhou.raw);
    // A calendar reader takes it: one event, an attendee for each participant with an address.
    let calendar = icalendar::parser::read_calendar(&ics).expect("a valid iCalendar document");
    let event = calendar
        .components
        .iter()
        .find(|c| c.name == "VEVENT")
        .expect("an event");
    assert_eq!(event.properties.iter().filter(|p| p.name == "ATTENDEE").count(), 3);
    for expected in [
        "METHOD:REQUEST",
        "SEQUENCE:1",
        "DTSTART:20261210T013000Z",
        "DTEND:20261210T040000Z",
        "LOCATION:审判楼三楼会议室",
        "mailto:zhou.wentao@court.example.cn",
        "mailto:chen.zhigang@court.example.cn",
        "mailto:wang.jianguo@jiaofu.example.cn",
    ] {
        assert!(ics.contains(expected), "{expected} missing from {ics}");
    }
    let uid = ics
        .lines()
        .find_map(|l| l.strip_prefix("UID:"))
        .expect("a UID")
        .to_string();

    // The client agrees; then the meeting moves: the agreement is asked again, and the new
    // invitation moves the same event (same UID, SEQUENCE 2).
    app.post(
        &format!("{initial}/agreement"),
        &app.admin,
        json!({"agreed_by": "周文涛"}),
    )
    .await
    .expect(200);
    let moved = app
        .put(
            &format!("{initial}/plan"),
            &app.admin,
            plan_body(
                "2026-12-11T14:00:00+08:00",
                "2026-12-11T17:00:00+08:00",
                "审判楼五楼第一会议室",
            ),
        )
        .await
        .expect(200);
    assert!(
        moved["agreed_at"].is_null(),
        "a new time needs a new agreement: {moved}"
    );
    app.post(&format!("{initial}/invitations"), &app.admin, json!({}))
        .await
        .expect(200);
    deliver().await.expect("delivery");
    let mails = sink.messages();
    let update = mails[seen + 3..]
        .iter()
        .find(|m| m.envelope_to == "zhou.wentao@court.example.cn")
        .expect("the update");
    assert!(update.subject.contains("更新"), "{}", update.subject);
    let ics = calendar_part(&update.raw);
    assert!(
        ics.contains("SEQUENCE:2") && ics.contains(&format!("UID:{uid}")),
        "{ics}"
    );
    assert!(ics.contains("DTSTART:20261211T060000Z"), "{ics}");

    // The record waits for the agreement; 有条件通过 names its leftover issues.
    let record = json!({
        "held_on": "2026-12-11",
        "checks": [
            {"item": "数字法庭庭审录音录像", "passed": true, "remark": "8 个法庭全部正常"},
            {"item": "公共广播分区播放", "passed": true},
            {"item": "应急广播强切", "passed": false, "remark": "三楼分区延时 4 秒"}
        ],
        "conclusion": "conditional",
        "opinion": "系统功能基本满足合同要求，同意通过初验，遗留问题限期整改。",
        "memo": "试运行自口令移交之日起 30 天；培训于初验后一周内开始。",
        "issues": []
    });
    let waiting = app
        .put(&format!("{initial}/record"), &app.admin, record.clone())
        .await
        .expect(409);
    assert!(waiting["message"].as_str().expect("m").contains("agree"), "{waiting}");
    app.post(
        &format!("{initial}/agreement"),
        &app.admin,
        json!({"agreed_by": "周文涛"}),
    )
    .await
    .expect(200);
    let no_issue = app
        .put(&format!("{initial}/record"), &app.admin, record.clone())
        .await
        .expect(422);
    assert_eq!(no_issue["field"], "conclusion");
    let mut with_issue = record.clone();
    with_issue["issues"] = json!([{
        "description": "三楼分区应急广播强切延时 4 秒，超过 1 秒要求",
        "severity": "major",
        "owner": "李明",
        "due_on": "2026-12-18"
    }]);
    let recorded = app
        .put(&format!("{initial}/record"), &app.admin, with_issue)
        .await
        .expect(200);
    assert_eq!(recorded["conclusion"], "conditional");
    assert_eq!(recorded["issues"][0]["number"], 1);
    assert_eq!(recorded["issues"][0]["status"], "open");
    let parts = recorded["parts"].as_array().expect("parts");
    assert_eq!(
        parts.iter().map(|p| p["title"].clone()).collect::<Vec<_>>(),
        [json!("初验报告"), json!("初验备忘录")]
    );

    // Our engineer signs both in the app; the client signs both through one e-mailed link.
    for part in [1, 2] {
        app.post(&format!("{initial}/parts/{part}/sign"), &li_token, json!({}))
            .await
            .expect(200);
    }
    let request = app
        .post(
            &format!("{initial}/signing-requests"),
            &li_token,
            json!({"pages": [1, 2]}),
        )
        .await
        .expect(200);
    assert_eq!(request["signer_email"], "zhou.wentao@court.example.cn");
    deliver().await.expect("delivery");
    let mails = sink.messages();
    let asking = mails.last().expect("the signing request");
    assert_eq!(asking.envelope_to, "zhou.wentao@court.example.cn");
    assert!(asking.subject.contains("2 份待您签字"), "{}", asking.subject);
    assert!(
        asking.text.contains("初验报告") && asking.text.contains("初验备忘录"),
        "{}",
        asking.text
    );
    let start = asking.text.find("/sign/").expect("a link");
    let link: String = asking.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let html = app
        .client
        .get(app.url(&link))
        .send()
        .await
        .expect("open")
        .text()
        .await
        .expect("html");
    for expected in [
        "初验报告",
        "初验备忘录",
        "应急广播强切",
        "有条件通过",
        "签字确认全部 2 份",
        "同意签字",
    ] {
        assert!(html.contains(expected), "the signing page lacks {expected}");
    }
    sign_link(&app, &link, "周文涛").await;
    let signed = app.get(&initial, &app.admin).await.expect(200);
    assert_eq!(signed["signed"], true, "{signed}");
    let report = &signed["parts"][0];
    assert_eq!(report["client"]["method"], "email_link");
    assert_eq!(report["client"]["content_sha256"], report["content_sha256"]);
    let schedule = app.get(&schedule_path, &app.admin).await.expect(200);
    let done = task(&schedule, "initial-acceptance");
    assert_eq!(done["status"], "done", "{done}");

    // Anyone holding the paper checks the client's signature on the report.
    let code = report["client"]["verify_code"].as_str().expect("code");
    let check = app
        .client
        .get(app.url(&format!("/verify/{code}")))
        .send()
        .await
        .expect("verify");
    assert_eq!(check.status(), 200);
    let page = check.text().await.expect("html");
    for expected in ["签字验证：有效", "初验报告", "周文涛", "li.ming", "邮件链接"] {
        assert!(page.contains(expected), "/verify lacks {expected}");
    }

    // A signed record is locked until its signatures are voided with a reason.
    let mut changed = record.clone();
    changed["opinion"] = json!("同意通过初验。");
    changed["conclusion"] = json!("passed");
    let locked = app
        .put(&format!("{initial}/record"), &app.admin, changed.clone())
        .await
        .expect(409);
    assert!(locked["message"].as_str().expect("m").contains("void"), "{locked}");
    app.post(&format!("{initial}/parts/1/void"), &app.admin, json!({"reason": ""}))
        .await
        .expect(422);
    let voided = app
        .post(
            &format!("{initial}/parts/1/void"),
            &app.admin,
            json!({"reason": "验收意见措辞按甲方要求修改"}),
        )
        .await
        .expect(200);
    assert!(voided["parts"][0]["ours"].is_null() && !voided["parts"][1]["ours"].is_null());
    let memo_locked = app
        .put(&format!("{initial}/record"), &app.admin, {
            let mut c = changed.clone();
            c["memo"] = json!("另议");
            c
        })
        .await
        .expect(409);
    assert!(
        memo_locked["message"].as_str().expect("m").contains("初验备忘录"),
        "{memo_locked}"
    );
    let rerecorded = app
        .put(&format!("{initial}/record"), &app.admin, changed)
        .await
        .expect(200);
    assert_eq!(rerecorded["opinion"], "同意通过初验。");
    assert!(rerecorded["parts"][0]["client"].is_null(), "both sign the report again");

    // Both sign the corrected report again (the client on the tablet at the meeting), and the
    // report and memo are issued and printed as a reader sees them.
    app.post(&format!("{initial}/parts/1/sign"), &li_token, json!({}))
        .await
        .expect(200);
    sign_on_site(&app, &format!("{initial}/signing-requests"), &li_token, &[1], "周文涛").await;
    let forms = app
        .get(&format!("/api/projects/{id}/documents"), &app.admin)
        .await
        .expect(200);
    for key in ["initial-acceptance-report", "initial-acceptance-memo"] {
        let form = forms
            .as_array()
            .expect("forms")
            .iter()
            .find(|f| f["form"] == key)
            .unwrap_or_else(|| panic!("{key} is listed"));
        assert_eq!(form["readiness"], "ready", "{form}");
    }
    let (_, report_docx) = crate::forms::issue(&app, id, "initial-acceptance-report").await;
    let (_, memo_docx) = crate::forms::issue(&app, id, "initial-acceptance-memo").await;
    let docs = vec![
        ("initial-acceptance-report".to_string(), report_docx),
        ("initial-acceptance-memo".to_string(), memo_docx),
    ];
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        let report = printed[0].text();
        crate::forms::expect_text(
            "初验报告",
            &report,
            &[
                "系统初验报告",
                "审判楼五楼第一会议室",
                "周文涛（信息中心主任）",
                "应急广播强切",
                "不合格",
                "■ 通过",
                "同意通过初验。",
                "三楼分区应急广播强切延时 4 秒",
                "2026-12-18",
                "电子签名",
            ],
        );
        let memo = printed[1].text();
        crate::forms::expect_text(
            "初验备忘录",
            &memo,
            &[
                "系统初验备忘录",
                "双方确认以下事项",
                "试运行自口令移交之日起 30 天",
                "李明",
                "2026-12-18",
            ],
        );
        assert_eq!(printed[1].pages.len(), 1, "the memo is one page");
    }

    // The leftover issue: fixed by the engineer, confirmed by the client through the PM, closed.
    let issue = recorded["issues"][0]["id"].as_i64().expect("issue");
    let steps = format!("/api/projects/{id}/acceptance-issues/{issue}/steps");
    app.post(
        &steps,
        &li_token,
        json!({"action": "confirm", "confirmed_by": "周文涛"}),
    )
    .await
    .expect(403);
    app.post(&steps, &li_token, json!({"action": "fix"})).await.expect(422);
    let fixed = app
        .post(
            &steps,
            &li_token,
            json!({"action": "fix", "resolution": "调整强切继电器并升级分区控制器固件，实测延时 0.6 秒"}),
        )
        .await
        .expect(200);
    assert_eq!(fixed["status"], "fixed");
    let closed = app
        .post(
            &steps,
            &app.admin,
            json!({"action": "confirm", "confirmed_by": "周文涛"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (closed["status"].clone(), closed["confirmed_by"].clone()),
        (json!("closed"), json!("周文涛"))
    );
    app.post(
        &steps,
        &app.admin,
        json!({"action": "confirm", "confirmed_by": "周文涛"}),
    )
    .await
    .expect(409);
    let trial = app
        .post(
            &format!("/api/projects/{id}/acceptance-issues"),
            &li_token,
            json!({"description": "审判庭 3 拾音器偶发啸叫", "severity": "minor", "owner": "李明", "due_on": "2026-12-20"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (trial["number"].clone(), trial["source"].clone()),
        (json!(2), json!("trial_run"))
    );

    // The final acceptance names what blocks it.
    let blocked = app
        .get(&format!("/api/projects/{id}/acceptance/final"), &app.admin)
        .await
        .expect(200);
    let blockers: Vec<&str> = blocked["blockers"]
        .as_array()
        .expect("blockers")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !blockers.iter().any(|b| b.contains("初验报告")),
        "both signed it again: {blockers:?}"
    );
    assert!(blockers.iter().any(|b| b.contains("trial run")), "{blockers:?}");
    assert!(blockers.iter().any(|b| b.contains("leftover issue 2")), "{blockers:?}");
    assert!(!blockers.iter().any(|b| b.contains("leftover issue 1")), "{blockers:?}");
}

/// Every stored trace of `secret` in the database: the SQLite files byte for byte, and on either
/// database every text the service writes (messages, audit log, accounts, handovers).
pub(crate) async fn traces_of(app: &TestApp, secret: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait;
    let mut found = Vec::new();
    if app.state.db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
        for name in ["jiaofu.db", "jiaofu.db-wal", "jiaofu.db-shm"] {
            let path = app.state.settings.data_dir.join(name);
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
    }
    for (table, column) in [
        ("outbox", "body_text"),
        ("outbox", "body_html"),
        ("outbox", "subject"),
        ("audit_events", "detail"),
        ("credentials", "account"),
        ("credential_handovers", "items"),
    ] {
        let rows = app
            .state
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT {column} AS v FROM {table}"),
            ))
            .await
            .expect("rows");
        for row in rows {
            let v: Option<String> = row.try_get("", "v").expect("text");
            if v.is_some_and(|v| v.contains(secret)) {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn passwords_are_sealed_revealed_to_a_pm_who_re_enters_his_own_and_opened_once_by_the_client_who_signs() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
    })
    .await;
    let (id, li_token) = certified_project(&app, "ZJFY-2026-042").await;
    let accounts = format!("/api/projects/{id}/credentials");
    const CORE: &str = "Hik@2026!Core-7781";
    const PLATFORM: &str = "Pf#Admin-5520";

    // The engineer records two accounts; nothing answers with a password.
    let core = app
        .post(
            &accounts,
            &li_token,
            json!({"target": "核心交换机 S7706", "kind": "device", "address": "10.20.0.1", "account": "admin",
                   "password": CORE, "role": "管理员"}),
        )
        .await
        .expect(200);
    app.post(
        &accounts,
        &li_token,
        json!({"target": "庭审录播管理平台", "kind": "system", "address": "https://10.20.1.5", "account": "sysadmin",
               "password": PLATFORM, "role": "系统管理员", "remark": "首次登录后请修改"}),
    )
    .await
    .expect(200);
    let missing = app
        .post(
            &accounts,
            &li_token,
            json!({"target": "NVR", "kind": "device", "account": "admin"}),
        )
        .await
        .expect(422);
    assert_eq!(missing["field"], "password");
    let listed = app.get(&accounts, &li_token).await.expect(200);
    assert_eq!(listed.as_array().expect("accounts").len(), 2);
    assert!(!listed.to_string().contains(CORE) && !listed.to_string().contains(PLATFORM));

    // Revealed only to the PM, only with his own password again; each reveal is audited.
    let reveal = format!("{accounts}/{}/reveal", core["id"]);
    app.post(&reveal, &li_token, json!({"password": "li.ming-password-123"}))
        .await
        .expect(403);
    let wrong = app
        .post(&reveal, &app.admin, json!({"password": "not-my-password"}))
        .await
        .expect(422);
    assert_eq!(wrong["field"], "password");
    let revealed = app
        .post(&reveal, &app.admin, json!({"password": jiaofu_tests::ADMIN_PASSWORD}))
        .await
        .expect(200);
    assert_eq!(
        (revealed["account"].clone(), revealed["password"].clone()),
        (json!("admin"), json!(CORE))
    );

    // Handed over only after the initial acceptance is signed by both.
    let handovers = format!("/api/projects/{id}/credential-handovers");
    let early = app
        .post(
            &handovers,
            &app.admin,
            json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn"}),
        )
        .await
        .expect(409);
    assert!(early["message"].as_str().expect("m").contains("初验"), "{early}");
    signed_initial_acceptance(&app, id, &li_token, "2026-12-10").await;
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let seen = sink.messages().len();
    let handover = app
        .post(
            &handovers,
            &app.admin,
            json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn", "recipient_role": "信息中心主任"}),
        )
        .await
        .expect(200);
    assert_eq!(handover["items"].as_array().expect("items").len(), 2);
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let mails: Vec<_> = sink.messages().into_iter().skip(seen).collect();
    assert_eq!(mails.len(), 1, "one e-mail with the link");
    let mail = &mails[0];
    assert_eq!(mail.envelope_to, "zhou.wentao@court.example.cn");
    assert!(mail.text.contains("只能打开一次"), "{}", mail.text);
    for secret in [CORE, PLATFORM] {
        assert!(!mail.raw.contains(secret), "a password in the e-mail");
    }
    let start = mail.text.find("/sign/").expect("a link");
    let link: String = mail.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();

    // The link opens once: the passwords, the 口令移交单 without them, and the form to sign.
    let first = app.client.get(app.url(&link)).send().await.expect("open");
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let page = first.text().await.expect("html");
    for expected in [
        CORE,
        PLATFORM,
        "核心交换机 S7706",
        "口令移交单",
        "只能打开一次",
        "已收到以上 2 个",
    ] {
        assert!(page.contains(expected), "the handover page lacks {expected}");
    }
    let again = app.client.get(app.url(&link)).send().await.expect("open again");
    assert_eq!(again.status(), 410);
    let again = again.text().await.expect("html");
    assert!(!again.contains(CORE) && again.contains("只能打开一次"), "{again}");
    let mut fields = hidden_hashes(&page);
    fields.extend([
        ("action".into(), "sign".into()),
        ("consent".into(), "yes".into()),
        ("typed_name".into(), "周文涛".into()),
    ]);
    let signed = app
        .client
        .post(app.url(&link))
        .form(&fields)
        .send()
        .await
        .expect("sign");
    assert_eq!(signed.status(), 200);
    assert!(
        !signed.text().await.expect("html").contains(CORE),
        "the answer does not show them again"
    );
    app.post(&format!("{handovers}/{}/sign", handover["id"]), &li_token, json!({}))
        .await
        .expect(200);
    let list = app.get(&handovers, &app.admin).await.expect(200);
    let done = &list[0];
    assert!(done["acknowledged_at"].is_string(), "{done}");
    assert_eq!(done["client"]["method"], "email_link");
    assert!(!done["ours"].is_null());
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    assert_eq!(
        task(&schedule, "trial-run")["status"],
        "in_progress",
        "the trial run began"
    );

    // The 口令移交单 lists what was handed over and when — never a password.
    let (_, docx) = crate::forms::issue(&app, id, "password-handover").await;
    let docs = vec![("password-handover".to_string(), docx)];
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        let text = printed[0].text();
        crate::forms::expect_text(
            "口令移交单",
            &text,
            &[
                "口令移交单",
                "周文涛（信息中心主任）",
                "核心交换机 S7706",
                "10.20.0.1",
                "sysadmin",
                "接收单位",
                "移交单位",
            ],
        );
        assert!(
            !text.contains(CORE) && !text.contains(PLATFORM),
            "a password on the form"
        );
    }

    // No plaintext anywhere the service writes, nor in the database's files.
    for secret in [CORE, PLATFORM] {
        assert_eq!(
            traces_of(&app, secret).await,
            Vec::<String>::new(),
            "{secret} is stored in the clear"
        );
    }
    let chain = app.get("/api/audit/verify", &app.admin).await.expect(200);
    assert_eq!(chain["valid"], true);
}

#[tokio::test]
async fn a_service_started_with_another_key_stops_and_names_the_key_setting() {
    let app = spawn_app_with(|s| s.secrets_key = Some(jiaofu::config::Secret::new("1f".repeat(32)))).await;
    let settings = |key: Option<String>| {
        let mut s = (*app.state.settings).clone();
        s.secrets_key = key.map(jiaofu::config::Secret::new);
        s
    };
    let wrong = jiaofu::startup::prepare(settings(Some("2e".repeat(32))))
        .await
        .err()
        .expect("another key is refused");
    let message = format!("{wrong:#}");
    assert!(
        message.contains("JIAOFU_SECRETS_KEY") && message.contains("README"),
        "{message}"
    );
    let garbled = jiaofu::startup::prepare(settings(Some("not a key".into())))
        .await
        .err()
        .expect("a malformed key is refused");
    assert!(format!("{garbled:#}").contains("64 hexadecimal digits"), "{garbled:#}");
    // No key and no key file, on a database that holds sealed values: told to restore the key.
    let none = jiaofu::startup::prepare(settings(None))
        .await
        .err()
        .expect("no key is refused");
    assert!(format!("{none:#}").contains("JIAOFU_SECRETS_KEY"), "{none:#}");
    // The right key starts.
    jiaofu::startup::prepare(settings(Some("1f".repeat(32))))
        .await
        .expect("the key it was sealed with starts");
}

#[tokio::test]
async fn a_trial_run_is_logged_by_both_sides_with_a_fault_summarised_weekly_and_ended_after_its_days() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
    })
    .await;
    let (id, li_token) = certified_project(&app, "ZJFY-2026-043").await;
    let (wang, _) = app.user("wang.jianguo", "manager").await;
    app.add_member(id, wang, "pm").await;
    let run = format!("/api/projects/{id}/trial-run");
    let before = app.get(&run, &app.admin).await.expect(200);
    assert_eq!(before["started"], false);
    app.post(
        &format!("{run}/logs"),
        &li_token,
        json!({"date": "2026-12-01", "party": "ours", "state": "normal", "events": "x", "written_by": "李明"}),
    )
    .await
    .expect(409);
    signed_initial_acceptance(&app, id, &li_token, "2026-12-10").await;
    hand_over_passwords(&app, &sink, id, &li_token).await;
    let started = app.get(&run, &app.admin).await.expect(200);
    assert_eq!(started["started"], true, "{started}");
    assert_eq!(started["figures"]["planned_days"], 30, "the default plan's trial run");
    assert_eq!(started["report_to"], "周文涛 <zhou.wentao@court.example.cn>");

    // Five weeks on: both sides' log, a day that was not normal, a fault and its fix.
    let day0 = started_days_ago(&app, id, 35).await;
    let day = |n: u64| (day0 + chrono::Days::new(n)).to_string();
    let ours = app
        .post(
            &format!("{run}/logs"),
            &li_token,
            json!({"date": day(0), "party": "ours", "state": "normal", "events": "8 个法庭庭审录像正常", "written_by": "李明"}),
        )
        .await
        .expect(200);
    let corrected = app
        .post(
            &format!("{run}/logs"),
            &li_token,
            json!({"date": day(0), "party": "ours", "state": "normal", "events": "8 个法庭庭审录像、广播正常", "written_by": "李明"}),
        )
        .await
        .expect(200);
    assert_eq!(corrected["id"], ours["id"], "the same day is corrected, not doubled");
    let no_fault = app
        .post(
            &format!("{run}/logs"),
            &li_token,
            json!({"date": day(3), "party": "client", "state": "degraded", "events": "审判庭 2 录像中断", "written_by": "陈志刚"}),
        )
        .await
        .expect(422);
    assert_eq!(no_fault["field"], "faults");
    app.post(
        &format!("{run}/logs"),
        &li_token,
        json!({"date": day(3), "party": "client", "state": "degraded", "events": "上午庭审正常",
               "faults": "审判庭 2 录像服务中断 45 分钟", "written_by": "陈志刚"}),
    )
    .await
    .expect(200);
    let too_early = (day0 - chrono::Days::new(1)).to_string();
    let early = app
        .post(
            &format!("{run}/logs"),
            &li_token,
            json!({"date": too_early, "party": "ours", "state": "normal", "events": "x", "written_by": "李明"}),
        )
        .await
        .expect(422);
    assert_eq!(early["field"], "date");
    let fault = app
        .post(
            &format!("{run}/faults"),
            &li_token,
            json!({"occurred_at": format!("{}T10:00:00+08:00", day(3)), "description": "审判庭 2 录像服务中断",
                   "reported_by": "陈志刚", "downtime_minutes": 45}),
        )
        .await
        .expect(200);
    assert!(fault["fixed_at"].is_null());
    app.post(
        &format!("{run}/faults/{}/fix", fault["id"]),
        &li_token,
        json!({"fix": "更换录像服务器电源模块，服务恢复", "fixed_at": format!("{}T09:00:00+08:00", day(3)), "downtime_minutes": 45}),
    )
    .await
    .expect(422);
    app.post(
        &format!("{run}/faults/{}/fix", fault["id"]),
        &li_token,
        json!({"fix": "更换录像服务器电源模块，服务恢复", "fixed_at": format!("{}T10:45:00+08:00", day(3)), "downtime_minutes": 45}),
    )
    .await
    .expect(200);
    // A leftover issue found during the run, already eight days past its due date.
    let overdue = (jiaofu_tests::phase4::site_today() - chrono::Days::new(8)).to_string();
    let issue = app
        .post(
            &format!("/api/projects/{id}/acceptance-issues"),
            &li_token,
            json!({"description": "审判庭 3 拾音器偶发啸叫", "severity": "minor", "owner": "李明", "due_on": overdue}),
        )
        .await
        .expect(200);
    assert_eq!(issue["overdue"], true);

    // The job: the client's project lead gets the week just completed, the PM the overdue issue —
    // once, however often it runs.
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let seen = sink.messages().len();
    let now = chrono::Utc::now();
    assert_eq!(
        jiaofu::service::trial_run::notify(&app.state, now)
            .await
            .expect("notify"),
        2
    );
    assert_eq!(
        jiaofu::service::trial_run::notify(&app.state, now)
            .await
            .expect("notify"),
        0
    );
    delivery::run_once(&app.state, &app.state.mailer, "w", now)
        .await
        .expect("delivery");
    let mails: Vec<_> = sink.messages().into_iter().skip(seen).collect();
    let weekly = mails
        .iter()
        .find(|m| m.envelope_to == "zhou.wentao@court.example.cn")
        .expect("the weekly summary");
    assert!(weekly.subject.contains("第 5 周"), "{}", weekly.subject);
    for expected in ["可用率", "遗留问题 ", "审判庭 3 拾音器偶发啸叫"] {
        assert!(
            weekly.text.contains(expected),
            "the summary lacks {expected}: {}",
            weekly.text
        );
    }
    let reminder = mails
        .iter()
        .find(|m| m.subject.contains("逾期"))
        .expect("the overdue reminder");
    assert!(reminder.subject.contains("已逾期 8 天"), "{}", reminder.subject);
    assert_eq!(reminder.envelope_to, "wang.jianguo@example.com", "the project's PM");

    // It ends only once its 30 days have run.
    started_days_ago(&app, id, 5).await;
    let soon = app
        .post(&format!("{run}/end"), &app.admin, json!({"conclusion": "运行稳定"}))
        .await
        .expect(409);
    assert!(soon["message"].as_str().expect("m").contains("can end on"), "{soon}");
    started_days_ago(&app, id, 35).await;
    app.post(&format!("{run}/end"), &li_token, json!({"conclusion": "运行稳定"}))
        .await
        .expect(403);
    let ended = app
        .post(
            &format!("{run}/end"),
            &app.admin,
            json!({"conclusion": "系统试运行 36 天，运行稳定，故障已及时排除，满足终验条件。"}),
        )
        .await
        .expect(200);
    let figures = &ended["figures"];
    assert_eq!(
        (
            figures["days_run"].clone(),
            figures["faults"].clone(),
            figures["downtime_minutes"].clone()
        ),
        (json!(36), json!(1), json!(45))
    );
    assert_eq!(figures["availability"], 99.91, "1 − 45 / (36 × 1440)");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    assert_eq!(task(&schedule, "trial-run")["status"], "done");
    let after = app
        .post(
            &format!("{run}/logs"),
            &li_token,
            json!({"date": day(36), "party": "ours", "state": "normal", "events": "x", "written_by": "李明"}),
        )
        .await
        .expect(409);
    assert!(after["message"].as_str().expect("m").contains("ended"), "{after}");

    // The final acceptance no longer waits for the run, only for the open issue.
    let blockers = app
        .get(&format!("/api/projects/{id}/acceptance/final"), &app.admin)
        .await
        .expect(200)["blockers"]
        .to_string();
    assert!(
        !blockers.contains("trial run") && blockers.contains("leftover issue"),
        "{blockers}"
    );

    // The three records, issued and printed.
    let mut docs = Vec::new();
    for key in ["trial-run-record", "issue-list", "trial-run-summary"] {
        let (_, bytes) = crate::forms::issue(&app, id, key).await;
        docs.push((key.to_string(), bytes));
    }
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        crate::forms::expect_text(
            "试运行记录",
            &printed[0].text(),
            &[
                "试运行记录",
                "8 个法庭庭审录像、广播正常",
                "审判庭 2 录像服务中断 45 分钟",
                "陈志刚",
                "更换录像服务器电源模块",
            ],
        );
        crate::forms::expect_text(
            "遗留问题清单",
            &printed[1].text(),
            &["遗留问题清单", "审判庭 3 拾音器偶发啸叫", "试运行", "待处理"],
        );
        crate::forms::expect_text(
            "试运行总结报告",
            &printed[2].text(),
            &["试运行总结报告", "99.91%", "满足终验条件", "45"],
        );
    }
}
