//! The functional test plan end to end: a courtroom plan made from its templates, results with a
//! failure that blocks its page, our signature in the app, the client's by one e-mailed link for
//! three pages, reuse and expiry refused, a signed page locked until voided, the 预验收证书, and
//! the audit chain verified — then broken by altering a row; and the Word records printed by a real
//! reader, each logical Part 1 page on one printed page ending with its signatures.
use jiaofu::{config::Secret, jobs::delivery};
use jiaofu_tests::signing::{confirm_conditions, hidden_hashes};
use jiaofu_tests::{
    SmtpSink, TestApp,
    reader::{self, Rendered, compact},
    spawn_app, spawn_app_with,
};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

/// A project with 李明 on its team as an engineer: its id and his token.
async fn project_with_engineer(app: &TestApp, code: &str) -> (i64, String) {
    let id = app.project(code, "2026-11-02").await["id"].as_i64().expect("id");
    let (li, li_token) = app.user("li.ming", "engineer").await;
    app.post(
        &format!("/api/projects/{id}/members"),
        &app.admin,
        json!({"user_id": li, "role": "engineer"}),
    )
    .await
    .expect(200);
    (id, li_token)
}

fn pages(plan: &Value) -> &Vec<Value> {
    plan["pages"].as_array().expect("pages")
}

fn page(plan: &Value, n: i64) -> &Value {
    pages(plan).iter().find(|p| p["number"] == n).expect("page")
}

/// Records a pass for every item of `page` not recorded yet.
pub(crate) async fn pass_page(app: &TestApp, base: &str, token: &str, plan: &Value, n: i64) -> Value {
    let mut latest = plan.clone();
    for item in page(plan, n)["items"].as_array().expect("items") {
        if item["passed"] == true {
            continue;
        }
        latest = app
            .put(
                &format!("{base}/items/{}/result", item["id"]),
                token,
                json!({"actual": "符合预期", "passed": true}),
            )
            .await
            .expect(200);
    }
    latest
}

