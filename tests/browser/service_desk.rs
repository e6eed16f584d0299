//! 服务台 in the browser: the desk logs a call on the project's 售后 tab; the engineer, on a phone,
//! finds it under 我的工单, taps through the visit, pauses the clocks for the client's reason,
//! fills the 上门服务单 and has the client sign it on the tablet; the PM watches the board's
//! countdowns and keeps the spare-parts store, lending a spare to a ticket.
use jiaofu::service::demo::History;
use jiaofu_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::harness;

/// The demo's delivered project (with its after-sales history, and the year on four more courts
/// when asked), its PM wang.pm and engineer
/// sun.eng, who is its only designated engineer: new tickets go to him.
async fn desk(history: History) -> (TestApp, i64, i64) {
    let app = spawn_app().await;
    app.demo(history).await;
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    let id = projects["items"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["code"].as_str().is_some_and(|c| c.ends_with("-JF")))
        .and_then(|p| p["id"].as_i64())
        .expect("the delivered demo project");
    let (wang, _) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let (sun, _) = app.user("sun.eng", "engineer").await;
    app.add_member(id, sun, "engineer").await;
    app.put(
        &format!("/api/projects/{id}/service/specialists"),
        &app.admin,
        json!({"user_ids": [sun]}),
    )
    .await
    .expect(200);
    // The minute's scan has run since the demo's history: the late repair stands breached.
    jiaofu::service::service_desk::alarms::scan(&app.state, chrono::Utc::now())
        .await
        .expect("the scan");
    (app, id, sun)
}

