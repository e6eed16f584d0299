//! The service desk end to end on the demo's delivered project: the client reports a fault from
//! the project's link (no account) and gets its number by e-mail; the designated engineers are
//! assigned and told; the scan warns at 50 % and 80 % of the response promise and reports its
//! breach to the service managers, each once however often it runs; a fault logged from a call
//! twelve hours back whose repair failed twice goes to the technical and quality departments, its
//! repair clock breaks after eight hours and the chained replacement clock runs until a
//! replacement is installed; a pause holds the clocks, a stricter policy mid-ticket keeps the time
//! spent; an out-of-warranty unit's ticket is paid service.
use chrono::{DateTime, Duration, SubsecRound, Utc};
use jiaofu::service::demo::History;
use jiaofu::service::service_desk::alarms;
use jiaofu_tests::robot::Robot;
use jiaofu_tests::{SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

const MANAGER: &str = "fuwu.jingli@example.com";
const TECHNICAL: &str = "jishu.bu@example.com";
const QUALITY: &str = "zhijian.bu@example.com";

struct Desk {
    app: TestApp,
    robot: Robot,
    sink: SmtpSink,
    id: i64,
    pm: String,
    eng: String,
    /// The PM's and the first engineer's user ids.
    wang: i64,
    sun: i64,
}

/// The demo's delivered project with a PM and two engineers, both designated (专员).
async fn desk() -> Desk {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let robot = Robot::start().await;
    let hook = robot.url.clone();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
        s.service_desk.webhooks = vec![jiaofu::config::Secret::new(hook)];
        s.service_desk.service_managers = vec![MANAGER.into()];
        s.service_desk.technical_department = vec![TECHNICAL.into()];
        s.service_desk.quality_department = vec![QUALITY.into()];
    })
    .await;
    app.demo(History::WithoutServiceYear).await;
    deliver(&app).await;
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    let id = projects["items"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["code"].as_str().is_some_and(|c| c.ends_with("-JF")))
        .and_then(|p| p["id"].as_i64())
        .expect("the delivered demo project");
    let (wang, pm) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let (sun, eng) = app.user("sun.eng", "engineer").await;
    app.add_member(id, sun, "engineer").await;
    let (li, _) = app.user("li.eng", "engineer").await;
    app.add_member(id, li, "engineer").await;
    let too_many = app
        .put(
            &format!("/api/projects/{id}/service/specialists"),
            &pm,
            json!({"user_ids": [sun, li, wang]}),
        )
        .await;
    assert_eq!(too_many.status, 422, "{}", too_many.text);
    let set = app
        .put(
            &format!("/api/projects/{id}/service/specialists"),
            &pm,
            json!({"user_ids": [sun, li]}),
        )
        .await
        .expect(200);
    assert_eq!(set["specialists"].as_array().map(Vec::len), Some(2));
    Desk {
        app,
        robot,
        sink,
        id,
        pm,
        eng,
        wang,
        sun,
    }
}

/// A Word form the API serves at `path`, as `token` downloads it.
async fn form_bytes(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("the form")
        .bytes()
        .await
        .expect("bytes")
        .to_vec()
}

async fn deliver(app: &TestApp) {
    jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "w", Utc::now())
        .await
        .expect("delivery");
}

/// Subjects received by `to` since message `since` that mention `about` (the demo's own tickets
/// raise their own warnings on the same project).
fn subjects(sink: &SmtpSink, to: &str, since: usize, about: &str) -> Vec<String> {
    sink.messages()
        .into_iter()
        .skip(since)
        .filter(|m| m.envelope_to == to && m.subject.contains(about))
        .map(|m| m.subject)
        .collect()
}