/// The link in an e-mail body, as a path on the test server.
fn link_in(text: &str) -> String {
    let start = text.find("/sign/").expect("a signing link");
    text[start..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .expect("link")
        .to_string()
}

const WECHAT: &str = "Mozilla/5.0 (iPhone) MicroMessenger/8.0";

async fn form(app: &TestApp, path: &str, fields: &[(String, String)]) -> (u16, String) {
    let response = app
        .client
        .post(app.url(path))
        .header("user-agent", WECHAT)
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    (status, response.text().await.expect("html"))
}

/// Opens a signing link on a phone: the page, and the form fields that sign it as `name`.
async fn open_link(app: &TestApp, link: &str, name: &str) -> (u16, String, Vec<(String, String)>) {
    let response = app
        .client
        .get(app.url(link))
        .header("user-agent", WECHAT)
        .send()
        .await
        .expect("open");
    let status = response.status().as_u16();
    let html = response.text().await.expect("html");
    let mut fields = hidden_hashes(&html);
    fields.extend([
        ("action".into(), "sign".into()),
        ("consent".into(), "yes".into()),
        ("typed_name".into(), name.into()),
    ]);
    (status, html, fields)
}

#[tokio::test]
async fn a_courtroom_plan_is_tested_signed_page_by_page_by_both_parties_and_certified() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(Secret::new(url))).await;
    let (id, li_token) = project_with_engineer(&app, "ZJFY-2026-018").await;

    // Every template instantiates and paginates; the courtroom job carries its PA system.
    let templates = app.get("/api/test-plan-templates", &app.admin).await.expect(200);
    assert_eq!(templates.as_array().expect("templates").len(), 4);
    let plans = format!("/api/projects/{id}/test-plans");
    app.post(&plans, &app.admin, json!({"templates": ["ship_radar"]}))
        .await
        .refused(422, "digital_courtroom");
    let plan = app
        .post(
            &plans,
            &app.admin,
            json!({"templates": ["digital_courtroom", "public_address"]}),
        )
        .await
        .expect(200);
    let base = format!("{plans}/{}", plan["id"]);
    let stages: Vec<&str> = pages(&plan)
        .iter()
        .flat_map(|p| p["items"].as_array().expect("items"))
        .map(|i| i["stage"].as_str().expect("stage"))
        .collect();
    let mut sorted = stages.clone();
    sorted.sort_by_key(|s| ["line", "device", "network", "system"].iter().position(|x| x == s));
    assert_eq!(stages, sorted, "the stages run in order across both templates");
    assert!(
        pages(&plan)
            .iter()
            .all(|p| p["items"].as_array().expect("items").len() <= 6)
    );
    assert_eq!(page(&plan, 1)["items"][0]["number"], "1.1");
    assert!(plan["procedures"].as_array().expect("Part 2").len() >= 10);

    // Results wait for both sides to confirm the test conditions.
    let first_item = page(&plan, 1)["items"][0]["id"].clone();
    app.put(
        &format!("{base}/items/{first_item}/result"),
        &li_token,
        json!({"actual": "符合", "passed": true}),
    )
    .await
    .expect(409);
    confirm_conditions(&app, &base).await;

    // Page 1 with one failure: it cannot be signed, and the answer names the item.
    let mut plan = pass_page(&app, &base, &li_token, &plan, 1).await;
    let failing = page(&plan, 1)["items"][1].clone();
    app.put(
        &format!("{base}/items/{}/result", failing["id"]),
        &li_token,
        json!({"actual": "链路 3-12 近端串扰不合格", "passed": false}),
    )
    .await
    .expect(422);
    plan = app
        .put(
            &format!("{base}/items/{}/result", failing["id"]),
            &li_token,
            json!({"actual": "链路 3-12 近端串扰不合格", "passed": false, "remark": "重新端接后复测"}),
        )
        .await
        .expect(200);
    assert_eq!(page(&plan, 1)["state"], "open");
    let blocked = app
        .post(&format!("{base}/pages/1/sign"), &li_token, json!({}))
        .await
        .expect(409);
    let message = blocked["message"].as_str().expect("message");
    assert!(
        message.contains(&format!("item {}", failing["number"].as_str().expect("n")))
            && message.contains(failing["name"].as_str().expect("name"))
            && message.contains("failed"),
        "{message}"
    );

    // Fixed and re-tested; pages 1–3 pass and we sign them in the app.
    app.put(
        &format!("{base}/items/{}/result", failing["id"]),
        &li_token,
        json!({"actual": "复测通过，NEXT 余量 4.2 dB", "passed": true, "note": "4.2 dB"}),
    )
    .await
    .expect(200);
    for n in 2..=3 {
        plan = pass_page(&app, &base, &li_token, &app.get(&base, &li_token).await.expect(200), n).await;
    }
    for n in 1..=3 {
        plan = app
            .post(&format!("{base}/pages/{n}/sign"), &li_token, json!({}))
            .await
            .expect(200);
        assert_eq!(page(&plan, n)["state"], "signed_by_us");
    }
    let ours = &page(&plan, 1)["signatures"][0];
    assert_eq!(
        (ours["signer_name"].clone(), ours["method"].clone()),
        (json!("li.ming"), json!("in_app"))
    );
    assert_eq!(ours["content_sha256"], page(&plan, 1)["content_sha256"]);
    // The administrator is not on the project team: it cannot sign for 乙方.
    app.post(&format!("{base}/pages/4/sign"), &app.admin, json!({}))
        .await
        .expect(403);

    // One request for three pages: one e-mail.
    let request = app
        .post(
            &format!("{base}/signing-requests"),
            &li_token,
            json!({"pages": [1, 2, 3]}),
        )
        .await
        .expect(200);
    assert_eq!(request["signer_email"], "zhou.wentao@court.example.cn");
    assert!(
        request["link"].is_null(),
        "an e-mailed link is not shown to the requester"
    );
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let mails = sink.messages();
    assert_eq!(mails.len(), 1, "one e-mail for the batch");
    assert_eq!(mails[0].envelope_to, "zhou.wentao@court.example.cn");
    assert!(mails[0].subject.contains("3 页待您签字"), "{}", mails[0].subject);
    let first_link = link_in(&mails[0].text);

    // Two days on, a reminder carries a fresh link and the first one stops working.
    let later = chrono::Utc::now() + chrono::Duration::days(2) + chrono::Duration::minutes(1);
    let remind = |at| jiaofu::service::signing::remind(&app.state, at);
    assert_eq!(remind(later).await.expect("remind"), 1);
    assert_eq!(remind(later).await.expect("remind"), 0, "not twice in two days");
    delivery::run_once(&app.state, &app.state.mailer, "w", later)
        .await
        .expect("delivery");
    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    assert!(mails[1].subject.starts_with("【提醒】"), "{}", mails[1].subject);
    let stale = app.client.get(app.url(&first_link)).send().await.expect("open");
    assert_eq!(stale.status(), 404);
    let link = link_in(&mails[1].text);

    // The page, as a phone in WeChat sees it.
    let (status, html, fields) = open_link(&app, &link, "周文涛").await;
    assert_eq!(status, 200);
    for expected in [
        "周文涛",
        "第一部分 测试内容 第 1 页",
        "第一部分 测试内容 第 3 页",
        "复测通过，NEXT 余量 4.2 dB",
        "type=\"checkbox\"",
        "typed_name",
    ] {
        assert!(html.contains(expected), "the signing page lacks {expected}");
    }
    assert!(!html.contains("<script"), "the essentials need no JavaScript");
    assert_eq!(hidden_hashes(&html).len(), 3, "one content hash per page");
    // A wrong name is refused and the form shown again.
    let wrong: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.clone(), if k == "typed_name" { "张三".into() } else { v.clone() }))
        .collect();
    let (status, again) = form(&app, &link, &wrong).await;
    assert_eq!(status, 422);
    assert!(again.contains("不一致"));
    let (status, done) = form(&app, &link, &fields).await;
    assert_eq!(status, 200, "{done}");
    assert!(done.contains("签字完成"));
    plan = app.get(&base, &li_token).await.expect(200);
    for n in 1..=3 {
        assert_eq!(page(&plan, n)["state"], "signed", "page {n}");
    }
    let client = page(&plan, 2)["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .find(|s| s["party"] == "client")
        .expect("the client's signature")
        .clone();
    assert_eq!(client["method"], "email_link");
    assert_eq!(client["signer_email"], "zhou.wentao@court.example.cn");
    assert!(client["user_agent"].as_str().expect("ua").contains("MicroMessenger"));
    assert!(client["ip_address"].is_string());
    // Whoever sent the request is told the client signed, once.
    let told = app
        .get("/api/outbox?kind=signing_outcome", &app.admin)
        .await
        .expect(200);
    let subjects: Vec<&str> = told["items"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    assert!(
        subjects[0].starts_with("【已签字】") && subjects[0].contains("周文涛"),
        "{subjects:?}"
    );

    // The link signs once.
    let (status, _) = form(&app, &link, &fields).await;
    assert_eq!(status, 409);

    // A signed page is locked until voided.
    app.put(
        &format!("{base}/items/{}/result", failing["id"]),
        &li_token,
        json!({"actual": "改写", "passed": true}),
    )
    .await
    .refused(409, "page 1");
    app.post(&format!("{base}/pages/1/void"), &app.admin, json!({"reason": ""}))
        .await
        .expect(422);
    plan = app
        .post(
            &format!("{base}/pages/1/void"),
            &app.admin,
            json!({"reason": "复测数据补记说明"}),
        )
        .await
        .expect(200);
    assert_eq!(page(&plan, 1)["state"], "ready");
    app.put(
        &format!("{base}/items/{}/result", failing["id"]),
        &li_token,
        json!({"actual": "复测通过，NEXT 余量 4.2 dB（Fluke DSX-5000）", "passed": true, "note": "4.2 dB"}),
    )
    .await
    .expect(200);

    // An expired link answers 410.
    let expired = app
        .post(
            &format!("{base}/signing-requests"),
            &li_token,
            json!({"pages": [1], "on_site": true}),
        )
        .await
        .expect(200);
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE signing_requests SET expires_at = '2026-01-01T00:00:00+00:00' WHERE id = {}",
            expired["id"]
        ))
        .await
        .expect("expire");
    let gone = app
        .client
        .get(app.url(expired["link"].as_str().expect("on-site link")))
        .send()
        .await
        .expect("open");
    assert_eq!(gone.status(), 410);

    // Every remaining page passes and both sign again — the client on site this time.
    plan = app.get(&base, &li_token).await.expect(200);
    let all: Vec<i64> = pages(&plan).iter().map(|p| p["number"].as_i64().expect("n")).collect();
    for &n in &all {
        plan = pass_page(&app, &base, &li_token, &plan, n).await;
        if page(&plan, n)["signatures"]
            .as_array()
            .expect("s")
            .iter()
            .all(|s| s["party"] != "ours")
        {
            plan = app
                .post(&format!("{base}/pages/{n}/sign"), &li_token, json!({}))
                .await
                .expect(200);
        }
    }
    let unsigned: Vec<i64> = all
        .iter()
        .copied()
        .filter(|&n| page(&plan, n)["state"] != "signed")
        .collect();
    app.post(&format!("{base}/certificate"), &app.admin, json!({}))
        .await
        .expect(409);
    let on_site = app
        .post(
            &format!("{base}/signing-requests"),
            &li_token,
            json!({"pages": unsigned, "on_site": true}),
        )
        .await
        .expect(200);
    let on_site_link = on_site["link"].as_str().expect("link").to_string();
    let (_, _, fields) = open_link(&app, &on_site_link, "周文涛").await;
    let (status, body) = form(&app, &on_site_link, &fields).await;
    assert_eq!(status, 200, "{body}");

    // The 预验收证书: issued, signed by both, and the 功能测试 task is done.
    plan = app
        .post(&format!("{base}/certificate"), &app.admin, json!({}))
        .await
        .expect(200);
    assert!(plan["certificate"]["issued_at"].is_string());
    app.post(&format!("{base}/pages/0/sign"), &li_token, json!({}))
        .await
        .expect(200);
    let cert = app
        .post(
            &format!("{base}/signing-requests"),
            &li_token,
            json!({"pages": [0], "on_site": true}),
        )
        .await
        .expect(200);
    let cert_link = cert["link"].as_str().expect("link").to_string();
    let (_, html, fields) = open_link(&app, &cert_link, "周文涛").await;
    assert!(html.contains("预验收证书"));
    assert_eq!(form(&app, &cert_link, &fields).await.0, 200);
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    let task = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks"))
        .find(|t| t["code"] == "functional-test")
        .expect("the 功能测试 task")
        .clone();
    assert_eq!(task["status"], "done", "{task}");

    // The records as issued and printed: each Part 1 page on its own sheet, signed at its foot.
    let plan = app.get(&base, &li_token).await.expect(200);
    let mut docs = Vec::new();
    for key in ["functional-test", "device-test", "pre-acceptance-certificate"] {
        let (_, bytes) = crate::forms::issue(&app, id, key).await;
        docs.push((key.to_string(), bytes));
    }
    let signature_of = |n: i64, party: &str| {
        page(&plan, n)["signatures"]
            .as_array()
            .expect("signatures")
            .iter()
            .find(|s| s["party"] == party)
            .expect("signed")
            .clone()
    };
    if let Some(printed) = reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        let functional = &printed[0];
        check_part1(functional, &plan, "某市中级人民法院");
        for (k, p) in pages(&plan).iter().enumerate() {
            let n = p["number"].as_i64().expect("n");
            let text = compact(&functional.pages[k + 1]);
            for party in ["client", "ours"] {
                let s = signature_of(n, party);
                for value in [&s["signer_name"], &s["verify_code"]] {
                    let value = compact(value.as_str().expect("text"));
                    assert!(text.contains(&value), "page {n} prints {value}: {text}");
                }
            }
            assert!(text.contains("电子签名"), "page {n}");
        }
        assert!(!functional.text().contains("草稿"));
        // 设备测试表: the line and equipment pages only.
        let device_pages = pages(&plan)
            .iter()
            .filter(|p| ["line", "device"].contains(&p["items"][0]["stage"].as_str().expect("stage")))
            .count();
        let device = page_body(&printed[1].pages[device_pages]);
        assert!(
            device.contains(&format!("第一部分测试内容测试页{device_pages}/")),
            "{device}"
        );
        assert!(page_body(&printed[1].pages[device_pages + 1]).contains("第二部分"));
        assert!(
            !printed[1].text().contains("网络测试）"),
            "no network page in the 设备测试表"
        );
        crate::forms::expect_text(
            "pre-acceptance-certificate",
            &printed[2].text(),
            &[
                "预验收证书",
                "周文涛",
                "li.ming",
                "同意系统通过预验收",
                "第 1 页",
                "线路测试",
            ],
        );
    }

    // Anyone holding the paper checks a page's signature: who signed, when, and whether the page
    // still says what was signed.
    let code = signature_of(2, "client")["verify_code"]
        .as_str()
        .expect("code")
        .to_string();
    let check = app
        .client
        .get(app.url(&format!("/verify/{code}")))
        .send()
        .await
        .expect("verify");
    assert_eq!(check.status(), 200);
    let html = check.text().await.expect("html");
    for text in [
        "签字验证：有效",
        "周文涛",
        "li.ming",
        "邮件链接",
        "第一部分 测试内容 第 2 页",
    ] {
        assert!(html.contains(text), "/verify lacks {text}: {html}");
    }
    let item = page(&plan, 2)["items"][0]["id"].clone();
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE test_items SET actual = '改过的结果' WHERE id = {item}"
        ))
        .await
        .expect("alter a signed item behind the service's back");
    let html = app
        .client
        .get(app.url(&format!("/verify/{}", code.to_lowercase())))
        .send()
        .await
        .expect("verify")
        .text()
        .await
        .expect("html");
    assert!(html.contains("签字验证：内容已变更"), "{html}");

    // The audit chain verifies; altering a row breaks it.
    let chain = app.get("/api/audit/verify", &app.admin).await.expect(200);
    assert_eq!(chain["valid"], true, "{chain}");
    assert!(chain["entries"].as_u64().expect("entries") > 20);
    app.state
        .db
        .execute_unprepared("UPDATE audit_events SET detail = '{\"reason\":\"tampered\"}' WHERE event = 'voided'")
        .await
        .expect("tamper");
    let chain = app.get("/api/audit/verify", &app.admin).await.expect(200);
    assert_eq!(chain["valid"], false);
    assert!(
        chain["problem"].as_str().expect("problem").contains("does not match"),
        "{chain}"
    );
}

