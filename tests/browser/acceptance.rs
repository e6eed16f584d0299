//! 口令移交: a PM sees an account's password only after re-entering his own.
use jiaofu_tests::spawn_app;
use serde_json::json;

use crate::harness;

#[tokio::test]
async fn a_pm_reveals_a_password_after_re_entering_his_own() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-044", "2026-11-02").await["id"]
        .as_i64()
        .expect("id");
    let (wang, _) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let (li, li_token) = app.user("li.eng", "engineer").await;
    app.add_member(id, li, "engineer").await;
    const SECRET: &str = "Hik@2026!Core-7781";
    let account = app
        .post(
            &format!("/api/projects/{id}/credentials"),
            &li_token,
            json!({"target": "核心交换机 S7706", "kind": "device", "address": "10.20.0.1", "account": "admin",
                   "password": SECRET, "role": "管理员"}),
        )
        .await
        .expect(200);
    let row = format!("#account-{}", account["id"]);
    let Some(browser) = harness::open(&app, "credentials", 768, 1024).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/credentials")).await;
    browser.wait_for_text(&row, "核心交换机 S7706").await;
    let listed = browser.text("#accounts").await;
    if listed.contains(SECRET) {
        browser.fail("the list shows a password").await;
    }
    // A wrong password is explained in the row, and nothing is shown.
    browser.click(&format!("{row} summary")).await;
    browser
        .fill(&format!("#own-{}", account["id"]), "not-my-password")
        .await;
    browser.click(&format!("{row} button[type=submit]")).await;
    let refused = browser.said(&format!("#reveal-error-{}", account["id"])).await;
    if !refused.contains("登录密码") || browser.text("#accounts").await.contains(SECRET) {
        browser
            .fail(&format!("a wrong password is not explained: {refused}"))
            .await;
    }
    // His own password shows it, in that row.
    browser
        .fill(&format!("#own-{}", account["id"]), "wang.pm-password-123")
        .await;
    browser.click(&format!("{row} button[type=submit]")).await;
    let shown = browser.said(&format!("#revealed-{}", account["id"])).await;
    if shown != SECRET {
        browser.fail(&format!("the password shown is {shown:?}")).await;
    }
    harness::keep_screenshot(&browser, "credentials-revealed").await;
    // The reveal, and the refusal before it, are in the audit log under the PM's name.
    use sea_orm::ConnectionTrait;
    let events: Vec<(String, String)> = app
        .state
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT event, actor FROM audit_events WHERE event LIKE 'credential_reveal%' ORDER BY id",
        ))
        .await
        .expect("audit")
        .iter()
        .map(|r| {
            (
                r.try_get("", "event").expect("event"),
                r.try_get("", "actor").expect("actor"),
            )
        })
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].0, "credential_reveal_refused");
    assert_eq!(events[1].0, "credential_revealed");
    assert!(events.iter().all(|(_, actor)| actor.contains("wang.pm")), "{events:?}");
    browser.close().await;
}

#[tokio::test]
async fn a_pm_on_a_tablet_plans_the_initial_acceptance_records_its_result_with_a_leftover_issue_and_sends_the_report_to_sign()
 {
    let app = spawn_app().await;
    let (id, _) = jiaofu_tests::signing::certified_project(&app, "ZJFY-2026-045").await;
    let (wang, _) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let Some(browser) = harness::open(&app, "acceptance", 768, 1024).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/acceptance")).await;

    // The plan, in the project's time; the participants one per line.
    browser.click("#initial-plan-details summary").await;
    browser
        .set_value("#initial-plan-form input[name=day]", "2026-12-10")
        .await;
    browser.set_value("#initial-plan-form input[name=start]", "09:30").await;
    browser.set_value("#initial-plan-form input[name=end]", "12:00").await;
    browser
        .fill("#initial-plan-form input[name=place]", "审判楼三楼会议室")
        .await;
    browser
        .fill(
            "#initial-plan-form textarea[name=ours]",
            "王建国 项目经理 wang.jianguo@jiaofu.example.cn",
        )
        .await;
    browser
        .fill(
            "#initial-plan-form textarea[name=client]",
            "周文涛 信息中心主任 zhou.wentao@court.example.cn\n陈志刚 信息中心工程师",
        )
        .await;
    browser.click("#initial-plan-form button[type=submit]").await;
    browser.wait_for_text(".flash", "系统初验安排已保存").await;
    let facts = browser.text("#initial dl").await;
    if !facts.contains("2026-12-10 09:30") || !facts.contains("周文涛 信息中心主任") {
        browser.fail(&format!("the plan reads {facts}")).await;
    }
    browser.click("#initial form.inline button[type=submit]").await;
    browser.wait_for_text(".flash", "已向 2 位参加人员").await;
    browser.click("#initial-agree-form button[type=submit]").await;
    browser.wait_for_text(".flash", "周文涛 代表甲方确认").await;

    // 有条件通过 without an issue is explained beside the form; with one it is recorded.
    browser.click("#initial-record-details summary").await;
    browser
        .set_value("#initial-record-form input[name=held_on]", "2026-12-10")
        .await;
    browser
        .fill(
            "#initial-record-form textarea[name=checks]",
            "数字法庭庭审录音录像|合格|8 个法庭全部正常\n应急广播强切|不合格|三楼分区延时 4 秒",
        )
        .await;
    browser.click("#initial-record-form input[value=conditional]").await;
    browser.click("#initial-record-form button[type=submit]").await;
    let said = browser.said("#initial-record-error").await;
    if !said.contains("有条件通过需要列出") {
        browser.fail(&format!("the refusal reads {said:?}")).await;
    }
    browser
        .set_value("#initial-record-form input[name=held_on]", "2026-12-10")
        .await;
    browser
        .fill(
            "#initial-record-form textarea[name=checks]",
            "数字法庭庭审录音录像|合格|8 个法庭全部正常\n应急广播强切|不合格|三楼分区延时 4 秒",
        )
        .await;
    browser.click("#initial-record-form input[value=conditional]").await;
    browser
        .fill(
            "#initial-record-form textarea[name=issues]",
            "三楼分区应急广播强切延时 4 秒|重要|李明|2026-12-18",
        )
        .await;
    browser.click("#initial-record-form button[type=submit]").await;
    browser.wait_for_text(".flash", "验收情况已记录").await;
    browser.wait_for_text("#issues", "三楼分区应急广播强切延时 4 秒").await;

    // The PM signs both for us and sends them to the client's signer.
    browser.click("#initial-part-1 button[type=submit]").await;
    browser.wait_for_text(".flash", "初验报告》已由我方签字").await;
    browser.click("#initial-part-2 button[type=submit]").await;
    browser.wait_for_text(".flash", "初验备忘录》已由我方签字").await;
    browser.click("#initial form[action$='/request'] button").await;
    browser.wait_for_text(".flash", "已发邮件请 周文涛 签字").await;
    harness::keep_screenshot(&browser, "acceptance-initial").await;
    let requests = app
        .get(
            &format!("/api/projects/{id}/acceptance/initial/signing-requests"),
            &app.admin,
        )
        .await
        .expect(200);
    assert_eq!(requests[0]["pages"], json!([1, 2]));
    browser.close().await;
}