fn clock<'a>(ticket: &'a Value, name: &str) -> &'a Value {
    ticket["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .find(|c| c["clock"] == name)
        .unwrap_or_else(|| panic!("clock {name} in {ticket}"))
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

fn instant(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("an instant: {v}")))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_fault_reported_from_the_link_is_confirmed_assigned_and_warned_once_per_level() {
    let Desk {
        app,
        robot,
        sink,
        id,
        pm,
        eng,
        ..
    } = desk().await;

    // The report link: made by the PM, shown again to managers only.
    let refused = app
        .post(&format!("/api/projects/{id}/service/report-link"), &eng, json!({}))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let link = app
        .post(&format!("/api/projects/{id}/service/report-link"), &pm, json!({}))
        .await
        .expect(200)["link"]
        .as_str()
        .expect("link")
        .to_string();
    let settings = app.get(&format!("/api/projects/{id}/service"), &pm).await.expect(200);
    assert_eq!(settings["report_link"], link.as_str());
    assert_eq!(settings["policy"]["response_minutes"], 60);
    let seen_by_engineer = app.get(&format!("/api/projects/{id}/service"), &eng).await.expect(200);
    assert!(seen_by_engineer["report_link"].is_null());

    // Units under warranty from the contractual delivery date.
    let units = app
        .get(&format!("/api/projects/{id}/service/units"), &pm)
        .await
        .expect(200);
    let unit = units
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["serial"].is_string() && u["months"] == 36)
        .expect("an installed unit with a serial on the default term")
        .clone();
    assert_eq!(unit["in_warranty"], true, "{unit}");
    assert_eq!(unit["months"], 36);

    // The client, with no account, opens the link from the QR code and reports.
    let path = link
        .split_once("/report/")
        .map(|(_, t)| format!("/report/{t}"))
        .expect("a report path");
    let web = reqwest::Client::new();
    let page = web.get(app.url(&path)).send().await.expect("the page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("宁波市鄞州区人民法院"));
    let missing = web
        .post(app.url(&path))
        .form(&[("reporter_name", "张伟"), ("reporter_phone", ""), ("symptom", "无图像")])
        .send()
        .await
        .expect("a reply");
    assert_eq!(missing.status(), 422);
    assert!(missing.text().await.expect("html").contains("请填写联系电话"));
    let garbled = web
        .post(app.url(&path))
        .form(&[
            ("reporter_name", "张伟"),
            ("reporter_phone", "abc"),
            ("symptom", "无图像"),
        ])
        .send()
        .await
        .expect("a reply");
    assert_eq!(garbled.status(), 422);
    assert!(garbled.text().await.expect("html").contains("能回电的电话号码"));
    let serial = unit["serial"].as_str().expect("serial").to_string();
    let sent = web
        .post(app.url(&path))
        .form(&[
            ("reporter_name", "张伟"),
            ("reporter_phone", "0574-8888-1234"),
            ("reporter_email", "zhang.wei@court.example.cn"),
            ("serial", serial.as_str()),
            ("symptom", "第三审判庭庭审主机无图像，指示灯红色常亮"),
        ])
        .send()
        .await
        .expect("a reply");
    assert_eq!(sent.status(), 200);
    let html = sent.text().await.expect("html");
    let number = html
        .split("报修单号 ")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .expect("the ticket number on the page");
    assert!(number.starts_with("BX-"), "{number}");
    let wrong = web
        .get(app.url("/report/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
        .send()
        .await
        .expect("a reply");
    assert_eq!(wrong.status(), 404);

    let board = app.get("/api/tickets", &pm).await.expect(200);
    let row = board["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["number"] == number.as_str())
        .expect("the new ticket on the board")
        .clone();
    let row = &row;
    assert_eq!(row["assignees"], json!(["sun.eng", "li.eng"]));
    assert_eq!(clock(row, "response")["state"], "running");
    let ticket_id = row["id"].as_i64().expect("id");
    let ticket = app.get(&format!("/api/tickets/{ticket_id}"), &eng).await.expect(200);
    assert_eq!(ticket["channel"], "public_page");
    assert_eq!(ticket["unit_id"], unit["unit_id"]);
    assert_eq!(ticket["in_warranty"], true);
    let reported = instant(&ticket["reported_at"]);

    // The reporter has the number; the designated engineers know.
    deliver(&app).await;
    let to_client = subjects(&sink, "zhang.wei@court.example.cn", 0, "");
    assert_eq!(to_client.len(), 1);
    assert!(to_client[0].contains(&number), "{to_client:?}");
    assert_eq!(subjects(&sink, "sun.eng@example.com", 0, &number).len(), 1);
    assert_eq!(subjects(&sink, "li.eng@example.com", 0, &number).len(), 1);
    let before = sink.messages().len();

    // Nobody calls back: 50 % to the engineers, 80 % to the PM too, the breach to the service
    // managers as well — each once, however often the scan runs.
    for minutes in [10, 31, 31, 40, 49, 50, 61, 61, 75] {
        alarms::scan(&app.state, reported + Duration::minutes(minutes))
            .await
            .expect("a scan");
    }
    // The scan ran "in the future": so does the delivery of what it queued.
    jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "w", reported + Duration::minutes(80))
        .await
        .expect("delivery");
    let engineer = subjects(&sink, "sun.eng@example.com", before, &number);
    assert_eq!(engineer.len(), 3, "{engineer:?}");
    assert!(engineer[0].starts_with("【技术响应预警 50%】"), "{engineer:?}");
    assert!(engineer[1].starts_with("【技术响应预警 80%】"), "{engineer:?}");
    assert!(engineer[2].starts_with("【技术响应已超时】"), "{engineer:?}");
    let manager = subjects(&sink, "wang.pm@example.com", before, &number);
    assert_eq!(manager.len(), 2, "{manager:?}");
    assert_eq!(subjects(&sink, MANAGER, before, &number).len(), 1);
    // The service team's group chat had the new ticket and each warning once, through its robot.
    let chat: Vec<String> = robot.texts().into_iter().filter(|t| t.contains(&number)).collect();
    assert_eq!(chat.len(), 4, "{chat:?}");
    assert!(
        chat[0].starts_with("【新报修】") && chat[0].contains(&number),
        "{chat:?}"
    );
    assert!(chat[3].starts_with("【技术响应已超时】"), "{chat:?}");
    let outbox = app.get("/api/outbox?kind=webhook", &app.admin).await.expect(200);
    assert!(
        !outbox.to_string().contains("693a91f6"),
        "the robot's key stays out of the outbox: {outbox}"
    );
    let breach = sink
        .messages()
        .into_iter()
        .skip(before)
        .find(|m| m.envelope_to == MANAGER && m.subject.contains(&number))
        .expect("the breach");
    assert!(
        breach.text.contains(&number) && breach.text.contains("/tickets/"),
        "{}",
        breach.text
    );

    // Someone who is not on the project sees nothing of it.
    let (_, stranger) = app.user("zhao.eng", "engineer").await;
    app.get(&format!("/api/tickets/{ticket_id}"), &stranger)
        .await
        .refused(404, "ticket");
    assert_eq!(app.get("/api/tickets", &stranger).await.expect(200)["total"], 0);
}

#[tokio::test]
async fn a_repair_that_fails_twice_escalates_breaks_its_clock_and_a_replacement_keeps_the_chained_promise() {
    let Desk {
        app, sink, id, pm, eng, ..
    } = desk().await;
    let now = Utc::now().trunc_subsecs(0);
    let t0 = now - Duration::hours(12);
    let logged = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"channel": "phone", "reporter_name": "陈志刚", "reporter_phone": "0574-8888-2000",
                   "device": "第二审判庭 数字音频处理器", "system_type": "public_address",
                   "symptom": "扩声无声，处理器面板报警", "reported_at": at(t0)}),
        )
        .await
        .expect(200);
    let ticket_id = logged["id"].as_i64().expect("id");
    let number = logged["number"].as_str().expect("a number").to_string();
    let steps = format!("/api/tickets/{ticket_id}/steps");
    let step = |name: &str, t: DateTime<Utc>| json!({"step": name, "at": at(t)});

    // Out of turn: nothing repaired before someone is there; nothing recorded before the report.
    app.post(&steps, &eng, step("repaired", t0 + Duration::minutes(5)))
        .await
        .refused(409, "到场");
    app.post(&steps, &eng, step("called_back", t0 - Duration::minutes(5)))
        .await
        .refused(422, "at");
    app.post(&steps, &eng, json!({"step": "reported"}))
        .await
        .refused(422, "step");

    for (name, minutes) in [
        ("called_back", 20),
        ("analysed", 25),
        ("dispatched", 30),
        ("arrived", 120),
    ] {
        app.post(&steps, &eng, step(name, t0 + Duration::minutes(minutes)))
            .await
            .expect(200);
    }
    let before = sink.messages().len();
    app.post(
        &steps,
        &eng,
        json!({"step": "repair_failed", "at": at(t0 + Duration::hours(4)), "note": "更换电源模块后仍报警"}),
    )
    .await
    .expect(200);
    let twice = app
        .post(
            &steps,
            &eng,
            json!({"step": "repair_failed", "at": at(t0 + Duration::hours(7)), "note": "主板故障，需返厂"}),
        )
        .await
        .expect(200);
    assert_eq!(twice["failed_repairs"], 2);
    assert!(
        twice["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["step"] == "escalated")
    );
    deliver(&app).await;
    for department in [TECHNICAL, QUALITY] {
        let got = subjects(&sink, department, before, &number);
        assert_eq!(got.len(), 1, "{department}: {got:?}");
        assert!(got[0].contains("两次维修不成功"), "{got:?}");
    }

    // Eight hours after arriving it is not repaired: the repair clock broke at t0 + 10 h and the
    // replacement clock runs from that moment.
    let seen = app.get(&format!("/api/tickets/{ticket_id}"), &pm).await.expect(200);
    let response = clock(&seen, "response");
    assert_eq!(
        (response["verdict"].as_str(), response["elapsed_seconds"].as_i64()),
        (Some("kept"), Some(20 * 60))
    );
    assert_eq!(clock(&seen, "on_site")["verdict"], "kept");
    let repair = clock(&seen, "repair");
    assert_eq!(repair["verdict"], "overdue");
    assert_eq!(instant(&repair["breached_at"]), t0 + Duration::hours(10));
    let replacement = clock(&seen, "replacement");
    assert_eq!(replacement["state"], "running");
    assert_eq!(instant(&replacement["started_at"]), t0 + Duration::hours(10));
    assert_eq!(instant(&replacement["due_at"]), t0 + Duration::hours(34));

    let before = sink.messages().len();
    alarms::scan(&app.state, Utc::now()).await.expect("a scan");
    alarms::scan(&app.state, Utc::now()).await.expect("a scan");
    deliver(&app).await;
    let breach = subjects(&sink, MANAGER, before, &number);
    assert_eq!(
        breach.len(),
        1,
        "only the repair's breach, its lower levels skipped: {breach:?}"
    );
    assert!(breach[0].starts_with("【现场修复已超时】"), "{breach:?}");

    // The replacement, installed within its 24 hours, keeps the chained promise.
    let replaced = app
        .post(&steps, &eng, json!({"step": "replaced", "note": "更换同型号备机"}))
        .await
        .expect(200);
    assert_eq!(replaced["status"], "resolved");
    assert_eq!(clock(&replaced, "repair")["verdict"], "broken");
    assert_eq!(clock(&replaced, "replacement")["verdict"], "kept");
    app.post(&steps, &eng, json!({"step": "rechecked"})).await.expect(200);

    // The 上门服务单, filled on the tablet, signed by the repairer and by the client there; it is
    // the ticket's 填写服务单 step, and handing it in is its 服务单存档.
    let order = format!("/api/tickets/{ticket_id}/service-order");
    app.post(&format!("{order}/hand-in"), &eng, json!({}))
        .await
        .refused(409, "no 上门服务单");
    // What the fault came from is one of the listed causes, or none.
    app.put(
        &order,
        &eng,
        json!({"cause": "处理器主板电源芯片击穿", "cause_category": "bad_luck", "remedy": "更换", "result": "恢复"}),
    )
    .await
    .refused(422, "cause_category");
    let filled = app
        .put(
            &order,
            &eng,
            json!({"cause": "处理器主板电源芯片击穿", "cause_category": "hardware", "remedy": "更换同型号数字音频处理器，重新导入预设",
                   "remaining_symptom": "原处理器返厂检测", "remaining_method": "返厂检测后作为备件入库",
                   "used": [{"name": "数字音频处理器", "model": "BSS BLU-100", "quantity": 1, "serial": "SP-BLU-0009", "in_warranty": true, "remark": "替换"}],
                   "returned": [{"name": "数字音频处理器", "model": "BSS BLU-100", "quantity": 1, "serial": "BLU-2026-0042", "in_warranty": true, "remark": "主板故障，返厂"}],
                   "fee_yuan": 0, "result": "系统恢复正常，扩声各分区测试通过", "client_opinion": "响应及时，满意",
                   "client_signer_name": "陈志刚", "client_signer_email": "chen.zhigang@court.example.cn"}),
        )
        .await
        .expect(200);
    assert_eq!(filled["repairers"], "sun.eng、li.eng");
    assert_eq!(filled["cause_category"], "hardware");
    let labels: Vec<&str> = filled["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["label"].as_str())
        .collect();
    for label in [
        "工程名称",
        "工程地址",
        "联络电话",
        "联络人",
        "系统类型",
        "故障现象",
        "借用器材",
        "故障原因",
        "排除方法",
        "现存现象",
        "处理方法",
        "维修费用",
        "维修人署名",
        "维修日期",
        "服务结果",
        "用户意见或提议",
    ] {
        assert!(labels.contains(&label), "{label} in {labels:?}");
    }
    app.post(&format!("{order}/sign"), &eng, json!({})).await.expect(200);
    jiaofu_tests::signing::sign_on_site(&app, &format!("{order}/signing-requests"), &eng, &[1], "陈志刚").await;
    let signed = app.get(&order, &pm).await.expect(200);
    assert_eq!(signed["signatures"].as_array().map(Vec::len), Some(2));
    app.put(&order, &eng, json!({"cause": "改", "remedy": "改", "result": "改"}))
        .await
        .refused(409, "signed");
    let seen = app.get(&format!("/api/tickets/{ticket_id}"), &pm).await.expect(200);
    assert!(
        seen["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["step"] == "service_order_filled")
    );
    let handed = app.post(&format!("{order}/hand-in"), &eng, json!({})).await.expect(200);
    assert!(handed["handed_in_at"].is_string());
    let docx = form_bytes(&app, &format!("{order}.docx"), &pm).await;
    let docs = vec![("service-order".to_string(), docx)];
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        crate::forms::expect_text(
            "上门服务单",
            &printed[0].text(),
            &[
                "上门服务单",
                "宁波市鄞州区人民法院数字法庭建设项目",
                "陈志刚",
                "（设备硬件故障）处理器主板电源芯片击穿",
                "SP-BLU-0009",
                "BLU-2026-0042",
                "0.00 元",
                "响应及时，满意",
                "用户签章",
                "维修人署名",
            ],
        );
    }
    for name in ["site_cleaned", "return_visit", "closed"] {
        app.post(&steps, &eng, json!({"step": name})).await.expect(200);
    }
    app.post(&steps, &eng, json!({"step": "note", "note": "补充"}))
        .await
        .refused(409, "归档");
    let board = app.get("/api/tickets?closed=true", &pm).await.expect(200);
    assert_eq!(board["items"][0]["id"], ticket_id);
    let open = app.get("/api/tickets", &pm).await.expect(200);
    assert!(
        !open["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["id"] == ticket_id),
        "{open}"
    );
}

#[tokio::test]
async fn a_pause_holds_the_clocks_a_stricter_policy_keeps_the_time_spent_and_out_of_warranty_is_paid() {
    let Desk {
        app, sink, id, pm, eng, ..
    } = desk().await;
    let now = Utc::now().trunc_subsecs(0);
    let t0 = now - Duration::minutes(30);
    let logged = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"reporter_name": "刘芳", "reporter_phone": "0574-8888-3000", "device": "一号法庭 高清摄像机",
                   "symptom": "画面抖动", "reported_at": at(t0)}),
        )
        .await
        .expect(200);
    let ticket_id = logged["id"].as_i64().expect("id");
    let steps = format!("/api/tickets/{ticket_id}/steps");
    app.post(
        &steps,
        &eng,
        json!({"step": "dispatched", "at": at(t0 + Duration::minutes(5))}),
    )
    .await
    .expect(200);
    app.post(
        &steps,
        &eng,
        json!({"step": "paused", "at": at(t0 + Duration::minutes(10))}),
    )
    .await
    .refused(422, "reason");
    app.post(
        &steps,
        &eng,
        json!({"step": "paused", "at": at(t0 + Duration::minutes(10)), "reason": "客户要求庭审结束后再进场"}),
    )
    .await
    .expect(200);
    app.post(
        &steps,
        &eng,
        json!({"step": "paused", "at": at(t0 + Duration::minutes(11)), "reason": "again"}),
    )
    .await
    .refused(409, "paused");
    let paused = app.get("/api/tickets?clock=paused", &pm).await.expect(200);
    assert!(
        paused["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|r| r["id"] == ticket_id),
        "{paused}"
    );
    app.post(
        &steps,
        &eng,
        json!({"step": "resumed", "at": at(t0 + Duration::minutes(20))}),
    )
    .await
    .expect(200);
    let seen = app.get(&format!("/api/tickets/{ticket_id}"), &pm).await.expect(200);
    let on_site = clock(&seen, "on_site");
    let elapsed = on_site["elapsed_seconds"].as_i64().expect("elapsed");
    assert!(
        (15 * 60..15 * 60 + 120).contains(&elapsed),
        "5 minutes before the pause, 10 since: {elapsed}"
    );
    let due = instant(&on_site["due_at"]);
    assert_eq!(
        due,
        t0 + Duration::minutes(5 + 120 + 10),
        "the pause moved the deadline by its length"
    );

    // A stricter policy for this project: the time spent stays, the deadline comes closer.
    let mut policy = app.get(&format!("/api/projects/{id}/service"), &pm).await.expect(200)["policy"].clone();
    policy["on_site_minutes"] = json!(30);
    app.put(
        &format!("/api/projects/{id}/service/policy"),
        &eng,
        json!({"policy": policy}),
    )
    .await
    .refused(403, "manag");
    policy["warn_at_percent"] = json!([80, 50]);
    app.put(
        &format!("/api/projects/{id}/service/policy"),
        &pm,
        json!({"policy": policy}),
    )
    .await
    .refused(422, "warn_at_percent");
    policy["warn_at_percent"] = json!([50, 80]);
    let changed = app
        .put(
            &format!("/api/projects/{id}/service/policy"),
            &pm,
            json!({"policy": policy}),
        )
        .await
        .expect(200);
    assert_eq!(changed["own_policy"], true);
    let seen = app.get(&format!("/api/tickets/{ticket_id}"), &pm).await.expect(200);
    let on_site = clock(&seen, "on_site");
    assert!(on_site["elapsed_seconds"].as_i64().expect("elapsed") >= elapsed);
    assert_eq!(instant(&on_site["due_at"]), t0 + Duration::minutes(5 + 30 + 10));

    // A one-month warranty started ten days ago ends within 30 days: the PM and the client's
    // lead are told which units end when, once.
    policy["warranty_months"] = json!(1);
    app.put(
        &format!("/api/projects/{id}/service/policy"),
        &pm,
        json!({"policy": policy}),
    )
    .await
    .expect(200);
    let before = sink.messages().len();
    for _ in 0..2 {
        jiaofu::service::service_desk::notices::notify(&app.state, Utc::now())
            .await
            .expect("notices");
    }
    deliver(&app).await;
    for to in ["wang.pm@example.com", "chen.zhigang@court.example.cn"] {
        let got = subjects(&sink, to, before, "");
        assert_eq!(got.len(), 1, "{to}: {got:?}");
        assert!(got[0].starts_with("质保期将于"), "{got:?}");
    }
    let notice = sink
        .messages()
        .into_iter()
        .skip(before)
        .find(|m| m.envelope_to == "wang.pm@example.com")
        .expect("a notice");
    assert!(notice.text.contains("质保 1 个月"), "{}", notice.text);

    // A warranty of no months: every unit is out of warranty, its service paid.
    policy["warranty_months"] = json!(0);
    app.put(
        &format!("/api/projects/{id}/service/policy"),
        &pm,
        json!({"policy": policy}),
    )
    .await
    .expect(200);
    let paid = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"channel": "email", "reporter_name": "刘芳", "reporter_phone": "0574-8888-3000",
                   "device": "二号法庭 拾音器", "symptom": "杂音"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (paid["in_warranty"].as_bool(), paid["paid"].as_bool()),
        (Some(false), Some(true))
    );
    let unknown = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"reporter_name": "刘芳", "reporter_phone": "0574-8888-3000", "serial": "NO-SUCH-SN", "symptom": "杂音"}),
        )
        .await;
    assert_eq!(unknown.status, 422, "{}", unknown.text);
    assert!(unknown.text.contains("serial"), "{}", unknown.text);
    // A number nobody can call back is refused, saying what a number looks like.
    app.post(
        &format!("/api/projects/{id}/tickets"),
        &eng,
        json!({"reporter_name": "刘芳", "reporter_phone": "abc", "device": "拾音器", "symptom": "杂音"}),
    )
    .await
    .refused(422, "reporter_phone");
    let flagged = app
        .patch(
            &format!("/api/tickets/{}", paid["id"]),
            &eng,
            json!({"human_damage": true}),
        )
        .await
        .expect(200);
    assert_eq!(flagged["human_damage"], true);
}