/// The body of a printed page: its text without the running header (company, address, title)
/// and footer (document number, page count, code).
/// A printed page without its header (the letterhead, its contact line, the document number and
/// date) and its footer (the number, page count and verification code); pdftotext puts the
/// header's right-hand text now first, now last.
fn page_body(page: &str) -> String {
    let body: Vec<&str> = page
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            !(*i < 2 && (l.contains("有限公司") || l.starts_with("地址：")))
                && !l.contains("文件编号")
                && !l.contains("验证码")
        })
        .map(|(_, l)| l)
        .collect();
    compact(&body.join("\n"))
}

/// Part 1 as printed: after the cover, printed page n holds logical page n and nothing else — its
/// heading, its items, and at its foot both parties' signature block — and Part 2 follows.
fn check_part1(doc: &Rendered, plan: &Value, client: &str) {
    let machine = jiaofu_tests::reader::machine_words(&doc.text());
    assert!(machine.is_empty(), "{} prints {machine:?}", doc.name);
    let logical = pages(plan);
    assert!(
        doc.pages.len() > logical.len() + 1,
        "{}: a cover, {} Part 1 pages and Part 2, printed as {} pages",
        doc.name,
        logical.len(),
        doc.pages.len()
    );
    assert!(
        !page_body(&doc.pages[0]).contains("第一部分测试内容测试页"),
        "the cover is a page of its own"
    );
    for (k, p) in logical.iter().enumerate() {
        let n = p["number"].as_i64().expect("n");
        let text = page_body(&doc.pages[k + 1]);
        assert!(
            text.contains(&format!("第一部分测试内容测试页{n}/{}", logical.len())),
            "{}: printed page {} is not logical page {n}: {text}",
            doc.name,
            k + 2
        );
        let items = p["items"].as_array().expect("items");
        for item in items {
            let expected = compact(item["expected"].as_str().expect("expected"));
            assert!(text.contains(&expected), "{}: page {n} lacks {expected}", doc.name);
        }
        // Top to bottom: the last item's row, then both parties' block, then only the footer.
        let lines: Vec<&str> = doc.layout[k + 1]
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("文件编号"))
            .collect();
        let last_item = items.last().expect("an item")["number"].as_str().expect("number");
        let last_row = lines.iter().rposition(|l| l.starts_with(last_item));
        let block = lines
            .iter()
            .rposition(|l| l.contains(&format!("甲方：{client}")) && l.contains("乙方："));
        let (Some(row), Some(block)) = (last_row, block) else {
            panic!(
                "{}: page {n} lacks its last item {last_item} or its signature block: {lines:#?}",
                doc.name
            );
        };
        assert!(
            row < block,
            "{}: page {n}'s items come before its signatures: {lines:#?}",
            doc.name
        );
        let tail = lines[block..].join("\n");
        for line in ["签字：", "日期："] {
            assert!(
                tail.contains(line),
                "{}: page {n} ends with its signature block: {tail}",
                doc.name
            );
        }
        assert!(
            lines.len() - block <= 6,
            "{}: nothing but the signature block follows page {n}'s items: {tail}",
            doc.name
        );
    }
    assert!(
        page_body(&doc.pages[logical.len() + 1]).contains(&compact("第二部分 硬件功能测试步骤")),
        "{}: Part 2 starts on the page after the last Part 1 page",
        doc.name
    );
}

