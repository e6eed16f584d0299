//! 人员培训: the client's trainees sign the session's attendance sheet on a tablet, each typing
//! their own name; a name that does not match is explained in that trainee's row; a failed
//! assessment recorded on the page names the remedial deadline.
use chrono::Days;
use jiaofu_tests::phase4::signed_initial_acceptance;
use jiaofu_tests::signing::certified_project;
use jiaofu_tests::spawn_app;
use serde_json::json;

use crate::harness;

#[tokio::test]
async fn the_clients_trainees_sign_the_attendance_sheet_on_a_tablet() {
    let app = spawn_app().await;
    let (id, li_token) = certified_project(&app, "ZJFY-2026-052").await;
    let (wang, wang_token) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"))
        .date_naive();
    let day = |back: u64| (today - Days::new(back)).to_string();
    signed_initial_acceptance(&app, id, &li_token, &day(3)).await;
    let url = format!("/api/projects/{id}/training");
    app.put(
        &url,
        &wang_token,
        json!({"starts_on": day(1), "ends_on": (today + Days::new(6)).to_string(), "place": "审判楼三楼培训室",
               "trainers": "李明", "content": "系统操作；日常维护", "materials": "《操作手册》5 册", "materials_handed_on": day(2)}),
    )
    .await
    .expect(200);
    let mut training = serde_json::Value::Null;
    for (name, kind) in [("陈志刚", "maintainer"), ("刘芳", "operator"), ("赵磊", "operator")] {
        training = app
            .post(
                &format!("{url}/trainees"),
                &wang_token,
                json!({"name": name, "kind": kind, "department": "信息中心"}),
            )
            .await
            .expect(200);
    }
    let trainee = |name: &str| {
        training["trainees"]
            .as_array()
            .expect("trainees")
            .iter()
            .find(|t| t["name"] == name)
            .and_then(|t| t["id"].as_i64())
            .expect("trainee")
    };
    let (chen, liu, zhao) = (trainee("陈志刚"), trainee("刘芳"), trainee("赵磊"));
    let session = app
        .post(
            &format!("{url}/sessions"),
            &wang_token,
            json!({"held_on": day(0), "period": "09:00–12:00", "topic": "庭审录像操作演练"}),
        )
        .await
        .expect(200)["sessions"][0]["id"]
        .as_i64()
        .expect("session");

    let Some(browser) = harness::open(&app, "training", 768, 1024).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/training")).await;
    browser.wait_for_text("#trainees", "刘芳").await;
    browser.click(&format!("#session-{session} a")).await;
    browser.wait_for_text("#sheet", "请学员本人输入自己的姓名").await;

    // 刘芳 mistypes her name: told in her row; then each trainee signs in.
    browser.fill(&format!("#name-{liu}"), "刘").await;
    browser.click(&format!("#trainee-{liu} form.tablet button")).await;
    let said = browser.said(&format!("#error-{liu}")).await;
    if !said.contains("刘芳") {
        browser.fail(&format!("a mistyped name is explained as {said:?}")).await;
    }
    for (trainee, name) in [(liu, "刘芳"), (chen, "陈志刚"), (zhao, "赵磊")] {
        browser.fill(&format!("#name-{trainee}"), name).await;
        browser.click(&format!("#trainee-{trainee} form.tablet button")).await;
        browser
            .wait_for_text(".flash", &format!("{name} 已签到（平板签到"))
            .await;
        browser.wait_for_text(&format!("#trainee-{trainee}"), "已签到").await;
    }
    browser.wait_for_text("#signed-count", "3").await;
    if browser.count("form.tablet").await != 0 {
        browser.fail("a signed trainee still has a sign-in box").await;
    }
    harness::keep_screenshot(&browser, "training-sheet").await;

    // The PM records 赵磊's failed assessment: the remedial deadline is named.
    browser.goto(&format!("/projects/{id}/training")).await;
    let row = format!("#trainee-{zhao}");
    browser.click("#assess-details summary").await;
    browser
        .choose("#assess-form select[name=trainee_id]", "赵磊（未考核）")
        .await;
    browser.fill("#assess-form input[name=written_score]", "48").await;
    browser.fill("#assess-form input[name=practical_score]", "75").await;
    browser.fill("#assess-form input[name=examiner]", "李明").await;
    browser.click("#assess-form button").await;
    let due = (today + Days::new(7)).to_string();
    browser
        .wait_for_text(".flash", &format!("请在 {due} 前安排强化培训"))
        .await;
    browser.wait_for_text(&row, "不合格").await;
    browser.wait_for_text("#gaps", "赵磊").await;
    harness::keep_screenshot(&browser, "training-page").await;
    browser.close().await;

    let sheet = app.get(&url, &wang_token).await.expect(200);
    let signed = sheet["sessions"][0]["attendance"].as_array().expect("attendance");
    assert_eq!(signed.len(), 3);
    assert!(signed.iter().all(|a| a["method"] == "tablet"), "{signed:?}");
}