/// An actor as the services take it, for driving them at a chosen moment.
fn as_actor(id: i64, username: &str, role: jiaofu::domain::types::Role) -> jiaofu::service::Actor {
    jiaofu::service::Actor {
        id: Some(i32::try_from(id).expect("an id")),
        username: username.into(),
        name: username.into(),
        role,
    }
}

fn shanghai(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn a_spare_lent_on_an_oral_yes_is_countersigned_across_the_weekend_and_stays_installed_in_time() {
    use jiaofu::domain::types::Role;
    use jiaofu::service::access::{Manage, RecordWork};
    use jiaofu::service::service_desk::{spares, tickets};
    let Desk {
        app,
        sink,
        id,
        pm,
        eng,
        wang,
        sun,
        ..
    } = desk().await;

    // The store: kept by managers, read by everyone.
    let spare = |serial: &str| json!({"name": "数字音频处理器", "model": "BSS BLU-100", "serial": serial, "location": "杭州仓 A-3"});
    app.post("/api/spares", &eng, spare("SP-BLU-0001"))
        .await
        .refused(403, "store");
    let first = app.post("/api/spares", &pm, spare("SP-BLU-0001")).await.expect(200);
    let second = app.post("/api/spares", &pm, spare("SP-BLU-0002")).await.expect(200);
    app.post("/api/spares", &pm, spare("SP-BLU-0002"))
        .await
        .refused(422, "serial");
    // A serial is one however it is typed.
    app.post("/api/spares", &pm, spare(" sp-blu-0002 "))
        .await
        .refused(422, "serial");
    assert_eq!(
        app.get("/api/spares?status=in_stock", &eng)
            .await
            .expect(200)
            .as_array()
            .expect("spares")
            .iter()
            .filter(|s| s["serial"].as_str().is_some_and(|sn| sn.starts_with("SP-BLU-000")))
            .count(),
        2
    );

    // A fault on Friday 20 November 2026, on an installed unit; the engineer is there at 10:30.
    let units = app
        .get(&format!("/api/projects/{id}/service/units"), &pm)
        .await
        .expect(200);
    let unit = units
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["serial"].is_string() && u["name"] == "数字音频处理器")
        .expect("an audio processor")
        .clone();
    let logged = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"reporter_name": "陈志刚", "reporter_phone": "0574-8888-2000", "unit_id": unit["unit_id"],
                   "symptom": "设备无输出", "reported_at": "2026-11-20T09:00:00+08:00"}),
        )
        .await
        .expect(200);
    let ticket_id = logged["id"].as_i64().expect("id");
    for (step, at) in [("called_back", "09:10"), ("dispatched", "09:20"), ("arrived", "10:30")] {
        app.post(
            &format!("/api/tickets/{ticket_id}/steps"),
            &eng,
            json!({"step": step, "at": format!("2026-11-20T{at}:00+08:00")}),
        )
        .await
        .expect(200);
    }
    let engineer = as_actor(sun, "sun.eng", Role::Engineer);
    let manager = as_actor(wang, "wang.pm", Role::Manager);
    let ticket_id = i32::try_from(ticket_id).expect("id");
    let work = tickets::ticket::<RecordWork>(&app.state.db, &engineer, ticket_id)
        .await
        .expect("the ticket");
    let managed = tickets::ticket::<Manage>(&app.state.db, &manager, ticket_id)
        .await
        .expect("the ticket");
    let state = &app.state;

    // Two spares asked for at 16:00; the PM says yes on the phone at 17:00 on Friday.
    let friday = shanghai("2026-11-20T16:00:00+08:00");
    let spare_id = |v: &Value| i32::try_from(v["id"].as_i64().expect("id")).expect("id");
    let kept = spares::request(
        state,
        &work,
        spare_id(&first),
        Some("处理器无输出，需更换".into()),
        friday,
    )
    .await
    .expect("asked");
    let late = spares::request(state, &work, spare_id(&second), None, friday)
        .await
        .expect("asked");
    let wang32 = i32::try_from(wang).expect("id");
    let oral_at = Some(shanghai("2026-11-20T17:00:00+08:00"));
    let said = shanghai("2026-11-20T17:05:00+08:00");
    let kept = spares::record_oral_approval(state, &work, kept.id, wang32, oral_at, said)
        .await
        .expect("oral yes");
    spares::record_oral_approval(state, &work, late.id, wang32, oral_at, said)
        .await
        .expect("oral yes");
    assert_eq!(
        kept.countersign_due_on.map(|d| d.to_string()).as_deref(),
        Some("2026-11-24"),
        "two working days after Friday: Tuesday"
    );

    // Monday: the PM is reminded (once that day, however often the job runs) …
    let before = sink.messages().len();
    let monday = shanghai("2026-11-23T09:00:00+08:00");
    for _ in 0..2 {
        spares::notify(state, monday).await.expect("reminders");
    }
    jiaofu::jobs::delivery::run_once(state, &state.mailer, "w", monday)
        .await
        .expect("delivery");
    let to_pm = subjects(&sink, "wang.pm@example.com", before, "SP-BLU");
    let asked = to_pm.iter().filter(|s| s.starts_with("【借用待批】")).count();
    assert_eq!(asked, 2, "asked to approve each: {to_pm:?}");
    let reminded = to_pm.iter().filter(|s| s.starts_with("【口头同意待补签】")).count();
    assert_eq!(reminded, 2, "one a day per loan: {to_pm:?}");

    // … and countersigns one on Tuesday, the second working day; the other is late on Wednesday.
    let tuesday = shanghai("2026-11-24T11:00:00+08:00");
    spares::countersign(state, &managed, kept.id, tuesday)
        .await
        .expect("countersigned");
    let before = sink.messages().len();
    let wednesday = shanghai("2026-11-25T09:00:00+08:00");
    for _ in 0..2 {
        spares::notify(state, wednesday).await.expect("reminders");
    }
    jiaofu::jobs::delivery::run_once(state, &state.mailer, "w", wednesday)
        .await
        .expect("delivery");
    let escalated = subjects(&sink, MANAGER, before, "SP-BLU");
    assert_eq!(escalated.len(), 1, "{escalated:?}");
    assert!(
        escalated[0].starts_with("【补签已逾期】") && escalated[0].contains("SP-BLU-0002"),
        "{escalated:?}"
    );

    // A spare promised to a loan is not scrapped from under it.
    let scrapped = app
        .patch(
            &format!("/api/spares/{}", spare_id(&second)),
            &pm,
            json!({"status": "scrapped"}),
        )
        .await;
    assert_eq!(scrapped.status, 409, "{}", scrapped.text);
    assert!(scrapped.text.contains("loan"), "{}", scrapped.text);

    // Taken out at 17:30 Friday (the ticket's 领取备件 step); installed Saturday 10:00, within the
    // replacement clock that started when the repair clock broke at 18:30.
    spares::check_out(state, &work, kept.id, shanghai("2026-11-20T17:30:00+08:00"))
        .await
        .expect("taken out");
    // A unit that stays is one of the same kind: a courtroom host cannot stand in for an audio
    // processor.
    let host = app
        .post(
            "/api/spares",
            &pm,
            json!({"name": "庭审主机", "model": "KDV-TR8000", "serial": "SP-TR8000-09", "location": "杭州仓 A-1"}),
        )
        .await
        .expect(200);
    let wrong = spares::request(state, &work, spare_id(&host), None, friday)
        .await
        .expect("asked");
    spares::approve(state, &managed, wrong.id, friday)
        .await
        .expect("approved");
    spares::check_out(state, &work, wrong.id, shanghai("2026-11-20T17:35:00+08:00"))
        .await
        .expect("taken out");
    let work = tickets::ticket::<RecordWork>(&app.state.db, &engineer, ticket_id)
        .await
        .expect("the ticket");
    let refused = spares::install(
        state,
        &work,
        wrong.id,
        "杭州仓".into(),
        shanghai("2026-11-20T18:00:00+08:00"),
    )
    .await;
    assert!(
        matches!(&refused, Err(jiaofu::error::AppError::Conflict(m)) if m.contains("own kind")),
        "{refused:?}"
    );
    spares::give_back(state, &work, wrong.id, shanghai("2026-11-20T18:05:00+08:00"))
        .await
        .expect("brought back");
    spares::install(
        state,
        &work,
        kept.id,
        "杭州仓 待修区".into(),
        shanghai("2026-11-21T10:00:00+08:00"),
    )
    .await
    .expect("installed");
    let seen = app.get(&format!("/api/tickets/{ticket_id}"), &pm).await.expect(200);
    assert_eq!(seen["status"], "resolved");
    let steps: Vec<&str> = seen["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["step"].as_str())
        .collect();
    assert!(
        steps.contains(&"spares_drawn") && steps.contains(&"replaced"),
        "{steps:?}"
    );
    assert_eq!(clock(&seen, "repair")["verdict"], "broken");
    assert_eq!(
        instant(&clock(&seen, "replacement")["started_at"]),
        shanghai("2026-11-20T18:30:00+08:00")
    );
    assert_eq!(clock(&seen, "replacement")["verdict"], "kept");

    // The unit now carries the spare's serial and the remaining warranty of the one it replaced;
    // the faulty unit is in the store, 待修.
    let after = app
        .get(&format!("/api/projects/{id}/service/units"), &pm)
        .await
        .expect(200);
    let swapped = after
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["unit_id"] == unit["unit_id"])
        .expect("the unit");
    assert_eq!(swapped["serial"], "SP-BLU-0001");
    assert_eq!(swapped["warranty_ends_on"], unit["warranty_ends_on"]);
    let store = app.get("/api/spares", &pm).await.expect(200);
    let by_serial = |sn: &Value| {
        store
            .as_array()
            .expect("spares")
            .iter()
            .find(|s| s["serial"] == *sn)
            .cloned()
            .expect("a spare")
    };
    assert_eq!(by_serial(&json!("SP-BLU-0001"))["status"], "installed");
    assert_eq!(by_serial(&unit["serial"])["status"], "faulty");
    let loans = app
        .get(&format!("/api/tickets/{ticket_id}/loans"), &eng)
        .await
        .expect(200);
    assert_eq!(loans[0]["status"], "installed");
    assert_eq!(loans[1]["status"], "approved");
}