#[tokio::test]
async fn a_call_logged_by_the_desk_is_repaired_on_site_and_the_client_signs_the_service_order_on_the_tablet() {
    let (app, id, _) = desk(History::WithoutServiceYear).await;
    let units = app
        .get(&format!("/api/projects/{id}/service/units"), &app.admin)
        .await
        .expect(200);
    let unit = units
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["serial"] == "BLU100-0002")
        .cloned()
        .unwrap_or(Value::Null);
    let unit_id = unit["unit_id"].as_i64().expect("the second court's audio processor");

    // The desk takes the call: a serial the project does not have is explained beside the field.
    let Some(desk) = harness::open(&app, "service_desk_call", 1280, 1000).await else {
        return;
    };
    desk.sign_in("wang.pm", "wang.pm-password-123").await;
    desk.find("#overdue-count").await;
    desk.goto(&format!("/projects/{id}/service")).await;
    desk.wait_for_text("#promises", "1 小时内响应").await;
    desk.click("#tickets details.manage summary").await;
    desk.fill("#report-form input[name=reporter_name]", "陈志刚").await;
    desk.fill("#report-form input[name=reporter_phone]", "0574-8888-2000")
        .await;
    desk.fill("#report-form input[name=serial]", "NO-SUCH-SN").await;
    desk.fill(
        "#report-form textarea[name=symptom]",
        "第二审判庭扩声无声，处理器面板报警",
    )
    .await;
    desk.click("#report-form button[type=submit]").await;
    let said = desk.said("#report-error").await;
    if !said.contains("没有这个序列号") {
        desk.fail(&format!("an unknown serial is explained as {said:?}")).await;
    }
    // What was typed is still there; the device is picked from the list instead.
    assert_eq!(
        desk.find("#report-form input[name=reporter_name]")
            .await
            .prop("value")
            .await
            .expect("read"),
        Some("陈志刚".into())
    );
    desk.fill("#report-form input[name=serial]", "").await;
    desk.set_value("#report-form select[name=unit_id]", &unit_id.to_string())
        .await;
    desk.click("#report-form button[type=submit]").await;
    desk.wait_for_text(".flash", "已受理报修").await;
    let ticket: i64 = desk
        .path()
        .await
        .trim_start_matches("/tickets/")
        .parse()
        .expect("the new ticket's page");
    // The response clock runs and counts down; the designated engineer is on it.
    let left = desk.text("#clock-response .countdown").await;
    assert!(left.starts_with("剩 "), "the response clock shows {left:?}");
    desk.find("#clock-response [data-deadline]").await;
    desk.wait_for_text("#assignees", "sun.eng").await;
    desk.wait_for_text("#card", "BLU100-0002").await;
    harness::keep_screenshot(&desk, "ticket-new").await;

    // The board: the new ticket among the open ones; the demo's late repair when asked for
    // breaches only.
    desk.goto("/service?mine=0").await;
    desk.find(&format!("#ticket-{ticket}")).await;
    harness::keep_screenshot(&desk, "board").await;
    desk.set_value("#clock", "breached").await;
    desk.click("#board-filters button[type=submit]").await;
    desk.wait_for_text("#tickets", "超时").await;
    if desk.count(&format!("#ticket-{ticket}")).await != 0 {
        desk.fail("a ticket within its time is listed among the breached").await;
    }
    desk.close().await;

    // The engineer, on his phone: 我的工单, then the visit step by step.
    let Some(phone) = harness::open(&app, "service_desk_phone", 390, 844).await else {
        return;
    };
    phone.sign_in("sun.eng", "sun.eng-password-123").await;
    phone.find("#overdue-count").await;
    phone.goto("/service").await;
    phone.wait_for_text("main h1", "我的工单").await;
    phone.click(&format!("#ticket-{ticket} a.ticket-link")).await;
    phone.click("#step-called_back").await;
    phone.wait_for_text(".flash", "回电确认故障现象").await;
    phone.click("#step-dispatched").await;
    phone.wait_for_text(".flash", "派工上门").await;
    phone.click("#step-arrived").await;
    phone.wait_for_text(".flash", "到达现场").await;
    phone.wait_for_text("#clock-repair", "剩").await;
    phone.fits_width("the ticket page at 390 px").await;
    harness::keep_screenshot(&phone, "ticket-on-site-phone").await;

    // The court is in session: the clocks pause for that reason, then run again.
    phone.click("#actions details.manage summary").await;
    phone
        .fill("#pause-form input[name=reason]", "庭审进行中，客户暂不允许进入")
        .await;
    phone.click("#pause-form button[type=submit]").await;
    phone.wait_for_text("#paused-badge", "计时已暂停").await;
    phone.wait_for_text("#history", "庭审进行中").await;
    phone.click("#resume-form button").await;
    phone.wait_for_text(".flash", "恢复计时").await;

    // Repaired; the service order filled on the tablet, signed by the repairer and the client.
    phone.click("#step-repaired").await;
    phone.wait_for_text(".flash", "修复").await;
    phone.click("#fill-order").await;
    phone.fill("#order-form textarea[name=cause]", "电源模块损坏").await;
    phone
        .choose("#order-form select[name=cause_category]", "设备硬件故障")
        .await;
    phone
        .fill("#order-form textarea[name=remedy]", "更换电源模块，恢复扩声")
        .await;
    phone.fill("#used-materials input[name=used_name]", "电源模块").await;
    phone.fill("#used-materials input[name=used_model]", "BLU-PSU").await;
    // A quantity in words is explained beside the materials, what was typed kept.
    phone.fill("#used-materials input[name=used_quantity]", "两").await;
    phone.click("#save-order").await;
    let said = phone.said("#used-materials .field-error").await;
    assert!(said.contains("第 1 行") && said.contains("数量"), "{said}");
    phone
        .wait_for_text("#order-form textarea[name=cause]", "电源模块损坏")
        .await;
    phone.fill("#used-materials input[name=used_quantity]", "1").await;
    phone.fits_width("the service order at 390 px").await;
    harness::keep_screenshot(&phone, "service-order-phone").await;
    phone.click("#save-order").await;
    phone.wait_for_text(".flash", "上门服务单已保存").await;
    phone.click("#sign-order").await;
    phone.wait_for_text("#order-ours", "sun.eng").await;
    phone.click("#client-sign-here").await;
    let link = phone
        .find("#on-site-link")
        .await
        .prop("value")
        .await
        .expect("read")
        .expect("a link");
    phone.find("#order figure.qr svg").await;
    assert!(link.starts_with(&app.base) && link.contains("/sign/"), "{link}");

    // The client signs on the tablet, without an account.
    phone.click("form[action='/logout'] button").await;
    phone.find("#username").await;
    phone.client.goto(&link).await.expect("opened");
    phone.wait_for_text("body", "电源模块损坏").await;
    phone.fits_width("the client's signing page on a phone").await;
    phone.click("input[name=consent]").await;
    phone.fill("#typed_name", "陈志刚").await;
    phone.click("button[value=sign]").await;
    phone.wait_for_text("body", "签字完成").await;

    // Back at the office the engineer hands the signed order in; the timeline has every step.
    phone.sign_in("sun.eng", "sun.eng-password-123").await;
    phone.find("#overdue-count").await;
    phone.goto(&format!("/tickets/{ticket}")).await;
    phone.wait_for_text("#order-client", "陈志刚").await;
    phone.click("#hand-in").await;
    phone.wait_for_text(".flash", "交回存档").await;
    let history = phone.text("#history").await;
    for step in [
        "受理报修",
        "回电确认故障现象",
        "到达现场",
        "暂停计时",
        "修复",
        "填写上门服务单",
        "服务单存档",
    ] {
        assert!(history.contains(step), "the timeline lacks {step}: {history}");
    }
    let order = app
        .get(&format!("/api/tickets/{ticket}/service-order"), &app.admin)
        .await
        .expect(200);
    assert_eq!(order["used"][0]["name"], "电源模块", "{order}");
    assert_eq!(order["cause_category"], "hardware", "{order}");
    assert!(order["handed_in_at"].is_string(), "{order}");
    harness::keep_full_screenshot(&phone, "ticket-done-phone").await;
    phone.close().await;
}

