//! 文档: a form issued from the page into the register.
use jiaofu_tests::{ADMIN_PASSWORD, spawn_app};

use crate::harness;

#[tokio::test]
async fn a_pm_issues_the_implementation_plan_and_finds_it_in_the_register_with_its_verification_code() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let (wang, _) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let Some(browser) = harness::open(&app, "documents", 1280, 900).await else {
        return;
    };
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/documents")).await;
    browser.wait_for_text("#form-contract-list", "草稿").await;
    browser.click("#form-contract-list summary").await;
    browser
        .wait_for_text("#form-contract-list", "尚未导入协议设备清单")
        .await;
    browser.click("#form-implementation-plan button[type=submit]").await;
    browser.wait_for_text(".flash", "已签发").await;
    browser
        .wait_for_text("#form-implementation-plan", "已签发 第 1 版")
        .await;
    let register = browser.text("#register").await;
    let issued = app
        .get(&format!("/api/projects/{id}/register"), &app.admin)
        .await
        .expect(200);
    let code = issued[0]["verify_code"].as_str().expect("code").to_string();
    if !register.contains(&code) {
        browser
            .fail(&format!("the register does not show the verification code {code}"))
            .await;
    }
    // The download link serves the issued file to the signed-in browser.
    let href = browser
        .find("#form-implementation-plan a")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("a link");
    let cookie = browser
        .client
        .get_named_cookie("jiaofu_session")
        .await
        .expect("session cookie");
    let file = app
        .client
        .get(app.url(&href))
        .header("Cookie", format!("jiaofu_session={}", cookie.value()))
        .send()
        .await
        .expect("download");
    assert_eq!(file.status(), 200);
    let bytes = file.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "a .docx is a zip");
    // A day on site in the 工作记录单: refused without its work, then added.
    browser.fill("#work-log-entry input[name=people]", "李明、赵磊").await;
    browser.click("#work-log-entry button[type=submit]").await;
    let required = browser
        .client
        .execute(
            "return document.querySelector('#work-log-entry input[name=work_done]').validity.valueMissing;",
            vec![],
        )
        .await
        .expect("validity");
    assert_eq!(required, serde_json::json!(true), "the browser asks for the work first");
    browser
        .fill("#work-log-entry input[name=work_done]", "第一审判庭设备上架、接线")
        .await;
    browser.click("#work-log-entry button[type=submit]").await;
    browser.wait_for_text(".flash", "工作记录已添加").await;
    browser.wait_for_text("#work-log", "第一审判庭设备上架、接线").await;
    browser.close().await;
}