/// A page session for `username` (the sign-in form, from our own origin), as a cookie header.
async fn page_session(app: &TestApp, username: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let resp = client
        .post(app.url("/login"))
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("signed in");
    assert_eq!(resp.status().as_u16(), 303);
    let cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("jiaofu_session="))
        .expect("a session cookie");
    cookie.split(';').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_service_desk_pages_ask_a_visitor_to_sign_in_refuse_cross_site_forms_and_keep_tickets_to_their_project() {
    let Desk { app, id, .. } = desk().await;
    let ticket = app
        .get(&format!("/api/projects/{id}/tickets"), &app.admin)
        .await
        .expect(200)[0]["id"]
        .as_i64()
        .expect("a demo ticket");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for path in [
        "/service".to_string(),
        format!("/tickets/{ticket}"),
        format!("/tickets/{ticket}/service-order"),
        "/spares".to_string(),
        format!("/projects/{id}/service"),
    ] {
        let resp = client.get(app.url(&path)).send().await.expect("asked");
        assert_eq!(resp.status().as_u16(), 303, "{path}");
        let to = resp.headers()["location"].to_str().unwrap_or_default().to_string();
        assert!(to.starts_with("/login?next="), "{path} sends a visitor to {to}");
    }
    let session = page_session(&app, "wang.pm", "wang.pm-password-123").await;
    for path in [
        format!("/tickets/{ticket}/steps"),
        format!("/tickets/{ticket}/assignees"),
        format!("/tickets/{ticket}/flags"),
        format!("/tickets/{ticket}/loans"),
        format!("/tickets/{ticket}/loans/1/approve"),
        format!("/tickets/{ticket}/service-order"),
        format!("/tickets/{ticket}/service-order/sign"),
        format!("/tickets/{ticket}/service-order/request"),
        format!("/tickets/{ticket}/service-order/hand-in"),
        "/spares".to_string(),
        "/spares/1".to_string(),
        format!("/projects/{id}/service/tickets"),
        format!("/projects/{id}/service/policy"),
        format!("/projects/{id}/service/specialists"),
        format!("/projects/{id}/service/report-link"),
    ] {
        let resp = client
            .post(app.url(&path))
            .header("cookie", &session)
            .header("Sec-Fetch-Site", "cross-site")
            .form(&[("step", "arrived"), ("reason", "x")])
            .send()
            .await
            .expect("asked");
        assert_eq!(resp.status().as_u16(), 403, "a cross-site form to {path}");
    }
    // The steps recorded nothing.
    let before = app.get(&format!("/api/tickets/{ticket}"), &app.admin).await.expect(200);
    assert!(
        before["events"]
            .as_array()
            .is_some_and(|e| e.iter().all(|e| e["note"] != "x")),
        "{before}"
    );

    // Someone outside the project: no ticket, no service tab; an engineer keeps no store.
    app.user("zhou.other", "engineer").await;
    let outsider = page_session(&app, "zhou.other", "zhou.other-password-123").await;
    for path in [format!("/tickets/{ticket}"), format!("/projects/{id}/service")] {
        let resp = client
            .get(app.url(&path))
            .header("cookie", &outsider)
            .send()
            .await
            .expect("asked");
        assert_eq!(resp.status().as_u16(), 404, "{path} for someone outside the project");
    }
    let stocked = client
        .post(app.url("/spares"))
        .header("cookie", &outsider)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("name", "拾音器"), ("location", "备件库")])
        .send()
        .await
        .expect("asked");
    assert_eq!(stocked.status().as_u16(), 403);
    let page = stocked.text().await.expect("a page");
    assert!(page.contains("经理和管理员"), "{page}");
}