#[tokio::test]
async fn the_pm_stocks_a_spare_and_lends_it_to_a_ticket_and_it_comes_back() {
    let (app, id, _) = desk(History::WithoutServiceYear).await;
    let tickets = app
        .get(&format!("/api/projects/{id}/tickets"), &app.admin)
        .await
        .expect(200);
    let dispatched = tickets
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["status"] == "dispatched" && t["paused"] == false)
        .and_then(|t| t["id"].as_i64())
        .expect("the demo's ticket with an engineer on the way");

    let Some(browser) = harness::open(&app, "spares", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto("/spares").await;
    browser.click("details:has(#add-spare) summary").await;
    // A serial already in the store is refused beside the form, the rest kept.
    browser.fill("#add-spare input[name=name]", "拾音器").await;
    browser.fill("#add-spare input[name=serial]", "SP-TR8000-01").await;
    browser.fill("#add-spare input[name=location]", "备件库 B-2").await;
    browser.click("#add-spare button[type=submit]").await;
    let said = browser.said("#add-error").await;
    assert!(said.contains("序列号"), "a known serial is explained as {said:?}");
    browser.fill("#add-spare input[name=serial]", "SP-MIC-07").await;
    browser.click("#add-spare button[type=submit]").await;
    browser.wait_for_text(".flash", "已入库").await;
    browser.wait_for_text("#spares", "SP-MIC-07").await;
    harness::keep_screenshot(&browser, "spares").await;

    // Lent for the ticket: asked for, approved, taken out, brought back.
    browser.goto(&format!("/tickets/{dispatched}#spares")).await;
    browser
        .choose("#loan-form select[name=spare_id]", "拾音器（SP-MIC-07）")
        .await;
    browser.fill("#loan-form input[name=note]", "替换杂音拾音器").await;
    browser.click("#loan-form button[type=submit]").await;
    browser.wait_for_text(".flash", "借用申请已提交").await;
    let loan = browser
        .find("#spares tr[id^=loan-]:last-child")
        .await
        .attr("id")
        .await
        .expect("read")
        .expect("an id");
    let loan = loan.trim_start_matches("loan-").to_string();
    for (button, said) in [
        ("approve", "已批准借用"),
        ("check-out", "备件已领出"),
        ("return", "备件已退回入库"),
    ] {
        browser.click(&format!("#{button}-{loan}")).await;
        browser.wait_for_text(".flash", said).await;
    }
    browser.wait_for_text(&format!("#loan-{loan}"), "已退回").await;
    browser.wait_for_text("#history", "领取维修备件").await;
    browser.goto("/spares?status=in_stock").await;
    browser.wait_for_text("#spares", "SP-MIC-07").await;
    browser.close().await;
}

