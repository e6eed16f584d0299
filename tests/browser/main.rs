//! The pages in a real browser, each test a sentence about a user.
mod acceptance;
mod arrival;
mod documents;
mod equipment;
mod final_acceptance;
mod harness;
mod installation;
mod outbox;
mod service_desk;
mod testing;
mod training;

use jiaofu::service::demo::History;
use jiaofu_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_pm_signs_in_and_sees_the_overdue_task_on_the_dashboard() {
    let app = spawn_app().await;
    let (pm, _) = app.user("wang.pm", "manager").await;
    let project = app.project("ZJFY-2026-031", "2026-01-05").await["id"]
        .as_i64()
        .expect("id");
    app.add_member(project, pm, "pm").await;
    let Some(browser) = harness::open(&app, "pm_dashboard", 1280, 900).await else {
        return;
    };

    browser.goto("/").await;
    if browser.path().await != "/login" {
        browser.fail("a visitor is not sent to sign in").await;
    }
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#due-items").await;
    if browser.path().await != "/dashboard" {
        browser.fail("signing in does not land on 工作台").await;
    }
    let overdue: u64 = browser.text("#overdue-count").await.parse().unwrap_or(0);
    if overdue == 0 {
        browser.fail("no overdue task counted").await;
    }
    let items = browser.text("#due-items").await;
    if !(items.contains("ZJFY-2026-031") && items.contains("逾期")) {
        browser.fail("the overdue task is not listed").await;
    }
    harness::keep_screenshot(&browser, "dashboard").await;
    browser.close().await;
}

