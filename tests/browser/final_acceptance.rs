//! 文档移交 and 终验: the PM hands the nine documents over on the page (the client signs for them
//! from the e-mail); the PM plans, records and signs the final acceptance on the page; the client signs the
//! 终验报告 on a phone from the link e-mailed to him; the page then shows the project delivered
//! with its warranty's start.
use jiaofu_tests::phase4::{links_to, ready_for_document_handover, site_today};
use jiaofu_tests::signing::sign_link;
use jiaofu_tests::{SmtpSink, spawn_app_with};

use crate::harness;

#[tokio::test]
async fn the_client_signs_the_final_acceptance_report_from_the_e_mail_link() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
    })
    .await;
    let (id, _, _) = ready_for_document_handover(&app, &sink).await;
    let today = site_today().to_string();
    let Some(browser) = harness::open(&app, "final_acceptance", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/acceptance")).await;

    // The nine documents, handed over from the page: pages and copies per document.
    browser.wait_for_text("#checklist", "可移交").await;
    browser.click("#handover-details summary").await;
    browser
        .fill("#handover-form input[name=recipient_name]", "周文涛")
        .await;
    browser
        .fill(
            "#handover-form input[name=recipient_email]",
            "zhou.wentao@court.example.cn",
        )
        .await;
    browser
        .fill("#handover-form input[name=pages_functional-test]", "24")
        .await;
    browser
        .fill("#handover-form input[name=copies_functional-test]", "2")
        .await;
    let seen = sink.messages().len();
    browser.click("#handover-form button[type=submit]").await;
    browser.wait_for_text(".flash", "9 项文档共 10 份").await;
    let link = links_to(&app, &sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    assert_eq!(link.len(), 1, "one handover e-mail: {link:?}");
    sign_link(&app, &link[0], "周文涛").await;
    browser.goto(&format!("/projects/{id}/acceptance")).await;
    browser.wait_for_text("#documents", "甲方已签收").await;
    if browser.count("#final-blockers").await != 0 {
        let left = browser.text("#final-blockers").await;
        browser.fail(&format!("final acceptance still waits for {left}")).await;
    }

    // The PM plans it, records the client's agreement and the result, and signs for us.
    browser.click("#final-plan-details summary").await;
    browser.set_value("#final-plan-form input[name=day]", &today).await;
    browser.set_value("#final-plan-form input[name=start]", "09:30").await;
    browser.set_value("#final-plan-form input[name=end]", "11:30").await;
    browser
        .fill("#final-plan-form input[name=place]", "审判楼三楼会议室")
        .await;
    browser
        .fill(
            "#final-plan-form textarea[name=ours]",
            "王建国 项目经理 wang.jianguo@jiaofu.example.cn",
        )
        .await;
    browser
        .fill(
            "#final-plan-form textarea[name=client]",
            "周文涛 信息中心主任 zhou.wentao@court.example.cn",
        )
        .await;
    browser.click("#final-plan-form button[type=submit]").await;
    browser.wait_for_text(".flash", "终验安排已保存").await;
    browser.click("#final-agree-form button[type=submit]").await;
    browser.wait_for_text(".flash", "周文涛 代表甲方确认").await;
    browser.click("#final-record-details summary").await;
    browser
        .set_value("#final-record-form input[name=held_on]", &today)
        .await;
    browser
        .fill(
            "#final-record-form textarea[name=checks]",
            "系统整体功能|合格|\n遗留问题整改|合格|全部关闭",
        )
        .await;
    browser.click("#final-record-form input[value=passed]").await;
    browser
        .fill("#final-record-form textarea[name=opinion]", "同意通过终验，交付使用")
        .await;
    browser.click("#final-record-form button[type=submit]").await;
    browser.wait_for_text(".flash", "请双方在《终验报告》上签字").await;
    browser.click("#final-part-1 button[type=submit]").await;
    browser.wait_for_text(".flash", "《终验报告》已由我方签字").await;
    let seen = sink.messages().len();
    browser.click("#final-request-form button").await;
    browser.wait_for_text(".flash", "已发邮件请 周文涛 签字").await;
    harness::keep_screenshot(&browser, "final-acceptance-requested").await;
    browser.close().await;

    // The client opens the e-mail on his phone and signs; no account.
    let link = links_to(&app, &sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    assert_eq!(link.len(), 1, "one signing e-mail: {link:?}");
    let Some(phone) = harness::open(&app, "final_acceptance_client", 390, 844).await else {
        return;
    };
    phone.goto(&link[0]).await;
    phone.wait_for_text("h1", "终验报告").await;
    phone.wait_for_text("body", "同意通过终验").await;
    harness::keep_screenshot(&phone, "final-acceptance-sign").await;
    phone.click("input[name=consent]").await;
    phone.fill("#typed_name", "周文涛").await;
    phone.click("button[value=sign]").await;
    phone.wait_for_text("body", "签字完成").await;
    phone.close().await;

    // The page shows the project delivered and when its warranty starts.
    let Some(browser) = harness::open(&app, "final_acceptance_after", 1280, 1000).await else {
        return;
    };
    browser.sign_in("wang.pm", "wang.pm-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/acceptance")).await;
    browser.wait_for_text("#final", "已交付").await;
    let delivered = browser.text("#delivered").await;
    if !delivered.contains("质保期自") {
        browser.fail(&format!("the delivery reads {delivered:?}")).await;
    }
    browser.wait_for_text("#summary", "双方评价").await;

    // Both evaluate: the PM on the page, the client from the link e-mailed to him, on his phone.
    browser.click("#evaluate-details summary").await;
    for (score, value) in [
        ("schedule", 4),
        ("quality", 5),
        ("technology", 5),
        ("management", 4),
        ("satisfaction", 5),
    ] {
        browser
            .click(&format!("#evaluate-form input[name={score}][value='{value}']"))
            .await;
    }
    browser
        .fill("#evaluate-form input[name=evaluator_name]", "王建国")
        .await;
    browser.click("#evaluate-form button[type=submit]").await;
    browser.wait_for_text(".flash", "乙方评价已保存").await;
    browser.click("#evaluation-request-details summary").await;
    browser
        .fill("#evaluation-request-form input[name=name]", "陈志刚")
        .await;
    browser
        .fill(
            "#evaluation-request-form input[name=email]",
            "chen.zhigang@court.example.cn",
        )
        .await;
    let seen = sink.messages().len();
    browser.click("#evaluation-request-form button[type=submit]").await;
    browser.wait_for_text(".flash", "已发邮件请 陈志刚 评价").await;
    let link = links_to(&app, &sink, "chen.zhigang@court.example.cn", seen, "/evaluate/").await;
    assert_eq!(link.len(), 1, "one evaluation e-mail: {link:?}");
    let Some(phone) = harness::open(&app, "evaluation_client", 390, 844).await else {
        return;
    };
    phone.goto(&link[0]).await;
    phone.wait_for_text("h1", "项目评价").await;
    // Without a satisfaction score the answer is explained beside it.
    for (score, value) in [("schedule", 4), ("quality", 5), ("technology", 4), ("management", 5)] {
        phone.click(&format!("input[name={score}][value='{value}']")).await;
    }
    phone
        .client
        .execute("document.getElementById('evaluate-form').noValidate = true;", vec![])
        .await
        .expect("no browser check");
    phone.click("#evaluate-form button[type=submit]").await;
    let said = phone.said("#score-satisfaction .field-error").await;
    if !said.contains("1 到 5 分") {
        phone.fail(&format!("a missing score is explained as {said:?}")).await;
    }
    phone.click("input[name=satisfaction][value='5']").await;
    phone.fill("#comments", "培训细致，整改及时").await;
    harness::keep_full_screenshot(&phone, "evaluation-client").await;
    phone.click("#evaluate-form button[type=submit]").await;
    phone.wait_for_text("body", "评价已提交").await;
    phone.close().await;
    browser.goto(&format!("/projects/{id}/acceptance")).await;
    browser.wait_for_text("#evaluations", "很满意").await;
    browser.wait_for_text("#summary", "培训细致").await;
    harness::keep_full_screenshot(&browser, "acceptance-delivered").await;
    browser.close().await;
    let project = app.get(&format!("/api/projects/{id}"), &app.admin).await.expect(200);
    assert_eq!(project["status"], "delivered");
}