#[tokio::test]
async fn every_ticket_of_the_demos_after_sales_history_opens_on_a_phone_with_its_clocks_and_timeline() {
    let (app, id, _) = desk(History::WithoutServiceYear).await;
    let tickets = app
        .get(&format!("/api/projects/{id}/tickets"), &app.admin)
        .await
        .expect(200);
    let tickets = tickets.as_array().expect("tickets").clone();
    assert!(tickets.len() >= 6, "the demo's history: {}", tickets.len());
    let Some(browser) = harness::open(&app, "demo_tickets", 390, 844).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto("/service?mine=0").await;
    let listed = browser.count("#tickets tbody tr").await;
    let open = tickets.iter().filter(|t| t["closed_at"].is_null()).count();
    assert_eq!(listed, open, "the board lists every open ticket");
    browser.fits_width("the board at 390 px").await;
    harness::keep_screenshot(&browser, "board-phone").await;
    for t in &tickets {
        let ticket = t["id"].as_i64().expect("id");
        let number = t["number"].as_str().expect("a number");
        browser.goto(&format!("/tickets/{ticket}")).await;
        browser.wait_for_text("main h1", number).await;
        browser.wait_for_text("#clocks", "技术响应").await;
        browser.wait_for_text("#history", "受理报修").await;
        browser.fits_width(&format!("ticket {number} at 390 px")).await;
    }
    browser.goto("/service?mine=0&closed=1").await;
    browser.wait_for_text("#tickets", "已归档").await;
    browser.goto(&format!("/projects/{id}/service")).await;
    browser.find("#report-link figure.qr svg").await;
    browser.fits_width("the 售后 tab at 390 px").await;
    browser.close().await;
}