/// Sets the project's warranty start (what final acceptance sets from the contract's delivery
/// date) to `day`, as if it had been delivered on it.
async fn warranty_from(app: &TestApp, id: i64, day: &str) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let project = entity::project::Entity::find_by_id(i32::try_from(id).expect("id"))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the project");
    let mut active: entity::project::ActiveModel = project.into();
    active.warranty_starts_on = Set(Some(day.parse().expect("a day")));
    active.update(&app.state.db).await.expect("updated");
}

#[tokio::test]
async fn inspection_visits_fall_on_working_days_a_missed_one_is_reported_once_and_a_problem_found_becomes_a_ticket() {
    use jiaofu::service::service_desk::patrols;
    let Desk {
        app, sink, id, pm, eng, ..
    } = desk().await;
    let policy = |per: u32| json!({"policy": {"inspections_per_half_year": per}});
    let patrols_url = format!("/api/projects/{id}/patrols");
    let planned = |v: &Value| -> Vec<String> {
        v["visits"]
            .as_array()
            .expect("visits")
            .iter()
            .map(|p| p["planned_on"].as_str().unwrap_or_default().to_string())
            .collect()
    };

    // Delivered with its warranty from 1 July 2026, two visits a half-year: months 2 and 4 —
    // Tuesday 1 September, and Sunday 1 November moved to Monday the 2nd.
    warranty_from(&app, id, "2026-07-01").await;
    app.put(&format!("/api/projects/{id}/service/policy"), &pm, policy(3))
        .await
        .refused(422, "inspections_per_half_year");
    app.put(&format!("/api/projects/{id}/service/policy"), &pm, policy(2))
        .await
        .expect(200);
    let two = app.get(&patrols_url, &eng).await.expect(200);
    let days = planned(&two);
    assert_eq!(days.len(), 12, "six half-years of a 36-month warranty: {days:?}");
    assert_eq!(&days[..2], ["2026-09-01", "2026-11-02"]);
    let checklist = &two["checklists"][0];
    assert!(
        checklist["unit_checks"].as_array().is_some_and(|c| !c.is_empty()),
        "{checklist}"
    );

    // One a half-year: its middle, 1 October, is 国庆; the first working day after is the 8th.
    app.put(&format!("/api/projects/{id}/service/policy"), &pm, policy(1))
        .await
        .expect(200);
    let one = app.get(&patrols_url, &eng).await.expect(200);
    assert_eq!(planned(&one)[0], "2026-10-08");
    // From 10 July, the middle is Saturday 10 October — a 调休 working day, so it stays.
    warranty_from(&app, id, "2026-07-10").await;
    app.post(&format!("{patrols_url}/plan"), &eng, json!({}))
        .await
        .expect(403);
    let replanned = app
        .post(&format!("{patrols_url}/plan"), &pm, json!({}))
        .await
        .expect(200);
    assert_eq!(planned(&replanned)[0], "2026-10-10");
    let first = replanned["visits"][0].clone();
    assert_eq!(first["overdue"], true, "not done, and its day has passed: {first}");

    // The missed visit: the PMs and the service managers are told once, however often the job runs.
    let before = sink.messages().len();
    let now = Utc::now();
    for _ in 0..2 {
        patrols::notify(&app.state, now).await.expect("notices");
    }
    deliver(&app).await;
    let late_to_pm = subjects(&sink, "wang.pm@example.com", before, "巡检逾期");
    assert_eq!(late_to_pm.len(), 1, "{late_to_pm:?}");
    assert!(late_to_pm[0].contains("2026-10-10"), "{late_to_pm:?}");
    // (The demo's year of history has a missed visit of its own, on another court.)
    let late_to_managers = subjects(&sink, MANAGER, before, "巡检逾期");
    assert_eq!(
        late_to_managers.iter().filter(|s| s.contains("鄞州区")).count(),
        1,
        "{late_to_managers:?}"
    );

    // A week before the next visit, its engineers (the designated ones) are reminded.
    let next = replanned["visits"][1]["planned_on"]
        .as_str()
        .expect("a day")
        .to_string();
    let week_before = chrono::DateTime::parse_from_rfc3339(&format!("{next}T09:00:00+08:00"))
        .expect("a time")
        .with_timezone(&Utc)
        - Duration::days(7);
    let before = sink.messages().len();
    patrols::notify(&app.state, week_before).await.expect("notices");
    jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "w", week_before)
        .await
        .expect("delivery");
    let reminded = subjects(&sink, "sun.eng@example.com", before, "巡检提醒");
    assert_eq!(reminded.len(), 1, "{reminded:?}");

    // The visit is made: a unit's check fails and is to be repaired — a ticket opens for it.
    let units = app
        .get(&format!("/api/projects/{id}/service/units"), &pm)
        .await
        .expect(200);
    let unit = units
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["name"] == "核心交换机")
        .expect("a core switch")
        .clone();
    let visit = first["id"].as_i64().expect("id");
    let record = json!({
    "summary": "系统运行正常，一台交换机风扇异响",
    "contact_name": "陈志刚", "contact_phone": "0574-8888-2000",
    "checks": [
        {"item": "庭审录音录像完整", "result": "pass"},
        {"unit_id": unit["unit_id"], "item": "通电运行正常，散热风扇转动，无异常声响", "result": "fail",
         "note": "风扇异响", "open_ticket": true},
    ]});
    let bad = json!({"contact_name": "陈志刚", "contact_phone": "0574-8888-2000",
        "checks": [{"item": "外观", "result": "pass", "open_ticket": true}]});
    app.post(&format!("{patrols_url}/{visit}/record"), &eng, bad)
        .await
        .refused(422, "open_ticket");
    let done = app
        .post(&format!("{patrols_url}/{visit}/record"), &eng, record.clone())
        .await
        .expect(200);
    assert_eq!(done["overdue"], false);
    assert_eq!(done["done_by"], "sun.eng");
    let ticket = done["checks"][1]["ticket_id"].as_i64().expect("a ticket opened");
    assert!(done["checks"][0]["ticket_id"].is_null());
    let opened = app.get(&format!("/api/tickets/{ticket}"), &pm).await.expect(200);
    assert_eq!(opened["channel"], "inspection");
    assert_eq!(opened["unit_id"], unit["unit_id"]);
    assert!(
        opened["symptom"].as_str().is_some_and(|s| s.contains("风扇异响")),
        "{opened}"
    );
    app.post(&format!("{patrols_url}/{visit}/record"), &eng, record)
        .await
        .refused(409, "already");

    // The 巡检报告: signed by the engineer, then by the client's man on site on the tablet;
    // printed with what was found.
    let report = format!("{patrols_url}/{visit}/report");
    app.post(&format!("{report}/sign"), &eng, json!({})).await.expect(200);
    jiaofu_tests::signing::sign_on_site(&app, &format!("{report}/signing-requests"), &eng, &[1], "陈志刚").await;
    let signed = app.get(&patrols_url, &pm).await.expect(200);
    let this = signed["visits"]
        .as_array()
        .expect("visits")
        .iter()
        .find(|v| v["id"] == visit)
        .cloned()
        .unwrap_or_default();
    assert!(
        this["signed_by_us"].as_str().is_some_and(|s| s.starts_with("sun.eng")),
        "{this}"
    );
    assert!(
        this["signed_by_client"]
            .as_str()
            .is_some_and(|s| s.starts_with("陈志刚")),
        "{this}"
    );
    let docx = form_bytes(&app, &format!("{report}.docx"), &pm).await;
    let docs = vec![("patrol-report".to_string(), docx)];
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        crate::forms::expect_text(
            "巡检报告",
            &printed[0].text(),
            &[
                "巡检报告",
                "宁波市鄞州区人民法院数字法庭建设项目",
                "第 1 次",
                "2026-10-10",
                "风扇异响",
                "已报修",
                "陈志刚",
                "用户签章",
            ],
        );
    }
    // Changing the policy again keeps the visit done.
    app.put(&format!("/api/projects/{id}/service/policy"), &pm, policy(2))
        .await
        .expect(200);
    let kept = app.get(&patrols_url, &eng).await.expect(200);
    assert!(
        kept["visits"]
            .as_array()
            .expect("visits")
            .iter()
            .any(|v| v["id"] == visit && v["done_on"].is_string()),
        "{kept}"
    );

    // 定时电话回访, logged.
    app.post(
        &format!("/api/projects/{id}/service-calls"),
        &eng,
        json!({"contact_name": "陈志刚", "summary": "系统运行稳定，希望增加一次培训"}),
    )
    .await
    .expect(200);
    let calls = app
        .get(&format!("/api/projects/{id}/service-calls"), &pm)
        .await
        .expect(200);
    assert_eq!(calls[0]["summary"], "系统运行稳定，希望增加一次培训");
}

