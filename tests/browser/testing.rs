//! 功能测试 in the browser: results, our signature, the client's by e-mailed link, the notice.
use jiaofu::{config::Secret, jobs::delivery};
use jiaofu_tests::{SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

use crate::harness;

/// A project with 李明 (engineer) and 王建国 (PM) on its team, a courtroom test plan whose
/// conditions both sides confirmed: the project's id and the plan.
async fn project_with_a_plan(app: &TestApp) -> (i64, Value) {
    let id = app.project("ZJFY-2026-018", "2026-11-02").await["id"]
        .as_i64()
        .expect("id");
    let (li, _) = app.user("li.ming", "engineer").await;
    app.add_member(id, li, "engineer").await;
    let (wang, _) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let plans = format!("/api/projects/{id}/test-plans");
    let plan = app
        .post(&plans, &app.admin, json!({"templates": ["digital_courtroom"]}))
        .await
        .expect(200);
    let base = format!("{plans}/{}", plan["id"]);
    app.post(
        &format!("{base}/conditions"),
        &app.admin,
        json!({"party": "ours", "engineers": "李明"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{base}/conditions"),
        &app.admin,
        json!({"party": "client", "engineers": "刘芳", "confirmed_by": "陈志刚",
               "signer_name": "周文涛", "signer_email": "zhou.wentao@court.example.cn"}),
    )
    .await
    .expect(200);
    (id, plan)
}

fn page_items(plan: &Value, n: i64) -> Vec<Value> {
    plan["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .find(|p| p["number"] == n)
        .and_then(|p| p["items"].as_array())
        .expect("items")
        .clone()
}

#[tokio::test]
async fn an_engineer_records_a_page_with_a_failure_then_fixed_and_signs_it_the_pm_sends_three_pages_and_the_client_signs_from_the_email()
 {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(Secret::new(url))).await;
    let (id, plan) = project_with_a_plan(&app).await;
    let plan_id = plan["id"].as_i64().expect("plan");
    // Pages 2 and 3 were recorded on the API.
    for n in [2, 3] {
        let results: Vec<Value> = page_items(&plan, n)
            .iter()
            .map(|i| json!({"item_id": i["id"], "passed": true}))
            .collect();
        app.put(
            &format!("/api/projects/{id}/test-plans/{plan_id}/results"),
            &app.admin,
            json!({"results": results}),
        )
        .await
        .expect(200);
    }
    let first = page_items(&plan, 1)[0]["id"].as_i64().expect("item");
    let Some(browser) = harness::open(&app, "test_plan", 1024, 900).await else {
        return;
    };
    browser.sign_in("li.ming", "li.ming-password-123").await;
    browser.find("#overdue-count").await;
    let page = format!("/projects/{id}/tests/{plan_id}");
    browser.goto(&page).await;
    // A failure needs its 备注.
    browser.click(&format!("input[name=result_{first}][value=fail]")).await;
    browser
        .fill(&format!("input[name=actual_{first}]"), "链路 3-12 近端串扰不合格")
        .await;
    browser
        .click("#page-1 form.results button[type=submit]:not([name])")
        .await;
    browser.wait_for_text("#page-1 .field-error", "备注").await;
    browser
        .fill(&format!("input[name=remark_{first}]"), "重新端接后复测")
        .await;
    browser
        .click("#page-1 form.results button[type=submit]:not([name])")
        .await;
    browser.wait_for_text(".flash", "已记录 1 项").await;
    browser.wait_for_text("#page-1", "不合格，需整改后复测").await;
    // Fixed and tested again; the rest of the page passes at once.
    browser.click(&format!("input[name=result_{first}][value=pass]")).await;
    browser
        .fill(&format!("input[name=actual_{first}]"), "复测通过，NEXT 余量 4.2 dB")
        .await;
    browser
        .click("#page-1 form.results button[type=submit]:not([name])")
        .await;
    browser.wait_for_text(".flash", "已记录 1 项").await;
    browser.agree_to_confirmations().await;
    browser.click("#page-1 button[name=all_pass]").await;
    browser.wait_for_text(".flash", "第 1 页：已记录").await;
    browser.click("#page-1 .signatures button").await;
    browser.wait_for_text(".flash", "第 1 页已由我方签字").await;
    browser.wait_for_text("#page-1 .signatures", "验证码").await;
    harness::keep_full_screenshot(&browser, "test-plan").await;

    // The PM sends pages 1–3 to the client's signer.
    browser.click("form[action='/logout'] button").await;
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&page).await;
    for n in 1..=3 {
        browser.click(&format!("#request input[name=page][value='{n}']")).await;
    }
    browser.click("#request button:not([name])").await;
    browser
        .wait_for_text(".flash", "已发邮件请 周文涛 签字：第 1、2、3 页")
        .await;

    // The client opens the e-mail's link and signs, without an account.
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.envelope_to == "zhou.wentao@court.example.cn")
        .expect("the signing e-mail");
    let start = mail.text.find("/sign/").expect("a link");
    let link: String = mail.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    browser.click("form[action='/logout'] button").await;
    browser.find("#username").await;
    browser.goto(&link).await;
    harness::keep_screenshot(&browser, "sign").await;
    browser.click("input[name=consent]").await;
    browser.fill("#typed_name", "周文涛").await;
    browser.click("button[value=sign]").await;
    browser.wait_for_text("body", "签字完成").await;

    // The PM is told.
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let told = sink
        .messages()
        .into_iter()
        .any(|m| m.envelope_to == "wang.pm@example.com" && m.text.contains("周文涛"));
    assert!(told, "the PM receives the notice of the signature");
    browser.close().await;
    let plan = app
        .get(&format!("/api/projects/{id}/test-plans/{plan_id}"), &app.admin)
        .await
        .expect(200);
    for n in 1..=3 {
        let state = plan["pages"]
            .as_array()
            .expect("pages")
            .iter()
            .find(|p| p["number"] == n)
            .map(|p| p["state"].clone());
        assert!(
            state.is_some_and(|s| s == "signed" || s == "signed_by_client"),
            "page {n}: {plan}"
        );
    }
}

#[tokio::test]
async fn a_pm_deletes_a_test_plan_made_twice_by_mistake_and_the_records_no_longer_ask_for_it() {
    let app = spawn_app_with(|_| {}).await;
    let (id, plan) = project_with_a_plan(&app).await;
    let Some(browser) = harness::open(&app, "test_plan_twice", 1280, 900).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/tests")).await;
    // The same template again is refused as a mistake unless meant.
    browser.click("#new-plan input[value=digital_courtroom]").await;
    browser.click("#new-plan button[type=submit]").await;
    browser.wait_for_text("#new-plan .field-error", "再建一份").await;
    browser.click("#new-plan input[value=digital_courtroom]").await;
    browser.click("#new-plan input[name=again]").await;
    browser.click("#new-plan button[type=submit]").await;
    browser.wait_for_text(".flash", "已建立").await;
    let plans = app
        .get(&format!("/api/projects/{id}/test-plans"), &app.admin)
        .await
        .expect(200);
    let second = plans
        .as_array()
        .expect("plans")
        .iter()
        .find(|p| p["id"] != plan["id"])
        .map(|p| p["id"].clone())
        .expect("the second plan");
    let records = app
        .get(&format!("/api/projects/{id}/documents"), &app.admin)
        .await
        .expect(200);
    let asks_for_both = records.to_string().matches("数字法庭").count();

    browser.goto(&format!("/projects/{id}/tests")).await;
    browser.click(&format!("#plan-{second} summary")).await;
    browser
        .fill(&format!("#plan-{second} input[name=reason]"), "重复建立")
        .await;
    browser.agree_to_confirmations().await;
    browser.click(&format!("#plan-{second} button[type=submit]")).await;
    browser.wait_for_text(".flash", "测试方案已删除").await;
    if browser.count("#plans article").await != 1 {
        browser.fail("the plan made twice is still listed").await;
    }
    browser.close().await;
    let records = app
        .get(&format!("/api/projects/{id}/documents"), &app.admin)
        .await
        .expect(200);
    assert!(
        records.to_string().matches("数字法庭").count() < asks_for_both || asks_for_both == 0,
        "{records}"
    );
}

#[tokio::test]
async fn a_pm_shows_the_on_site_signing_link_as_a_qr_code_that_the_clients_tablet_reads_and_signs_from_then_voids_the_page_with_its_reason()
 {
    let app = spawn_app_with(|_| {}).await;
    let (id, plan) = project_with_a_plan(&app).await;
    let plan_id = plan["id"].as_i64().expect("plan id");
    let all_pass: Vec<Value> = page_items(&plan, 1)
        .iter()
        .map(|i| json!({"item_id": i["id"], "passed": true}))
        .collect();
    let base = format!("/api/projects/{id}/test-plans/{plan_id}");
    app.put(&format!("{base}/results"), &app.admin, json!({"results": all_pass}))
        .await
        .expect(200);
    let Some(browser) = harness::open(&app, "on_site_qr", 1280, 900).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/tests/{plan_id}")).await;
    browser.click("#request input[name=page][value='1']").await;
    browser.click("#request button[name=on_site]").await;
    browser.wait_for_text(".flash", "第 1 页").await;
    let shown = browser
        .find("#on-site-link")
        .await
        .prop("value")
        .await
        .expect("read")
        .expect("a link");
    harness::keep_screenshot(&browser, "on-site-qr").await;

    // The tablet's camera sees the code on the screen.
    let png = browser
        .find("figure.qr svg")
        .await
        .screenshot()
        .await
        .expect("the code photographed");
    let seen = image::load_from_memory(&png).expect("a picture").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(seen);
    let grids = prepared.detect_grids();
    let Some(grid) = grids.first() else {
        browser.fail("no QR code is readable on the page").await;
    };
    let (_, read) = grid.decode().expect("the code decodes");
    assert_eq!(read, shown, "the code carries the link shown beside it");
    assert!(
        read.starts_with(&app.base) && read.contains("/sign/"),
        "a tablet needs the whole address: {read}"
    );

    // The client opens it without an account and signs.
    browser.click("form[action='/logout'] button").await;
    browser.find("#username").await;
    browser.client.goto(&read).await.expect("opened");
    browser.click("input[name=consent]").await;
    browser.fill("#typed_name", "周文涛").await;
    browser.click("button[value=sign]").await;
    browser.wait_for_text("body", "签字完成").await;
    let signed = app.get(&base, &app.admin).await.expect(200);
    let page_state = |plan: &Value| {
        plan["pages"]
            .as_array()
            .expect("pages")
            .iter()
            .find(|p| p["number"] == 1)
            .map(|p| p["state"].clone())
    };
    assert_eq!(page_state(&signed), Some(json!("signed_by_client")), "{signed}");

    // A result turns out wrong: the PM voids the page's signatures, saying why.
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/tests/{plan_id}#page-1")).await;
    browser.agree_to_confirmations().await;
    browser.click("#page-1 details.manage summary").await;
    browser.fill("#page-1 input[name=reason]", "1.2 复测数据录错").await;
    browser.click("#page-1 details.manage button[type=submit]").await;
    browser.wait_for_text(".flash", "第 1 页的签字已作废").await;
    browser.wait_for_text("#page-1 .signatures", "甲方：未签").await;
    browser.close().await;
    let voided = app.get(&base, &app.admin).await.expect(200);
    assert_eq!(page_state(&voided), Some(json!("ready")), "{voided}");
}

#[tokio::test]
async fn once_every_page_is_signed_by_both_the_pm_issues_the_pre_acceptance_certificate_and_both_sides_sign_it() {
    let app = spawn_app_with(|_| {}).await;
    let (id, plan) = project_with_a_plan(&app).await;
    let plan_id = plan["id"].as_i64().expect("plan id");
    let base = format!("/api/projects/{id}/test-plans/{plan_id}");
    let li = app.login("li.ming", "li.ming-password-123").await;
    let numbers: Vec<i64> = plan["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| p["number"].as_i64().expect("number"))
        .collect();
    for &n in &numbers {
        let all_pass: Vec<Value> = page_items(&plan, n)
            .iter()
            .map(|i| json!({"item_id": i["id"], "passed": true}))
            .collect();
        app.put(&format!("{base}/results"), &li, json!({"results": all_pass}))
            .await
            .expect(200);
        app.post(&format!("{base}/pages/{n}/sign"), &li, json!({}))
            .await
            .expect(200);
    }
    let every_page = app
        .post(
            &format!("{base}/signing-requests"),
            &li,
            json!({"pages": numbers, "on_site": true}),
        )
        .await
        .expect(200);
    let Some(browser) = harness::open(&app, "certificate", 1280, 900).await else {
        return;
    };
    let sign_as_client = |link: String| {
        let browser = &browser;
        async move {
            browser.client.goto(&link).await.expect("opened");
            browser.click("input[name=consent]").await;
            browser.fill("#typed_name", "周文涛").await;
            browser.click("button[value=sign]").await;
            browser.wait_for_text("body", "签字完成").await;
        }
    };
    sign_as_client(app.url(every_page["link"].as_str().expect("link"))).await;

    // The PM issues the certificate and signs it for our side; the client signs it on site.
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser
        .goto(&format!("/projects/{id}/tests/{plan_id}#certificate"))
        .await;
    browser.click("#certificate button[type=submit]").await;
    browser.wait_for_text(".flash", "预验收证书已签发").await;
    browser.click("#certificate button[type=submit]").await;
    browser.wait_for_text("#certificate", "验证码").await;
    browser.click("#request input[name=page][value='0']").await;
    browser.click("#request button[name=on_site]").await;
    let link = browser
        .find("#on-site-link")
        .await
        .prop("value")
        .await
        .expect("read")
        .expect("a link");
    browser.click("form[action='/logout'] button").await;
    browser.find("#username").await;
    sign_as_client(link).await;
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser
        .goto(&format!("/projects/{id}/tests/{plan_id}#certificate"))
        .await;
    browser.wait_for_text("#certificate", "甲方：周文涛").await;
    harness::keep_screenshot(&browser, "certificate").await;
    browser.close().await;
    let certified = app.get(&base, &app.admin).await.expect(200);
    assert!(certified["certificate"]["issued_at"].is_string(), "{certified}");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    assert!(
        schedule.to_string().contains("预验收证书"),
        "the 功能测试 task is done with its evidence: {schedule}"
    );
}