#[tokio::test]
async fn every_template_instantiates_paginates_and_prints_one_printed_page_per_logical_page() {
    let app = spawn_app().await;
    let templates = app.get("/api/test-plan-templates", &app.admin).await.expect(200);
    let mut plans = Vec::new();
    let mut docs = Vec::new();
    for (n, t) in templates.as_array().expect("templates").iter().enumerate() {
        let code = t["code"].as_str().expect("code");
        let id = app.project(&format!("TP-{n}"), "2026-11-02").await["id"]
            .as_i64()
            .expect("id");
        let plan = app
            .post(
                &format!("/api/projects/{id}/test-plans"),
                &app.admin,
                json!({"templates": [code]}),
            )
            .await
            .expect(200);
        let items: usize = pages(&plan)
            .iter()
            .map(|p| p["items"].as_array().expect("items").len())
            .sum();
        assert_eq!(
            items as u64,
            t["items"].as_u64().expect("items"),
            "{code}: every item is placed"
        );
        let (status, bytes) =
            crate::forms::download(&app, &format!("/api/projects/{id}/documents/functional-test.docx")).await;
        assert_eq!(status, "draft");
        docs.push((code.to_string(), bytes));
        plans.push(plan);
    }
    let Some(printed) = reader::render(&docs) else {
        return;
    };
    crate::forms::expect_good_print(&docs, &printed);
    for (doc, plan) in printed.iter().zip(&plans) {
        crate::forms::expect_text(&doc.name, &doc.text(), &["功能测试表", "草稿", "第二部分"]);
        check_part1(doc, plan, "某市中级人民法院");
    }
}