#[tokio::test]
async fn an_engineer_records_an_inspection_visit_on_a_tablet_a_noisy_fan_is_reported_and_the_client_signs_the_report() {
    let (app, id, _) = desk(History::WithoutServiceYear).await;
    let patrols = app
        .get(&format!("/api/projects/{id}/patrols"), &app.admin)
        .await
        .expect(200);
    let visit = patrols["visits"][0]["id"]
        .as_i64()
        .expect("the demo's first planned visit");

    let Some(tablet) = harness::open(&app, "patrol_tablet", 768, 1024).await else {
        return;
    };
    tablet.sign_in("sun.eng", "sun.eng-password-123").await;
    tablet.find("#overdue-count").await;
    tablet.goto(&format!("/projects/{id}/service#patrols")).await;
    tablet.click(&format!("#patrol-{visit} a")).await;
    tablet.wait_for_text("main h1", "第 1 次定时巡检").await;
    // Everything normal in one tap per box; then the first unit's fan is noisy, to be repaired.
    tablet
        .client
        .execute(
            "document.querySelectorAll('[data-all-pass]').forEach((b) => b.click());",
            vec![],
        )
        .await
        .expect("all normal");
    let unit_box = "#patrol-form fieldset[id^=unit-]";
    let fan = format!("{unit_box} .check:nth-of-type(2)");
    tablet.click(&format!("{fan} input[value=fail]")).await;
    tablet.fill(&format!("{fan} input[name^=note_]"), "散热风扇异响").await;
    tablet.click(&format!("{fan} input[name^=ticket_]")).await;
    // Who from the client came along is needed for the ticket: refused without a phone.
    tablet.fill("#patrol-form input[name=contact_name]", "陈志刚").await;
    tablet.click("#save-patrol").await;
    let said = tablet.said("#record-error").await;
    assert!(
        said.contains("电话"),
        "a ticket without a phone to call is explained as {said:?}"
    );
    let kept = tablet
        .find(&format!("{fan} input[value=fail]"))
        .await
        .prop("checked")
        .await
        .expect("read");
    assert_eq!(kept.as_deref(), Some("true"), "the answers are kept after a refusal");
    tablet
        .fill("#patrol-form input[name=contact_phone]", "0574-8765-4321")
        .await;
    tablet
        .fill(
            "#patrol-form textarea[name=summary]",
            "系统运行正常，一台设备风扇异响已报修",
        )
        .await;
    tablet.fits_width("the inspection form on a tablet").await;
    harness::keep_screenshot(&tablet, "patrol-form").await;
    tablet.click("#save-patrol").await;
    tablet.wait_for_text(".flash", "生成报修工单").await;
    tablet.wait_for_text("#results", "已报修").await;

    // The report: the engineer signs, then the client on the same tablet.
    tablet.click("#sign-report").await;
    tablet.wait_for_text("#report-ours", "sun.eng").await;
    tablet.click("#client-sign-report").await;
    let link = tablet
        .find("#on-site-link")
        .await
        .prop("value")
        .await
        .expect("read")
        .expect("a link");
    tablet.click("form[action='/logout'] button").await;
    tablet.find("#username").await;
    tablet.client.goto(&link).await.expect("opened");
    tablet.wait_for_text("body", "散热风扇异响").await;
    tablet.click("input[name=consent]").await;
    tablet.fill("#typed_name", "陈志刚").await;
    tablet.click("button[value=sign]").await;
    tablet.wait_for_text("body", "签字完成").await;
    let after = app
        .get(&format!("/api/projects/{id}/patrols"), &app.admin)
        .await
        .expect(200);
    let done = &after["visits"][0];
    assert!(
        done["signed_by_client"]
            .as_str()
            .is_some_and(|s| s.starts_with("陈志刚")),
        "{done}"
    );
    let ticket = done["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find_map(|c| c["ticket_id"].as_i64())
        .expect("the fan's ticket");
    let opened = app.get(&format!("/api/tickets/{ticket}"), &app.admin).await.expect(200);
    assert_eq!(opened["channel"], "inspection");
    tablet.close().await;
}

#[tokio::test]
async fn the_desk_records_an_unhappy_return_visit_and_the_pm_follows_it_up_on_the_ticket() {
    let (app, id, _) = desk(History::WithoutServiceYear).await;
    let tickets = app
        .get(&format!("/api/projects/{id}/tickets"), &app.admin)
        .await
        .expect(200);
    let resolved = tickets
        .as_array()
        .expect("tickets")
        .iter()
        .find(|t| t["status"] == "resolved")
        .and_then(|t| t["id"].as_i64())
        .expect("the demo's repaired ticket");
    let Some(browser) = harness::open(&app, "return_visit", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/tickets/{resolved}#return-visits")).await;
    browser.click("#return-visits details.manage summary").await;
    for (question, answer) in [
        ("response", "satisfied"),
        ("attitude", "satisfied"),
        ("quality", "unsatisfied"),
        ("overall", "unsatisfied"),
    ] {
        browser
            .click(&format!("#visit-form input[name={question}][value={answer}]"))
            .await;
    }
    browser
        .fill("#visit-form textarea[name=comment]", "画面偶尔还会花屏")
        .await;
    browser.click("#visit-form button[type=submit]").await;
    browser.wait_for_text(".flash", "已通知项目主管").await;
    browser.wait_for_text("#return-visits", "画面偶尔还会花屏").await;
    browser
        .fill("#return-visits input[name=note]", "已安排工程师复检并更换视频线")
        .await;
    browser.click("#return-visits form.inline-form button").await;
    browser.wait_for_text(".flash", "跟进结果已记录").await;
    browser.wait_for_text("#return-visits", "已跟进").await;
    harness::keep_screenshot(&browser, "return-visit").await;
    let visits = app
        .get(&format!("/api/tickets/{resolved}/return-visits"), &app.admin)
        .await
        .expect(200);
    assert_eq!(visits[0]["overall"], "unsatisfied");
    assert!(visits[0]["followed_up_at"].is_string(), "{visits}");
    browser.close().await;
}

#[tokio::test]
async fn the_general_manager_reads_last_months_statistics_drills_into_a_figure_and_approves_the_table() {
    let (app, _, _) = desk(History::Full).await;
    let tz = chrono_tz::Asia::Shanghai;
    let this_month = jiaofu::domain::statistics::Month::of(chrono::Utc::now().with_timezone(&tz).date_naive());
    let last = this_month.prev();
    let figures = app
        .get(&format!("/api/service/statistics?month={last}"), &app.admin)
        .await
        .expect(200);
    let faults = figures["total"]["faults"].as_u64().expect("faults");
    assert!(
        faults > 0,
        "the demo's year of history has faults last month: {}",
        figures["total"]
    );
    let Some(browser) = harness::open(&app, "statistics", 1280, 1000).await else {
        return;
    };
    browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    browser.goto("/service").await;
    browser.click("#statistics-link").await;
    browser.wait_for_text("h1", &this_month.label_zh()).await;
    browser.goto(&format!("/service/statistics?month={last}")).await;
    // Each rate says what it counts over what.
    let rates = browser.text("#rates").await;
    let events = figures["total"]["service_events"].as_u64().expect("events");
    assert!(
        rates.contains("服务投诉率") && rates.contains(&format!("{events}")),
        "{rates}"
    );
    assert!(rates.contains("÷"), "{rates}");
    assert_eq!(
        browser.count("#lines tbody tr").await as usize,
        figures["lines"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(browser.count(".chart-box svg").await, 3, "three charts");
    harness::keep_full_screenshot(&browser, "statistics").await;
    // The tickets behind the month's faults.
    browser.click("#totals a.tile").await;
    browser.wait_for_text("h1", "维修故障").await;
    assert_eq!(browser.count("#behind tbody tr").await as u64, faults);
    browser.click("#behind tbody tr a").await;
    browser.find(".clock-cards, #timeline, h1").await;
    assert!(browser.path().await.starts_with("/tickets/"));
    // The general manager approves last month's table; then it is printed as approved.
    browser.goto(&format!("/service/statistics?month={last}")).await;
    browser.fill("#remarks", "响应超时的两件下月例会说明").await;
    browser.click("#approve").await;
    browser.wait_for_text(".flash", "已审阅").await;
    browser.wait_for_text("#approval", "管理员").await;
    browser.close().await;
    // On a phone the page fits; the wide table scrolls in its own box.
    let Some(phone) = harness::open(&app, "statistics_phone", 390, 900).await else {
        return;
    };
    phone.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    phone.goto(&format!("/service/statistics?month={last}")).await;
    phone.find("#rates").await;
    phone.fits_width("the statistics on a phone").await;
    phone.close().await;
}

#[tokio::test]
async fn the_pm_writes_last_months_maintenance_summary_and_quality_archives_it() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let app = spawn_app().await;
    let tz = chrono_tz::Asia::Shanghai;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let last = jiaofu::domain::statistics::Month::of(today).prev();
    let id = app.project("WB-ZJ", "2025-12-01").await["id"].as_i64().expect("id");
    let (wang, pm) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    // Delivered long before last month: its faults are in warranty.
    let row = entity::project::Entity::find_by_id(i32::try_from(id).expect("id"))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the project");
    let mut delivered: entity::project::ActiveModel = row.into();
    delivered.delivered_on = Set(Some(today - chrono::Days::new(150)));
    delivered.warranty_starts_on = Set(Some(today - chrono::Days::new(150)));
    delivered.update(&app.state.db).await.expect("delivered");
    // Last month the same host failed twice: a power module, then solved by phone.
    let at = |day: u64, hour: u32| {
        (last.first_day() + chrono::Days::new(day - 1))
            .and_hms_opt(hour, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).single())
            .expect("a time")
            .to_rfc3339()
    };
    let mut tickets = Vec::new();
    for day in [10, 12] {
        let t = app
            .post(
                &format!("/api/projects/{id}/tickets"),
                &pm,
                json!({"channel": "phone", "reporter_name": "陈志刚", "reporter_phone": "0574-8888-2000",
                       "device": "第三审判庭 庭审主机", "symptom": "无图像", "reported_at": at(day, 9)}),
            )
            .await
            .expect(200);
        tickets.push(t["id"].as_i64().expect("id"));
    }
    for (step, hour) in [
        ("called_back", 10),
        ("dispatched", 10),
        ("arrived", 11),
        ("repaired", 13),
    ] {
        app.post(
            &format!("/api/tickets/{}/steps", tickets[0]),
            &pm,
            json!({"step": step, "at": at(10, hour)}),
        )
        .await
        .expect(200);
    }
    app.put(
        &format!("/api/tickets/{}/service-order", tickets[0]),
        &pm,
        json!({"cause": "电源模块老化", "cause_category": "ageing", "remedy": "更换电源模块", "result": "恢复正常"}),
    )
    .await
    .expect(200);

    let Some(browser) = harness::open(&app, "service_summary", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.goto(&format!("/projects/{id}/service")).await;
    browser.click("#summary-link").await;
    browser.wait_for_text("h1", &last.label_zh()).await;
    browser.wait_for_text("#causes", "器件老化损耗").await;
    browser.wait_for_text("#causes", "未分类").await;
    browser.wait_for_text("#recurring", "第三审判庭 庭审主机").await;
    assert_eq!(browser.count("#faults tbody tr").await, 2);
    // Submitting without the analysis says so beside it.
    browser.click("#submit-summary").await;
    let said = browser.said("#summary-form .field-error").await;
    assert!(said.contains("原因分析"), "{said}");
    browser
        .fill("#analysis", "第三审判庭主机电源老化，本月两次无图像。")
        .await;
    browser.click("#submit-summary").await;
    let said = browser.said("#summary-form .field-error").await;
    assert!(said.contains("处理方法"), "{said}");
    // What was typed is kept.
    let kept = browser.text("#analysis").await;
    assert!(kept.contains("电源老化"), "{kept}");
    browser
        .fill("#measures", "更换同批次主机电源；巡检时检查电源温度。")
        .await;
    browser.click("#submit-summary").await;
    browser.wait_for_text(".flash", "已提交").await;
    browser.wait_for_text("#summary", "电源老化").await;
    harness::keep_full_screenshot(&browser, "service-summary").await;
    browser.close().await;

    // Quality archives it.
    let Some(quality) = harness::open(&app, "service_summary_quality", 390, 900).await else {
        return;
    };
    quality.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    quality
        .goto(&format!("/projects/{id}/service/summary?month={last}"))
        .await;
    quality.fits_width("the summary on a phone").await;
    quality.click("#archive-summary").await;
    quality.wait_for_text(".flash", "已归档").await;
    quality.wait_for_text("#summary", "质检部").await;
    quality.close().await;
    let s = app
        .get(&format!("/api/projects/{id}/service/summary?month={last}"), &pm)
        .await
        .expect(200);
    assert!(s["archived_at"].is_string(), "{s}");
    assert_eq!(s["measures"], "更换同批次主机电源；巡检时检查电源温度。");
}