#[tokio::test]
async fn a_return_visit_by_phone_and_one_by_link_an_unhappy_complaint_reaches_the_managers_and_is_followed_up() {
    let Desk {
        app, sink, id, pm, eng, ..
    } = desk().await;
    let opened = app
        .post(
            &format!("/api/projects/{id}/tickets"),
            &eng,
            json!({"channel": "phone", "reporter_name": "刘芳", "reporter_phone": "0574-8888-3000",
                   "reporter_email": "liu.fang@court.example.cn", "device": "三号法庭 拾音器", "symptom": "拾音器杂音"}),
        )
        .await
        .expect(200);
    let ticket = opened["id"].as_i64().expect("id");
    let number = opened["number"].as_str().expect("a number").to_string();
    let visits = format!("/api/tickets/{ticket}/return-visits");
    let call = |stage: &str, overall: &str| {
        json!({"stage": stage, "response": "satisfied", "attitude": "satisfied", "quality": "basically",
               "overall": overall, "respondent": "刘芳"})
    };
    // During the repair, by phone: nothing to follow up.
    app.post(&visits, &eng, call("after", "satisfied"))
        .await
        .refused(409, "not removed");
    let during = app.post(&visits, &eng, call("during", "satisfied")).await.expect(200);
    assert_eq!(during["follow_up"], false);
    for step in ["called_back", "dispatched", "arrived", "repaired"] {
        app.post(&format!("/api/tickets/{ticket}/steps"), &eng, json!({"step": step}))
            .await
            .expect(200);
    }
    app.post(&visits, &eng, call("during", "satisfied"))
        .await
        .refused(409, "removed already");

    // After it, by a link to the reporter: she is unhappy and complains.
    let before = sink.messages().len();
    app.post(&format!("{visits}/link"), &eng, json!({"stage": "after"}))
        .await
        .expect(200);
    deliver(&app).await;
    let links = jiaofu_tests::phase4::links_to(&app, &sink, "liu.fang@court.example.cn", before, "/feedback/").await;
    let link = links.first().expect("a link by e-mail").clone();
    let web = reqwest::Client::new();
    let page = web.get(app.url(&link)).send().await.expect("the page");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains(&number));
    let unanswered = web
        .post(app.url(&link))
        .form(&[("response", "satisfied")])
        .send()
        .await
        .expect("a reply");
    assert_eq!(unanswered.status(), 422, "every question is answered");
    let before = sink.messages().len();
    let answered = web
        .post(app.url(&link))
        .form(&[
            ("response", "basically"),
            ("attitude", "satisfied"),
            ("quality", "unsatisfied"),
            ("overall", "unsatisfied"),
            ("comment", "修好两天后又出现杂音"),
            ("complaint", "1"),
            ("respondent", "刘芳"),
        ])
        .send()
        .await
        .expect("a reply");
    assert_eq!(answered.status(), 200);
    assert!(answered.text().await.expect("html").contains("投诉"));
    let again = web
        .post(app.url(&link))
        .form(&[
            ("response", "satisfied"),
            ("attitude", "satisfied"),
            ("quality", "satisfied"),
            ("overall", "satisfied"),
        ])
        .send()
        .await
        .expect("a reply");
    assert_eq!(again.status(), 404, "a link answers once");
    deliver(&app).await;
    let to_pm = subjects(&sink, "wang.pm@example.com", before, &number);
    assert!(to_pm.iter().any(|s| s.starts_with("【客户投诉】")), "{to_pm:?}");
    assert!(
        subjects(&sink, MANAGER, before, &number)
            .iter()
            .any(|s| s.starts_with("【客户投诉】"))
    );
    let seen = app.get(&format!("/api/tickets/{ticket}"), &pm).await.expect(200);
    assert!(
        seen["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e["step"] == "return_visit"),
        "the answer after the repair is the 维修后回访 step: {seen}"
    );

    // The PM follows it up, once; an engineer may not.
    let list = app.get(&visits, &pm).await.expect(200);
    let unhappy = list
        .as_array()
        .expect("visits")
        .iter()
        .find(|v| v["follow_up"] == true)
        .expect("the unhappy answer")
        .clone();
    assert_eq!(unhappy["channel"], "link");
    assert_eq!(unhappy["complaint"], true);
    let follow = format!("{visits}/{}/follow-up", unhappy["id"]);
    let note = json!({"note": "已上门更换拾音器并当面致歉，客户表示认可"});
    app.post(&follow, &eng, note.clone()).await.expect(403);
    let done = app.post(&follow, &pm, note.clone()).await.expect(200);
    assert!(done["followed_up_at"].is_string());
    app.post(&follow, &pm, note).await.refused(409, "already");
}