#[tokio::test]
async fn items_are_edited_until_signed_a_client_can_decline_a_revoked_link_is_gone_and_guessing_is_limited() {
    let app = spawn_app_with(|s| s.login_max_failures_per_address = 5).await;
    let (id, li_token) = project_with_engineer(&app, "ZJFY-2026-019").await;
    let plans = format!("/api/projects/{id}/test-plans");
    let plan = app
        .post(&plans, &app.admin, json!({"templates": ["video_conference"]}))
        .await
        .expect(200);
    let base = format!("{plans}/{}", plan["id"]);
    let count = |plan: &Value| -> usize {
        pages(plan)
            .iter()
            .map(|p| p["items"].as_array().expect("i").len())
            .sum()
    };
    assert_eq!(count(&plan), 11);

    // Add: placed at the end of its stage; what it lacks and what would not print are refused.
    let items = format!("{base}/items");
    app.post(&items, &app.admin, json!({"stage": "system", "name": "会议录制"}))
        .await
        .refused(422, "expected");
    app.post(
        &items,
        &app.admin,
        json!({"stage": "system", "name": "会议录制", "expected": "录制文件完整".repeat(60)}),
    )
    .await
    .refused(409, "printed lines");
    let plan = app
        .post(
            &items,
            &app.admin,
            json!({"stage": "system", "name": "会议录制与回放", "expected": "录制文件完整，回放音视频同步"}),
        )
        .await
        .expect(200);
    assert_eq!(count(&plan), 12);
    let last_page = pages(&plan).last().expect("a page");
    let added = last_page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["name"] == "会议录制与回放")
        .expect("the new item ends the last (system) page")
        .clone();
    assert_eq!(added["stage"], "system");

    // Change and remove.
    let item = format!("{base}/items/{}", added["id"]);
    let plan = app
        .patch(&item, &app.admin, json!({"name": "会议录制、回放与下载"}))
        .await
        .expect(200);
    assert!(
        pages(&plan)
            .iter()
            .flat_map(|p| p["items"].as_array().expect("i"))
            .any(|i| i["name"] == "会议录制、回放与下载")
    );
    app.patch(&item, &app.admin, json!({"stage": "orbit"}))
        .await
        .expect(422);
    let plan = app.delete(&item, &app.admin).await.expect(200);
    assert_eq!(count(&plan), 11);

    // Re-paginate: three to a page, never more than eight.
    let paginate = format!("{base}/paginate");
    let plan = app
        .post(&paginate, &app.admin, json!({"items_per_page": 3}))
        .await
        .expect(200);
    assert!(
        pages(&plan)
            .iter()
            .all(|p| p["items"].as_array().expect("i").len() <= 3)
    );
    app.post(&paginate, &app.admin, json!({"items_per_page": 9}))
        .await
        .expect(422);

    // A result too long to print on its page is refused with what to do.
    confirm_conditions(&app, &base).await;
    let first = page(&plan, 1)["items"][0]["id"].clone();
    app.put(
        &format!("{base}/items/{first}/result"),
        &li_token,
        json!({"actual": "实测".repeat(200), "passed": true}),
    )
    .await
    .refused(409, "page 1");

    // Page 1 passes and we sign it: its items are locked.
    let plan = pass_page(&app, &base, &li_token, &plan, 1).await;
    let plan_signed = app
        .post(&format!("{base}/pages/1/sign"), &li_token, json!({}))
        .await
        .expect(200);
    let ours_code = page(&plan_signed, 1)["signatures"][0]["verify_code"]
        .as_str()
        .expect("code")
        .to_string();
    let on_page_1 = format!("{base}/items/{}", page(&plan, 1)["items"][1]["id"]);
    app.patch(&on_page_1, &app.admin, json!({"name": "改名"}))
        .await
        .expect(409);
    app.delete(&on_page_1, &app.admin).await.expect(409);
    app.post(&paginate, &app.admin, json!({"items_per_page": 1}))
        .await
        .expect(409);

    // The client declines, with a reason; the link is then closed and the page still awaits them.
    let request = |on_site: bool| {
        let app = &app;
        let base = base.clone();
        let token = li_token.clone();
        async move {
            app.post(
                &format!("{base}/signing-requests"),
                &token,
                json!({"pages": [1], "on_site": on_site}),
            )
            .await
            .expect(200)
        }
    };
    let declined = request(true).await;
    let link = declined["link"].as_str().expect("link").to_string();
    let (_, _, fields) = open_link(&app, &link, "周文涛").await;
    let decline = |reason: &str| {
        let mut f: Vec<(String, String)> = fields.iter().filter(|(k, _)| k != "action").cloned().collect();
        f.push(("action".into(), "decline".into()));
        f.push(("reason".into(), reason.into()));
        f
    };
    let (status, html) = form(&app, &link, &decline("  ")).await;
    assert_eq!(status, 422, "a decline needs its reason: {html}");
    let (status, html) = form(&app, &link, &decline("接地电阻实测值未附测试报告")).await;
    assert_eq!(status, 200, "{html}");
    let (status, _) = form(&app, &link, &fields).await;
    assert_eq!(status, 409, "a declined link cannot sign afterwards");
    let listed = app
        .get(&format!("{base}/signing-requests"), &li_token)
        .await
        .expect(200);
    let row = listed
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["id"] == declined["id"])
        .expect("listed")
        .clone();
    assert_eq!(row["decline_reason"], "接地电阻实测值未附测试报告");
    // Whoever sent the request (here the engineer; the project has no PM) hears of the decline,
    // once, with the reason and a link to the project.
    let told = app
        .get("/api/outbox?kind=signing_outcome", &app.admin)
        .await
        .expect(200);
    let told = told["items"].as_array().expect("messages");
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["to_address"], "li.ming@example.com");
    assert!(told[0]["subject"].as_str().expect("subject").starts_with("【拒签】"));
    let message = app
        .get(&format!("/api/outbox/{}", told[0]["id"]), &app.admin)
        .await
        .expect(200);
    let text = message["body_text"].as_str().expect("text");
    assert!(
        text.contains("接地电阻实测值未附测试报告") && text.contains(&format!("/projects/{id}")),
        "{text}"
    );
    let plan = app.get(&base, &li_token).await.expect(200);
    assert_eq!(page(&plan, 1)["state"], "signed_by_us");

    // A revoked link is gone.
    let revoked = request(true).await;
    app.post(
        &format!("{base}/signing-requests/{}/revoke", revoked["id"]),
        &li_token,
        json!({}),
    )
    .await
    .expect(200);
    let gone = app
        .client
        .get(app.url(revoked["link"].as_str().expect("link")))
        .send()
        .await
        .expect("open");
    assert_eq!(gone.status(), 410);

    // A second request for a page already out for signature takes it over: the older link, left
    // with nothing to sign, is revoked and says so; the new one signs.
    let first = request(true).await;
    let second = request(true).await;
    assert_eq!(
        second["taken_over"],
        json!([{"request_id": first["id"], "pages": [1]}]),
        "{second}"
    );
    let older = app
        .client
        .get(app.url(first["link"].as_str().expect("link")))
        .send()
        .await
        .expect("open");
    assert_eq!(older.status(), 410);
    let listed = app
        .get(&format!("{base}/signing-requests"), &li_token)
        .await
        .expect(200);
    let first_row = listed
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["id"] == first["id"])
        .expect("listed")
        .clone();
    assert!(first_row["revoked_at"].is_string(), "{first_row}");
    app.post(
        &format!("{base}/signing-requests/{}/revoke", second["id"]),
        &li_token,
        json!({}),
    )
    .await
    .expect(200);

    // Voided signatures say so at /verify.
    app.post(
        &format!("{base}/pages/1/void"),
        &app.admin,
        json!({"reason": "甲方要求补充测试报告"}),
    )
    .await
    .expect(200);
    let html = app
        .client
        .get(app.url(&format!("/verify/{ours_code}")))
        .send()
        .await
        .expect("verify")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("签字验证：已作废") && html.contains("甲方要求补充测试报告"),
        "{html}"
    );

    // Guessing tokens: after five misses from one address, even a good link waits.
    for _ in 0..5 {
        let miss = app
            .client
            .get(app.url("/sign/not-a-real-token-0000000000000000"))
            .send()
            .await
            .expect("guess");
        assert_eq!(miss.status(), 404);
    }
    let good = request(true).await;
    let limited = app
        .client
        .get(app.url(good["link"].as_str().expect("link")))
        .send()
        .await
        .expect("open");
    assert_eq!(limited.status(), 429);
}

