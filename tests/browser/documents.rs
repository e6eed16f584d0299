//! 文档: a form issued from the page into the register, its copies handed out and one lost; the
//! work log with a photo.
use jiaofu_tests::{ADMIN_PASSWORD, spawn_app};

use crate::harness;

#[tokio::test]
async fn a_pm_issues_the_implementation_plan_finds_it_in_the_register_hands_out_two_copies_reports_one_lost_and_logs_a_day_with_a_photo()
 {
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
    let dir = std::env::temp_dir().join(format!("jiaofu-log-photo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let photo = dir.join("racks.jpg");
    std::fs::write(&photo, jiaofu_tests::files::camera_jpeg(320, 240, 1)).expect("written");
    browser
        .attach("#work-log-entry input[name=photo]:not([capture])", &photo)
        .await;
    browser.click("#work-log-entry button[type=submit]").await;
    browser.wait_for_text(".flash", "工作记录已添加。照片 1 张已保存").await;
    browser.wait_for_text("#work-log", "第一审判庭设备上架、接线").await;
    if browser.count("#work-log ul.photos img").await != 1 {
        browser.fail("the day's entry does not show its photo").await;
    }

    // Two copies handed to the client; one is lost later.
    browser.click("#register tr.copies summary").await;
    browser
        .fill("#register input[name=recipient]", "市中级人民法院 信息中心 刘洋")
        .await;
    browser.fill("#register input[name=copies]", "2").await;
    browser.click("#register tr.copies form button[type=submit]").await;
    browser
        .wait_for_text(".flash", "已登记发放：市中级人民法院 信息中心 刘洋 2 份")
        .await;
    browser.click("#register ul.handed summary").await;
    browser
        .fill(
            "#register ul.handed input[name=note]",
            "3 月 12 日信息中心搬迁时遗失 1 份",
        )
        .await;
    browser.click("#register ul.handed button[type=submit]").await;
    browser.wait_for_text(".flash", "已登记遗失").await;
    browser.wait_for_text("#register", "报失").await;
    harness::keep_full_screenshot(&browser, "documents").await;
    browser.close().await;
    let issued_id = issued[0]["id"].as_i64().expect("id");
    let copies = app
        .get(&format!("/api/projects/{id}/register/{issued_id}/copies"), &app.admin)
        .await
        .expect(200);
    assert_eq!(copies[0]["copies"], 2, "{copies}");
    assert!(
        copies[0]["lost_note"].as_str().is_some_and(|n| n.contains("搬迁")),
        "{copies}"
    );
    std::fs::remove_dir_all(dir).ok();
}