#[tokio::test]
async fn a_wrong_password_is_answered_on_the_sign_in_page_and_a_cross_site_post_is_refused() {
    let app = spawn_app().await;
    let Some(browser) = harness::open(&app, "wrong_password", 390, 800).await else {
        return;
    };
    browser.sign_in("admin", "not-the-password").await;
    browser.wait_for_text("#login-error", "用户名或密码不正确").await;
    browser.close().await;

    // A form on another site posting to our sign-out (or anything else) is refused.
    let cross = app
        .client
        .post(app.url("/logout"))
        .header("Origin", "https://evil.example")
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .expect("sent");
    assert_eq!(cross.status().as_u16(), 403);
    // Even with a valid session cookie: a page that creates a project refuses another site's form.
    let forged = app
        .client
        .post(app.url("/projects/new"))
        .header("cookie", format!("jiaofu_session={}", app.admin))
        .header("Origin", "https://evil.example")
        .form(&[
            ("code", "EVIL-1"),
            ("name", "x"),
            ("client_name", "x"),
            ("contract_signed_on", "2026-11-02"),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(forged.status().as_u16(), 403);
    let listed = app.get("/api/projects?q=EVIL", &app.admin).await.expect(200);
    assert_eq!(listed["total"], 0, "{listed}");
}

#[tokio::test]
async fn a_pm_finds_a_project_by_part_of_its_client_and_is_told_next_to_the_field_when_a_filter_is_wrong() {
    let app = spawn_app().await;
    let (pm, _) = app.user("wang.pm", "manager").await;
    for (code, client) in [
        ("ZJFY-2026-040", "杭州市中级人民法院"),
        ("ZJFY-2026-041", "宁波市海曙区人民法院"),
    ] {
        let id = app
            .post(
                "/api/projects",
                &app.admin,
                json!({"code": code, "name": "数字法庭建设项目", "client_name": client, "contract_signed_on": "2026-11-02"}),
            )
            .await
            .expect(200)["id"]
            .as_i64()
            .expect("id");
        app.add_member(id, pm, "pm").await;
    }
    let Some(browser) = harness::open(&app, "project_search", 768, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#due-items, .empty").await;
    browser.goto("/projects").await;
    if !browser.text("#project-count").await.contains('2') {
        browser.fail("the PM does not see both projects").await;
    }
    browser.fill("#q", "海曙").await;
    browser.click("#project-filters button[type=submit]").await;
    browser
        .text_where("#projects", "only ZJFY-2026-041 for 海曙", |listed| {
            listed.contains("ZJFY-2026-041") && !listed.contains("ZJFY-2026-040")
        })
        .await;
    browser.fill("#due_within_days", "abc").await;
    browser.click("#project-filters button[type=submit]").await;
    // The wrong number of days is explained next to its field.
    browser.wait_for_text("#due-error", "天数").await;
    harness::keep_screenshot(&browser, "projects").await;
    browser.close().await;
}

#[tokio::test]
async fn a_pm_completes_an_overdue_task_with_a_note_and_it_leaves_the_dashboard() {
    let app = spawn_app().await;
    let (pm, _) = app.user("wang.pm", "manager").await;
    let project = app.project("ZJFY-2026-050", "2026-01-05").await["id"]
        .as_i64()
        .expect("id");
    app.add_member(project, pm, "pm").await;
    let Some(browser) = harness::open(&app, "complete_task", 1280, 1400).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    let before: u64 = browser.text("#overdue-count").await.parse().unwrap_or(0);
    browser.click("#due-items tbody tr:first-child td:nth-child(3) a").await;
    let row = format!(
        "{} .task-actions",
        browser
            .client
            .current_url()
            .await
            .expect("url")
            .fragment()
            .map(|f| format!("#{f}"))
            .unwrap_or_default()
    );
    browser.find("#timeline").await;
    browser
        .fill(&format!("{row} input[name=note]"), "工程组织已建立，名单已报甲方")
        .await;
    browser.click(&format!("{row} button.complete")).await;
    browser.wait_for_text(".flash", "已完成").await;
    browser.goto("/dashboard").await;
    let after: u64 = browser.text("#overdue-count").await.parse().unwrap_or(0);
    if after + 1 != before {
        browser.fail(&format!("overdue went from {before} to {after}")).await;
    }
    // Reopening without a reason is answered next to the note.
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    // The task completed from the page, with its note (协议签定 was done at creation).
    let done = schedule["phases"][0]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["status"] == "done" && t["note"] == "工程组织已建立，名单已报甲方")
        .map(|t| t["id"].as_i64().expect("id"))
        .expect("the task completed with its note");
    browser.goto(&format!("/projects/{project}")).await;
    harness::keep_screenshot(&browser, "project").await;
    browser
        .click(&format!("#task-{done} .task-actions button[formaction$='/reopen']"))
        .await;
    // Reopening without a note is explained next to it, and the page shows it (not its top).
    let error = format!("#task-{done} .field-error");
    browser.said(&error).await;
    if !browser.in_view(&error).await {
        browser.fail("the refusal is off screen").await;
    }
    // The address bar now holds the form's address; opening it again leads back to the project.
    browser.goto(&format!("/projects/{project}/tasks/{done}/reopen")).await;
    browser.find("#timeline").await;
    if browser.path().await != format!("/projects/{project}") {
        browser.fail("a form's address opened again is not the project").await;
    }
    browser.goto("/no-such-page").await;
    browser.wait_for_text("main h1", "找不到").await;
    browser.close().await;
}

#[tokio::test]
async fn a_pm_creates_a_project_with_a_bad_date_sees_why_next_to_it_and_lands_on_four_phases() {
    let app = spawn_app().await;
    app.user("wang.pm", "manager").await;
    let Some(browser) = harness::open(&app, "create_project", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto("/projects").await;
    browser.click("a[href='/projects/new']").await;
    browser.fill("#code", "ZJFY-2026-060").await;
    browser.fill("#name", "科技法庭改造项目").await;
    browser.fill("#client_name", "温州市中级人民法院").await;
    browser.set_value("#contract_signed_on", "2026-11-02").await;
    browser.set_value("#delivery_due_on", "2026-10-01").await;
    browser.click("input[name=system_types][value=digital_courtroom]").await;
    browser.click("#new-project button[type=submit]").await;
    // The delivery date before the contract is explained next to it.
    browser.said("#delivery_due_on-error").await;
    harness::keep_screenshot(&browser, "project-new-error").await;
    // What was typed is still there; fix the date and create.
    if browser
        .find("#code")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .as_deref()
        != Some("ZJFY-2026-060")
    {
        browser.fail("the form forgot what was typed").await;
    }
    browser.set_value("#delivery_due_on", "2026-12-31").await;
    browser.click("#new-project button[type=submit]").await;
    browser.find("#timeline").await;
    if !browser.path().await.starts_with("/projects/") || browser.count("#timeline g.bar").await != 4 {
        browser.fail("the new project's page does not show four phases").await;
    }
    browser.wait_for_text(".flash", "ZJFY-2026-060").await;
    browser.close().await;
}

#[tokio::test]
async fn a_pm_adds_an_engineer_by_typing_part_of_his_name() {
    let app = spawn_app().await;
    let (pm, _) = app.user("wang.pm", "manager").await;
    app.post(
        "/api/users",
        &app.admin,
        json!({"username": "li.ming", "display_name": "李明", "role": "engineer", "password": "li.ming-password-123"}),
    )
    .await
    .expect(200);
    let project = app.project("ZJFY-2026-070", "2026-11-20").await["id"]
        .as_i64()
        .expect("id");
    app.add_member(project, pm, "pm").await;
    let Some(browser) = harness::open(&app, "add_member", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{project}")).await;
    browser.fill("#who", "李").await;
    // The suggestions list offers him as one types.
    let mut offered = String::new();
    for _ in 0..20 {
        offered = browser
            .client
            .execute("return document.getElementById('people-options').innerHTML;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if offered.contains("li.ming") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if !offered.contains("李明") {
        browser.fail(&format!("typing 李 offers: {offered}")).await;
    }
    browser.click("#add-member button[type=submit]").await;
    browser.wait_for_text(".people", "李明").await;
    browser.wait_for_text(".people", "工程师").await;
    // The engineer is a member through the API too.
    let members = app
        .get(&format!("/api/projects/{project}/members"), &app.admin)
        .await
        .expect(200);
    assert!(members.to_string().contains("li.ming"), "{members}");
    browser.close().await;
}

/// Adds an account on 账户管理 and returns the password the page shows once.
async fn add_account(browser: &harness::Browser, username: &str, name: &str, role: &str) -> String {
    browser.fill("#username", username).await;
    browser.fill("#display_name", name).await;
    browser.set_value("#role", role).await;
    browser.click("#new-user button[type=submit]").await;
    let notice = browser
        .text_where("#notice", &format!("{username}'s initial password"), |t| {
            t.contains(username) && t.contains("初始密码：")
        })
        .await;
    match notice
        .split("初始密码：")
        .nth(1)
        .and_then(|rest| rest.split('（').next())
        .map(str::trim)
    {
        Some(password) if !password.is_empty() => password.to_string(),
        _ => browser.fail(&format!("no password in '{notice}'")).await,
    }
}

/// The "done when": everything from the administrator's first sign-in to a running
/// schedule, through the pages only.
#[tokio::test]
async fn the_admin_adds_a_manager_who_creates_a_project_edits_it_adds_people_and_runs_its_schedule() {
    let app = spawn_app().await;
    let Some(browser) = harness::open(&app, "whole_path", 1280, 1000).await else {
        return;
    };
    // The administrator adds a manager and an engineer; each password is shown once.
    browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    browser.click("nav.main a[href='/admin/users']").await;
    let manager_password = add_account(&browser, "zhang.wei", "张伟", "manager").await;
    harness::keep_screenshot(&browser, "admin-users").await;
    let engineer_password = add_account(&browser, "li.ming", "李明", "engineer").await;
    // The plans they will choose from, with their phases' deadlines.
    browser.click(".tabs a[href='/admin/plans']").await;
    browser.wait_for_text("#plan-default", "签约后 7 天").await;
    harness::keep_screenshot(&browser, "admin-plans").await;
    browser.click("header .who button").await;
    browser.find("#username").await;

    // The manager creates a project signed ten days ago: its first phase is already late.
    browser.sign_in("zhang.wei", &manager_password).await;
    browser.find("#overdue-count").await;
    browser.click("nav.main a[href='/projects']").await;
    browser.click("a[href='/projects/new']").await;
    let signed = (chrono::Utc::now() - chrono::Duration::days(10)).date_naive();
    browser.fill("#code", "ZJFY-2026-090").await;
    browser.fill("#name", "诉讼服务中心建设项目").await;
    browser.fill("#client_name", "湖州市中级人民法院").await;
    browser.set_value("#contract_signed_on", &signed.to_string()).await;
    browser.click("#new-project button[type=submit]").await;
    browser.find("#timeline").await;
    browser.wait_for_text("h1", "ZJFY-2026-090").await;
    let project: i64 = browser
        .path()
        .await
        .trim_start_matches("/projects/")
        .parse()
        .expect("the project's page");

    // Key facts: a delivery date before the signing is explained next to it, then saved.
    browser.click("#edit-project").await;
    browser.fill("#region", "湖州").await;
    browser.set_value("#delivery_due_on", "2020-01-01").await;
    browser.click("#edit-project button[type=submit]").await;
    browser.said("#delivery_due_on-error").await;
    browser.set_value("#delivery_due_on", "2027-03-31").await;
    browser.click("#edit-project button[type=submit]").await;
    browser.wait_for_text(".flash", "项目信息已保存").await;
    browser.wait_for_text(".facts", "湖州").await;
    browser.wait_for_text(".facts", "2027年3月31日").await;

    // People: the engineer by part of his name, and the client's contact (a bad address first).
    browser.fill("#who", "李").await;
    browser.click("#add-member button[type=submit]").await;
    browser.wait_for_text(".people", "李明").await;
    browser.click("#add-contact summary").await;
    browser.fill("#contact-new-name", "陈建国").await;
    browser.fill("#contact-new-role", "信息技术处处长").await;
    // The browser accepts an address without a dot in its domain; the server explains it.
    browser.fill("#contact-new-email", "chen@hzcourt").await;
    browser.click("#new-contact button[type=submit]").await;
    browser.said("#contact-new-email-error").await;
    browser.fill("#contact-new-email", "chen@hzcourt.example.cn").await;
    browser.fill("#contact-new-phone", "0572-2300000").await;
    browser.click("#new-contact button[type=submit]").await;
    browser.wait_for_text(".flash", "陈建国").await;
    browser.wait_for_text("#contacts + ul", "信息技术处处长").await;

    // The schedule: the first task done with a note, the second assigned to the engineer, the
    // third moved with a reason.
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let tasks = &schedule["phases"][0]["tasks"];
    let task = |i: usize| tasks[i]["id"].as_i64().expect("a task");
    // 协议签定 (the first) was done when the project was created with its signing date.
    assert_eq!(tasks[0]["status"], "done", "{schedule}");
    let (first, second, third) = (task(1), task(2), task(3));
    browser.goto(&format!("/projects/{project}")).await;
    // Enter in the note completes the task (it does not start it).
    browser
        .fill(&format!("#task-{first} input[name=note]"), "合同扫描件已归档\u{E007}")
        .await;
    browser.wait_for_text(".flash", "已完成").await;
    browser.click(&format!("#task-{second} details.manage summary")).await;
    browser.choose(&format!("#assignee-{second}"), "李明").await;
    browser
        .click(&format!("#task-{second} .task-assign button[type=submit]"))
        .await;
    browser.wait_for_text(".flash", "已分配负责人").await;
    browser.wait_for_text(&format!("#task-{second}"), "李明").await;
    browser.click(&format!("#task-{third} details.manage summary")).await;
    let moved = signed + chrono::Duration::days(30);
    browser.set_value(&format!("#due-{third}"), &moved.to_string()).await;
    browser.fill(&format!("#reason-{third}"), "甲方机房改造推迟").await;
    browser
        .click(&format!("#task-{third} .task-due button[type=submit]"))
        .await;
    browser.wait_for_text(".flash", "截止日期已调整").await;
    browser.wait_for_text("#history-table", "甲方机房改造推迟").await;
    browser.wait_for_text("#history-table", "要求交付日期").await;
    // People by name and statuses in Chinese, not ids and codes.
    browser.wait_for_text("#history-table", "负责人：— → 李明").await;
    browser.wait_for_text("#history-table", "未开始 → 已完成").await;
    browser.wait_for_text("#history-table", "合同签订日期").await;
    harness::keep_full_screenshot(&browser, "project-full").await;
    browser.click("header .who button").await;
    browser.find("#username").await;

    // The engineer finds his late task on 工作台 and starts it.
    browser.sign_in("li.ming", &engineer_password).await;
    browser.wait_for_text("#due-items", "诉讼服务中心建设项目").await;
    browser
        .click(&format!("#due-items a[href='/projects/{project}#task-{second}']"))
        .await;
    browser
        .click(&format!("#task-{second} button[formaction$='/start']"))
        .await;
    browser.wait_for_text(".flash", "已开始").await;
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let status = |i: usize| schedule["phases"][0]["tasks"][i]["status"].clone();
    assert_eq!(
        (status(1), status(2)),
        (json!("done"), json!("in_progress")),
        "{schedule}"
    );
    browser.close().await;
}

#[tokio::test]
async fn with_mail_configured_a_new_account_gets_its_password_by_email_and_not_on_the_page() {
    let sink = jiaofu_tests::SmtpSink::start();
    let url = sink.url();
    let app = jiaofu_tests::spawn_app_with(|s| s.smtp_url = Some(jiaofu::config::Secret::new(url))).await;
    let Some(browser) = harness::open(&app, "password_by_mail", 1280, 1000).await else {
        return;
    };
    browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    browser.goto("/admin/users").await;
    browser.fill("#username", "zhao.min").await;
    browser.fill("#display_name", "赵敏").await;
    browser.fill("#email", "zhao.min@example.com").await;
    browser.set_value("#role", "manager").await;
    browser.click("#new-user button[type=submit]").await;
    let notice = browser
        .text_where("#notice", "that the password was mailed", |t| {
            t.contains("已发送到 zhao.min@example.com")
        })
        .await;
    assert!(!notice.contains("初始密码："), "{notice}");
    let report = jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "worker", chrono::Utc::now())
        .await
        .expect("a delivery round");
    assert_eq!(report.sent, 1, "{report:?}");
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.envelope_to.contains("zhao.min@example.com"))
        .expect("the password mail");
    assert!(mail.subject.contains("账户已开通"), "{}", mail.subject);
    let password = mail
        .text
        .lines()
        .find_map(|l| l.strip_prefix("初始密码："))
        .map(str::trim)
        .expect("a password in the mail")
        .to_string();
    assert!(mail.text.contains("/login"), "{}", mail.text);
    // The password left with the mail: the outbox keeps no copy of it.
    let listed = app
        .get("/api/outbox?kind=account_password", &app.admin)
        .await
        .expect(200);
    let id = listed["items"][0]["id"].as_i64().expect("the message");
    let kept = app.get(&format!("/api/outbox/{id}"), &app.admin).await.expect(200);
    assert!(!kept.to_string().contains(&password), "{kept}");
    browser.click("header .who button").await;
    browser.find("#username").await;
    browser.sign_in("zhao.min", &password).await;
    browser.find("#overdue-count").await;
    browser.wait_for_text("header .who", "赵敏").await;
    browser.close().await;
}

#[tokio::test]
async fn a_disabled_users_open_page_sends_him_to_sign_in_on_the_next_click() {
    let app = spawn_app().await;
    let (li, _) = app.user("li.eng", "engineer").await;
    let Some(browser) = harness::open(&app, "disabled_user", 390, 844).await else {
        return;
    };
    browser.sign_in("li.eng", "li.eng-password-123").await;
    browser.find("#overdue-count").await;
    app.patch(&format!("/api/users/{li}"), &app.admin, json!({"disabled": true}))
        .await
        .expect(200);
    browser.click("nav.main a[href='/projects']").await;
    browser.find("#username").await;
    if browser.path().await != "/login" {
        browser.fail("a disabled user still sees pages").await;
    }
    // With his right password he learns why, and whom to ask.
    browser.sign_in("li.eng", "li.eng-password-123").await;
    browser.wait_for_text("#login-error", "已停用").await;
    browser.close().await;
}

#[tokio::test]
async fn with_javascript_off_a_pm_still_signs_in_creates_a_project_and_completes_a_task() {
    let app = spawn_app().await;
    app.user("wang.pm", "manager").await;
    let Some(browser) = harness::open_with(&app, "no_javascript", 1280, 1000, false).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    // WebDriver's own scripts still run; the page's (htmx) do not.
    let htmx = browser
        .client
        .execute("return typeof window.htmx;", vec![])
        .await
        .expect("probe");
    assert_eq!(htmx, "undefined", "the page's scripts ran");
    browser.goto("/projects/new").await;
    browser.fill("#code", "ZJFY-2026-095").await;
    browser.fill("#name", "庭审直播系统项目").await;
    browser.fill("#client_name", "丽水市中级人民法院").await;
    browser.click("#new-project button[type=submit]").await;
    browser.find("#timeline").await;
    browser.click(".phase tbody tr:first-child button.complete").await;
    browser.wait_for_text(".flash", "已完成").await;
    browser.close().await;
}

#[tokio::test]
async fn an_engineer_on_a_phone_starts_the_task_assigned_to_him() {
    let app = spawn_app().await;
    let (li, _) = app.user("li.eng", "engineer").await;
    let project = app.project("ZJFY-2026-099", "2026-11-25").await["id"]
        .as_i64()
        .expect("id");
    app.add_member(project, li, "engineer").await;
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let task = schedule["phases"][1]["tasks"][0]["id"].as_i64().expect("a task");
    app.put(
        &format!("/api/projects/{project}/tasks/{task}/assignee"),
        &app.admin,
        json!({"user_id": li}),
    )
    .await
    .expect(200);
    let Some(browser) = harness::open(&app, "engineer_phone", 390, 844).await else {
        return;
    };
    browser.sign_in("li.eng", "li.eng-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{project}")).await;
    browser
        .click(&format!("#task-{task} button[formaction$='/start']"))
        .await;
    browser.wait_for_text(".flash", "已开始").await;
    harness::keep_screenshot(&browser, "project-phone").await;
    browser.close().await;
}

#[tokio::test]
async fn an_engineer_changes_his_password_chooses_a_weekly_digest_and_subscribes_his_calendar() {
    let app = spawn_app().await;
    let (li, _) = app.user("li.eng", "engineer").await;
    let Some(browser) = harness::open(&app, "settings", 1280, 1000).await else {
        return;
    };
    browser.sign_in("li.eng", "li.eng-password-123").await;
    browser.find("#overdue-count").await;
    browser.click("header .who a[href='/me']").await;
    browser.fill("#current_password", "li.eng-password-123").await;
    browser.fill("#new_password", "a-new-password-456").await;
    browser.fill("#new_password_again", "a-different-one-789").await;
    browser.click("#password-form button[type=submit]").await;
    // Two different new passwords are explained next to the second.
    browser.said("#new_password_again-error").await;
    browser.fill("#current_password", "li.eng-password-123").await;
    browser.fill("#new_password", "a-new-password-456").await;
    browser.fill("#new_password_again", "a-new-password-456").await;
    browser.click("#password-form button[type=submit]").await;
    browser.wait_for_text(".flash", "密码已修改").await;
    app.client
        .post(app.url("/api/auth/login"))
        .json(&json!({"username": "li.eng", "password": "li.eng-password-123"}))
        .send()
        .await
        .map(|r| assert_eq!(r.status().as_u16(), 401, "the old password still works"))
        .expect("sent");
    app.login("li.eng", "a-new-password-456").await;

    browser.click("input[name=reminder_frequency][value=weekly]").await;
    browser.click("#reminder-form button[type=submit]").await;
    // The page before still shows 密码已修改: wait for this form's own answer.
    browser.wait_for_text(".flash", "提醒方式已保存").await;
    let user = app.get("/api/users", &app.admin).await.expect(200);
    let me = user
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["id"] == li)
        .expect("li");
    assert_eq!(me["reminder_frequency"], "weekly");

    browser.click("form[action='/me/calendar'] button[value=rotate]").await;
    let url = browser
        .find("#feed-url")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    // The URL names the configured public address; the test server listens on its own port.
    let path = url.find("/feeds/").map(|i| &url[i..]).expect("a feed URL");
    let ics = app
        .client
        .get(app.url(path))
        .send()
        .await
        .expect("feed")
        .text()
        .await
        .expect("text");
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{url}: {ics}");
    browser.close().await;
}

#[tokio::test]
async fn a_pm_moves_a_due_date_with_its_reason_and_assigns_the_task_to_an_engineer() {
    let app = spawn_app().await;
    let (pm, _) = app.user("wang.pm", "manager").await;
    let (li, _) = app.user("li.eng", "engineer").await;
    let project = app.project("ZJFY-2026-110", "2026-11-20").await["id"]
        .as_i64()
        .expect("id");
    for (user, role) in [(pm, "pm"), (li, "engineer")] {
        app.add_member(project, user, role).await;
    }
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let task = schedule["phases"][1]["tasks"][0]["id"].as_i64().expect("a task");
    let Some(browser) = harness::open(&app, "override_assign", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{project}")).await;
    let row = format!("#task-{task}");
    browser.click(&format!("{row} details.manage summary")).await;
    browser.set_value(&format!("#due-{task}"), "2026-12-20").await;
    browser.fill(&format!("#reason-{task}"), "甲方机房装修延期").await;
    browser.click(&format!("{row} form.task-due button")).await;
    browser.wait_for_text(".flash", "截止日期已调整").await;
    browser.wait_for_text(&row, "甲方机房装修延期").await;
    // The history says who moved it, from when to when, and why.
    browser.wait_for_text("#history-table", "截止日期已调整").await;
    browser.wait_for_text("#history-table", "原因：甲方机房装修延期").await;
    browser.goto(&format!("/projects/{project}#history")).await;
    harness::keep_screenshot(&browser, "project-history").await;
    browser.click(&format!("{row} details.manage summary")).await;
    browser.set_value(&format!("#assignee-{task}"), &li.to_string()).await;
    browser.click(&format!("{row} form.task-assign button")).await;
    browser.wait_for_text(".flash", "已分配负责人").await;
    browser.wait_for_text(&row, "li.eng").await;
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let t = &schedule["phases"][1]["tasks"][0];
    assert_eq!(t["due_on"], "2026-12-20");
    assert_eq!(t["override_reason"], "甲方机房装修延期");
    assert_eq!(t["assignee_id"], li);
    // The page's calendar link downloads the deadlines, the moved one included.
    let href = browser
        .find("#calendar-download")
        .await
        .attr("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let ics = app
        .client
        .get(app.url(&href))
        .header("cookie", format!("jiaofu_session={}", app.admin))
        .send()
        .await
        .expect("download");
    assert_eq!(ics.status().as_u16(), 200);
    let ics = ics.text().await.expect("text");
    assert!(ics.starts_with("BEGIN:VCALENDAR") && ics.contains("20261220"), "{ics}");
    browser.close().await;
}

#[tokio::test]
async fn every_page_fits_a_desk_and_a_phone_without_sideways_scrolling() {
    let app = spawn_app().await;
    let project = app.project("ZJFY-2026-120", "2026-11-02").await["id"]
        .as_i64()
        .expect("id");
    let (li, _) = app.user("li.eng", "engineer").await;
    app.add_member(project, li, "engineer").await;
    for (width, height) in [(1280, 900), (390, 844)] {
        let Some(browser) = harness::open(&app, &format!("pages_{width}"), width, height).await else {
            return;
        };
        browser.goto("/login").await;
        harness::keep_screenshot(&browser, &format!("w{width}-login")).await;
        browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
        browser.find("#overdue-count").await;
        for (name, path) in [
            ("dashboard", "/dashboard".to_string()),
            ("projects", "/projects".to_string()),
            ("project", format!("/projects/{project}")),
            ("project-new", "/projects/new".to_string()),
            ("admin-users", "/admin/users".to_string()),
            ("admin-plans", "/admin/plans".to_string()),
            ("project-edit", format!("/projects/{project}/edit")),
            ("settings", "/me".to_string()),
            ("equipment", format!("/projects/{project}/equipment")),
            ("arrival", format!("/projects/{project}/arrival")),
            ("installation", format!("/projects/{project}/installation")),
            ("tests", format!("/projects/{project}/tests")),
            ("documents", format!("/projects/{project}/documents")),
            ("acceptance", format!("/projects/{project}/acceptance")),
            ("credentials", format!("/projects/{project}/credentials")),
            ("training", format!("/projects/{project}/training")),
            ("project-service", format!("/projects/{project}/service")),
            ("service", "/service".to_string()),
            ("spares", "/spares".to_string()),
        ] {
            browser.goto(&path).await;
            browser.find("main h1").await;
            harness::keep_screenshot(&browser, &format!("w{width}-{name}")).await;
            browser.fits_width(&format!("{path} at {width} px")).await;
        }
        browser.close().await;
    }
}

#[tokio::test]
async fn the_administrator_corrects_an_engineers_name_and_address_and_a_bad_address_is_explained() {
    let app = spawn_app().await;
    let (li, _) = app.user("li.eng", "engineer").await;
    let Some(browser) = harness::open(&app, "admin_profile", 1280, 1000).await else {
        return;
    };
    browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    browser.goto("/admin/users").await;
    let row = format!("#user-{li}");
    browser.click(&format!("{row} details.manage summary")).await;
    browser.fill(&format!("#name-{li}"), "李工").await;
    // The browser takes an address without a dot in its domain; the server explains it.
    browser.fill(&format!("#email-{li}"), "li@court").await;
    browser.click(&format!("#profile-{li} button[type=submit]")).await;
    browser.said(&format!("#email-{li}-error")).await;
    browser.fill(&format!("#email-{li}"), "li.gong@court.example.cn").await;
    browser.click(&format!("#profile-{li} button[type=submit]")).await;
    browser.wait_for_text(".flash", "已保存").await;
    browser.wait_for_text(&row, "li.gong@court.example.cn").await;
    browser.wait_for_text(&row, "李工").await;
    browser.close().await;
}

#[tokio::test]
async fn the_demo_project_shows_every_delivery_screen_with_its_data() {
    let app = spawn_app().await;
    app.demo(History::WithoutServiceYear).await;
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    let id = projects["items"][0]["id"]
        .as_i64()
        .or_else(|| projects[0]["id"].as_i64())
        .expect("the demo project");
    let Some(browser) = harness::open(&app, "demo_screens", 1280, 900).await else {
        return;
    };
    browser.sign_in("admin", jiaofu_tests::ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    let plans = app
        .get(&format!("/api/projects/{id}/test-plans"), &app.admin)
        .await
        .expect(200);
    let plan = plans[0]["id"].as_i64().expect("the demo's test plan");
    for (name, path, shows) in [
        ("demo-equipment", format!("/projects/{id}/equipment"), "已审定"),
        ("demo-arrival", format!("/projects/{id}/arrival"), "FH-20260301-01"),
        ("demo-installation", format!("/projects/{id}/installation"), "合格"),
        ("demo-tests", format!("/projects/{id}/tests"), "功能测试方案"),
        ("demo-test-plan", format!("/projects/{id}/tests/{plan}"), "可签字"),
        ("demo-documents", format!("/projects/{id}/documents"), "签发"),
    ] {
        browser.goto(&path).await;
        browser.wait_for_text("main", shows).await;
        harness::keep_screenshot(&browser, name).await;
    }
    // Its photos: the scratched screen beside the deviation it opened, the racks in the work log.
    for (path, at) in [
        (format!("/projects/{id}/documents#work-log"), "#work-log"),
        (format!("/projects/{id}/arrival#deviations"), "#deviations"),
    ] {
        browser.goto(&path).await;
        browser.picture_size(&format!("{at} ul.photos img")).await;
    }
    harness::keep_screenshot(&browser, "demo-photos").await;
    browser.close().await;
}