#[tokio::test]
async fn a_pm_deletes_a_test_plan_made_twice_by_mistake_and_the_records_no_longer_ask_for_it() {
    let app = spawn_app().await;
    let (id, li_token) = project_with_engineer(&app, "ZJFY-2026-021").await;
    let plans = format!("/api/projects/{id}/test-plans");
    let first = app
        .post(&plans, &app.admin, json!({"templates": ["video_conference"]}))
        .await
        .expect(200);
    // The form sent twice is said; a second plan of one kind is made when asked for.
    app.post(&plans, &app.admin, json!({"templates": ["video_conference"]}))
        .await
        .refused(409, "again");
    let twice = app
        .post(
            &plans,
            &app.admin,
            json!({"templates": ["video_conference"], "again": true}),
        )
        .await
        .expect(200);
    let record = |forms: Value| -> Vec<String> {
        forms
            .as_array()
            .expect("forms")
            .iter()
            .find(|f| f["form"] == "functional-test")
            .expect("the functional test record")["missing"]
            .as_array()
            .expect("missing")
            .iter()
            .map(|m| m.as_str().expect("text").to_string())
            .collect()
    };
    let docs = format!("/api/projects/{id}/documents");
    let before = record(app.get(&docs, &app.admin).await.expect(200));

    // Not without a reason, not by an engineer; then gone, with who and why in the history.
    let second = format!("{plans}/{}", twice["id"]);
    app.delete(&second, &app.admin).await.expect(400);
    app.delete(&format!("{second}?reason=%20"), &app.admin)
        .await
        .expect(422);
    app.delete(&format!("{second}?reason=x"), &li_token).await.expect(403);
    let reason = "重复创建";
    // 重复创建, percent-encoded.
    app.delete(
        &format!("{second}?reason=%E9%87%8D%E5%A4%8D%E5%88%9B%E5%BB%BA"),
        &app.admin,
    )
    .await
    .expect(204);
    app.get(&second, &app.admin).await.expect(404);
    let left = app.get(&plans, &app.admin).await.expect(200);
    assert_eq!(left.as_array().expect("plans").len(), 1, "{left}");
    let after = record(app.get(&docs, &app.admin).await.expect(200));
    assert!(after.len() < before.len(), "before {before:?}, after {after:?}");
    assert_eq!(
        after.len() * 2,
        before.len(),
        "only the one plan is asked for: {after:?}"
    );
    let history = app
        .get(&format!("/api/projects/{id}/history"), &app.admin)
        .await
        .expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["entity"] == "test_plan" && h["action"] == "deleted" && h["reason"] == reason),
        "{history}"
    );

    // A plan with a signed page stays: it is corrected by voiding the page.
    let base = format!("{plans}/{}", first["id"]);
    confirm_conditions(&app, &base).await;
    pass_page(&app, &base, &li_token, &first, 1).await;
    app.post(&format!("{base}/pages/1/sign"), &li_token, json!({}))
        .await
        .expect(200);

    // Pages 1–2 out for signature, then page 2 again: the older link keeps page 1 only.
    let passed = pass_page(&app, &base, &li_token, &first, 2).await;
    assert!(page(&passed, 2)["items"].as_array().is_some_and(|i| !i.is_empty()));
    let ask = |pages: Value| {
        let (app, base, token) = (&app, base.clone(), li_token.clone());
        async move {
            app.post(
                &format!("{base}/signing-requests"),
                &token,
                json!({"pages": pages, "on_site": true}),
            )
            .await
            .expect(200)
        }
    };
    let both = ask(json!([1, 2])).await;
    let again = ask(json!([2])).await;
    assert_eq!(again["taken_over"], json!([{"request_id": both["id"], "pages": [2]}]));
    let listed = app
        .get(&format!("{base}/signing-requests"), &li_token)
        .await
        .expect(200);
    let older = listed
        .as_array()
        .expect("requests")
        .iter()
        .find(|r| r["id"] == both["id"])
        .expect("listed")
        .clone();
    assert_eq!(
        (older["pages"].clone(), older["revoked_at"].is_null()),
        (json!([1]), true)
    );
    let (status, html, _) = open_link(&app, both["link"].as_str().expect("link"), "周文涛").await;
    assert_eq!(status, 200);
    assert!(html.contains("签字确认全部 1 页"), "the older link offers only page 1");

    app.delete(&format!("{base}?reason=x"), &app.admin)
        .await
        .refused(409, "void a page");
}

#[tokio::test]
async fn a_page_of_results_is_recorded_in_one_call_all_or_nothing_with_each_problem_on_its_row() {
    let app = spawn_app().await;
    let (id, li_token) = project_with_engineer(&app, "ZJFY-2026-031").await;
    let plans = format!("/api/projects/{id}/test-plans");
    let plan = app
        .post(&plans, &app.admin, json!({"templates": ["digital_courtroom"]}))
        .await
        .expect(200);
    let base = format!("{plans}/{}", plan["id"]);
    confirm_conditions(&app, &base).await;
    let items: Vec<Value> = page(&plan, 1)["items"].as_array().expect("items").clone();
    assert!(items.len() >= 3, "{plan}");
    let results = format!("{base}/results");
    let all_pass = |items: &[Value]| -> Vec<Value> {
        items
            .iter()
            .map(|i| json!({"item_id": i["id"], "passed": true}))
            .collect()
    };

    // A failure without its 备注 and an item of no plan: nothing is recorded, both rows named.
    let mut rows = all_pass(&items);
    rows[1] = json!({"item_id": items[1]["id"], "passed": false, "actual": "链路 3-12 近端串扰不合格"});
    rows.push(json!({"item_id": 999_999, "passed": true}));
    let refused = app.put(&results, &li_token, json!({"results": rows})).await.expect(422);
    assert_eq!(refused["field"], "results");
    let problems: Vec<(i64, String)> = refused["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["row"].as_i64().expect("row"),
                p["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (2, "remark".to_string()),
            (items.len() as i64 + 1, "item_id".to_string())
        ]
    );
    let unchanged = app.get(&base, &li_token).await.expect(200);
    assert!(
        page(&unchanged, 1)["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["passed"].is_null()),
        "nothing was recorded: {unchanged}"
    );

    // The whole page in one call: a pass needs no text, the failure its 备注.
    rows[1] = json!({"item_id": items[1]["id"], "passed": false, "actual": "链路 3-12 近端串扰不合格", "remark": "重新端接后复测"});
    rows.pop();
    let saved = app.put(&results, &li_token, json!({"results": rows})).await.expect(200);
    assert_eq!(saved["recorded"], items.len());
    assert_eq!(saved["failed"], 1);
    let plan = app.get(&base, &li_token).await.expect(200);
    assert_eq!(page(&plan, 1)["items"][0]["actual"], "符合预期");
    app.put(
        &results,
        &li_token,
        json!({"results": [{"item_id": items[1]["id"], "passed": true, "actual": "复测通过"}]}),
    )
    .await
    .expect(200);
    app.post(&format!("{base}/pages/1/sign"), &li_token, json!({}))
        .await
        .expect(200);
    // A signed page's results are locked: the row says why.
    let locked = app
        .put(&results, &li_token, json!({"results": all_pass(&items[..1])}))
        .await
        .expect(422);
    assert!(
        locked["problems"][0]["message"]
            .as_str()
            .expect("message")
            .contains("signed"),
        "{locked}"
    );
}
