//! Phase 4 end to end, from the signed 预验收证书 to the project summary, on the demo project:
//! initial acceptance with a leftover issue; the passwords sealed, revealed only after the PM
//! re-enters his own, handed over by a link that opens once; a trial run with a fault; final
//! acceptance refused while the issue is open, a trainee has failed and a document is missing —
//! the refusal names all three; then remedial training passed, the issue closed, the document
//! issued and the nine handed over; the 终验报告 signed by both (the client through the e-mailed
//! link read at the SMTP server); the project delivered with its warranty's start; both sides'
//! evaluation (the client's by link); every new form issued and passing the form-quality check.
use chrono::Days;
use jiaofu::service::demo::History;
use jiaofu_tests::phase4::{links_to, plan_body, site_today, started_days_ago, task};
use jiaofu_tests::signing::{certify, hidden_hashes, sign_link};
use jiaofu_tests::{SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

/// The form's latest issued version, issuing it if what it prints changed (201) or not (200).
async fn issued(app: &TestApp, id: i64, key: &str) -> Vec<u8> {
    let reply = app
        .post(
            &format!("/api/projects/{id}/documents/{key}/issue"),
            &app.admin,
            json!({}),
        )
        .await;
    assert!(matches!(reply.status.as_u16(), 200 | 201), "{key}: {}", reply.text);
    let (status, bytes) = crate::forms::download(app, &format!("/api/projects/{id}/documents/{key}.docx")).await;
    assert_eq!(status, "issued", "{key}");
    bytes
}

fn id_of(list: &Value, key: &str, value: &str) -> i64 {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|x| x[key] == value)
        .and_then(|x| x["id"].as_i64())
        .unwrap_or_else(|| panic!("{key} = {value} in {list}"))
}

#[tokio::test]
async fn a_certified_project_goes_through_acceptance_training_and_handover_to_delivery_and_its_summary() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |s| {
        s.smtp_url = Some(jiaofu::config::Secret::new(smtp));
    })
    .await;
    app.demo(History::WithoutServiceYear).await;
    // The demo's own e-mails (its delivered project's links) go out first.
    jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let project = app.get("/api/projects", &app.admin).await.expect(200)["items"][0].clone();
    let id = project["id"].as_i64().expect("id");
    let (sun, eng) = app.user("sun.eng", "engineer").await;
    app.add_member(id, sun, "engineer").await;
    let (wang, pm) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let plans = app
        .get(&format!("/api/projects/{id}/test-plans"), &pm)
        .await
        .expect(200);
    certify(
        &app,
        &format!("/api/projects/{id}/test-plans/{}", plans[0]["id"]),
        &eng,
        "周文涛",
    )
    .await;
    let today = site_today();
    let day = |back: u64| (today - Days::new(back)).to_string();

    // Initial acceptance forty days ago, 有条件通过 with one leftover issue.
    let initial = format!("/api/projects/{id}/acceptance/initial");
    app.put(
        &format!("{initial}/plan"),
        &pm,
        plan_body(
            &format!("{}T09:30:00+08:00", day(40)),
            &format!("{}T12:00:00+08:00", day(40)),
            "审判楼三楼会议室",
        ),
    )
    .await
    .expect(200);
    app.post(&format!("{initial}/agreement"), &pm, json!({"agreed_by": "周文涛"}))
        .await
        .expect(200);
    app.put(
        &format!("{initial}/record"),
        &pm,
        json!({"held_on": day(40), "checks": [{"item": "庭审录音录像", "passed": true}, {"item": "应急广播强切", "passed": false, "remark": "三楼延时 4 秒"}],
               "conclusion": "conditional", "opinion": "整改后终验",
               "issues": [{"description": "三楼分区应急广播强切延时 4 秒", "severity": "major", "owner": "孙工", "due_on": day(30)}]}),
    )
    .await
    .expect(200);
    for part in [1, 2] {
        app.post(&format!("{initial}/parts/{part}/sign"), &eng, json!({}))
            .await
            .expect(200);
    }
    jiaofu_tests::signing::sign_on_site(&app, &format!("{initial}/signing-requests"), &eng, &[1, 2], "周文涛").await;
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &pm).await.expect(200);
    assert_eq!(task(&schedule, "initial-acceptance")["status"], "done");

    // The passwords: sealed at rest, revealed only after the PM's own password, handed over once.
    const SECRET: &str = "Hik@2026!Court-5521";
    let account = app
        .post(
            &format!("/api/projects/{id}/credentials"),
            &eng,
            json!({"target": "庭审录播管理平台", "kind": "system", "address": "https://10.20.1.5", "account": "sysadmin", "password": SECRET}),
        )
        .await
        .expect(200);
    let reveal = format!("/api/projects/{id}/credentials/{}/reveal", account["id"]);
    app.post(&reveal, &pm, json!({"password": "guessing"}))
        .await
        .expect(422);
    let seen = sink.messages().len();
    let handed = app
        .post(
            &format!("/api/projects/{id}/credential-handovers"),
            &pm,
            json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn"}),
        )
        .await
        .expect(200);
    app.post(
        &format!("/api/projects/{id}/credential-handovers/{}/sign", handed["id"]),
        &eng,
        json!({}),
    )
    .await
    .expect(200);
    let link = links_to(&app, &sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    assert_eq!(link.len(), 1, "one handover link");
    let first = app.client.get(app.url(&link[0])).send().await.expect("open");
    let page = first.text().await.expect("html");
    assert!(page.contains(SECRET), "the link shows the password");
    let again = app.client.get(app.url(&link[0])).send().await.expect("again");
    assert_eq!(again.status(), 410, "the link opens once");
    let mut fields = hidden_hashes(&page);
    fields.extend([
        ("action".into(), "sign".into()),
        ("consent".into(), "yes".into()),
        ("typed_name".into(), "周文涛".into()),
    ]);
    let signed = app
        .client
        .post(app.url(&link[0]))
        .form(&fields)
        .send()
        .await
        .expect("sign");
    assert_eq!(signed.status(), 200);
    let traces = crate::acceptance::traces_of(&app, SECRET).await;
    assert!(traces.is_empty(), "the password is stored in plain text in {traces:?}");

    // A trial run of 35 days with a fault, ended.
    let day0 = started_days_ago(&app, id, 35).await;
    let run = format!("/api/projects/{id}/trial-run");
    app.post(
        &format!("{run}/faults"),
        &eng,
        json!({"occurred_at": format!("{}T10:00:00+08:00", day0 + Days::new(3)), "description": "审判庭 2 录像服务中断",
               "reported_by": "陈志刚", "fix": "更换电源模块", "fixed_at": format!("{}T10:45:00+08:00", day0 + Days::new(3)),
               "downtime_minutes": 45}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{run}/logs"),
        &eng,
        json!({"date": (day0 + Days::new(3)).to_string(), "party": "ours", "state": "degraded", "events": "上午庭审正常",
               "faults": "审判庭 2 录像服务中断 45 分钟", "written_by": "孙工"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{run}/end"),
        &pm,
        json!({"conclusion": "系统运行稳定，达到终验条件"}),
    )
    .await
    .expect(200);

    // Training: three trainees; 刘芳 fails.
    let training = format!("/api/projects/{id}/training");
    app.put(
        &training,
        &pm,
        json!({"starts_on": day(38), "ends_on": day(30), "place": "审判楼三楼培训室", "trainers": "孙工",
               "content": "系统操作；日常维护与常见故障排除", "materials": "《操作手册》《维护手册》各 3 册", "materials_handed_on": day(39)}),
    )
    .await
    .expect(200);
    for (name, kind) in [("陈志刚", "maintainer"), ("刘芳", "operator"), ("赵磊", "operator")] {
        app.post(
            &format!("{training}/trainees"),
            &pm,
            json!({"name": name, "kind": kind}),
        )
        .await
        .expect(200);
    }
    let t = app
        .post(
            &format!("{training}/sessions"),
            &eng,
            json!({"held_on": day(38), "period": "09:00–17:00", "topic": "系统原理与操作"}),
        )
        .await
        .expect(200);
    let session = t["sessions"][0]["id"].as_i64().expect("session");
    let trainees = t["trainees"].clone();
    for name in ["陈志刚", "刘芳", "赵磊"] {
        app.post(
            &format!("{training}/sessions/{session}/attendance"),
            &eng,
            json!({"trainee_id": id_of(&trainees, "name", name), "method": "paper"}),
        )
        .await
        .expect(200);
    }
    let assess = |name: &str, on: String, written: i64, practical: i64| {
        let path = format!("{training}/trainees/{}/assessments", id_of(&trainees, "name", name));
        let (app, eng) = (&app, eng.clone());
        async move {
            app.post(
                &path,
                &eng,
                json!({"assessed_on": on, "written_score": written, "practical_score": practical, "examiner": "孙工"}),
            )
            .await
        }
    };
    assess("陈志刚", day(31), 88, 92).await.expect(200);
    assess("赵磊", day(31), 75, 70).await.expect(200);
    assess("刘芳", day(31), 48, 71).await.expect(200);

    // Eight of the nine documents issued: the 现场培训单 is not.
    for key in [
        "installation-list",
        "receipt",
        "device-test",
        "installation-acceptance",
        "arrival-acceptance",
        "functional-test",
        "work-log",
        "implementation-plan",
    ] {
        crate::forms::issue(&app, id, key).await;
    }
    let early = app
        .post(
            &format!("/api/projects/{id}/document-handovers"),
            &pm,
            json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn"}),
        )
        .await
        .expect(409);
    assert!(early["message"].as_str().expect("m").contains("现场培训单"), "{early}");

    // Final acceptance is refused, naming the open issue, the failed trainee and the missing document.
    let fin = format!("/api/projects/{id}/acceptance/final");
    let plan_final = plan_body(
        &format!("{}T09:30:00+08:00", day(0)),
        &format!("{}T11:30:00+08:00", day(0)),
        "审判楼三楼会议室",
    );
    let refused = app
        .put(&format!("{fin}/plan"), &pm, plan_final.clone())
        .await
        .expect(409);
    let why = refused["message"].as_str().expect("message");
    for named in ["leftover issue 1", "trainee 刘芳 failed", "现场培训单"] {
        assert!(why.contains(named), "the refusal does not name {named}: {why}");
    }
    assert!(!why.contains("trial run"), "the trial run has ended: {why}");

    // Remedial training passed, the issue closed, the document issued and the nine handed over.
    let t = app
        .post(
            &format!("{training}/sessions"),
            &eng,
            json!({"held_on": day(0), "period": "14:00–17:00", "topic": "强化培训：操作演练", "remedial": true}),
        )
        .await
        .expect(200);
    let remedial = t["sessions"][1]["id"].as_i64().expect("remedial session");
    app.post(
        &format!("{training}/sessions/{remedial}/attendance"),
        &eng,
        json!({"trainee_id": id_of(&trainees, "name", "刘芳"), "method": "tablet", "name": "刘芳"}),
    )
    .await
    .expect(200);
    let passed = assess("刘芳", day(0), 80, 85).await.expect(200);
    assert_eq!(passed["complete"], true, "{passed}");
    let issues = app
        .get(&format!("/api/projects/{id}/acceptance-issues"), &pm)
        .await
        .expect(200);
    let issue = issues[0]["id"].as_i64().expect("issue");
    let steps = format!("/api/projects/{id}/acceptance-issues/{issue}/steps");
    app.post(
        &steps,
        &eng,
        json!({"action": "fix", "resolution": "调整广播主机优先级，延时降至 0.5 秒"}),
    )
    .await
    .expect(200);
    app.post(&steps, &pm, json!({"action": "confirm", "confirmed_by": "周文涛"}))
        .await
        .expect(200);
    crate::forms::issue(&app, id, "training-sheet").await;
    // The 项目实施计划 prints the schedule, which moved on since: the checklist asks for it again.
    let state = app
        .get(&format!("/api/projects/{id}/document-handover"), &pm)
        .await
        .expect(200);
    let stale: Vec<&Value> = state["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .filter(|l| l["ready"] != true)
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert!(
        stale[0]["problem"].as_str().expect("why").contains("issue it again"),
        "{stale:?}"
    );
    crate::forms::issue(&app, id, "implementation-plan").await;
    let state = app
        .get(&format!("/api/projects/{id}/document-handover"), &pm)
        .await
        .expect(200);
    let not_ready: Vec<&Value> = state["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .filter(|l| l["ready"] != true)
        .collect();
    assert!(not_ready.is_empty(), "{not_ready:?}");
    let seen = sink.messages().len();
    let handover = app
        .post(
            &format!("/api/projects/{id}/document-handovers"),
            &pm,
            json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn", "recipient_role": "信息中心主任",
                   "lines": [{"form": "functional-test", "pages": 24, "copies": 2}]}),
        )
        .await
        .expect(200);
    assert_eq!(handover["items"].as_array().expect("items").len(), 9);
    app.post(
        &format!("/api/projects/{id}/document-handovers/{}/sign", handover["id"]),
        &eng,
        json!({}),
    )
    .await
    .expect(200);
    let link = links_to(&app, &sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    let page = sign_link(&app, &link[0], "周文涛").await;
    assert!(page.contains("技术文档交付备忘录"), "{page}");
    let functional_test = state["checklist"]
        .as_array()
        .expect("checklist")
        .iter()
        .find(|l| l["form"] == "functional-test")
        .expect("the 功能测试表")["document_id"]
        .clone();
    let copies = app
        .get(&format!("/api/projects/{id}/register/{functional_test}/copies"), &pm)
        .await
        .expect(200);
    assert_eq!(
        copies[0]["copies"], 2,
        "the handover's copies are in the distribution register: {copies}"
    );
    assert!(
        copies[0]["recipient"].as_str().expect("to").contains("周文涛"),
        "{copies}"
    );
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &pm).await.expect(200);
    for code in ["trial-run", "training", "document-handover"] {
        assert_eq!(
            task(&schedule, code)["status"],
            "done",
            "{code}: {}",
            task(&schedule, code)
        );
    }

    // Final acceptance: planned, agreed, recorded, signed by us and by the client from the e-mail.
    app.put(&format!("{fin}/plan"), &pm, plan_final).await.expect(200);
    app.post(&format!("{fin}/agreement"), &pm, json!({"agreed_by": "周文涛"}))
        .await
        .expect(200);
    app.put(
        &format!("{fin}/record"),
        &pm,
        json!({"held_on": day(0), "checks": [{"item": "系统整体功能", "passed": true}, {"item": "遗留问题整改", "passed": true}],
               "conclusion": "passed", "opinion": "同意通过终验，交付使用"}),
    )
    .await
    .expect(200);
    app.post(&format!("{fin}/parts/1/sign"), &eng, json!({}))
        .await
        .expect(200);
    let seen = sink.messages().len();
    app.post(&format!("{fin}/signing-requests"), &pm, json!({"pages": [1]}))
        .await
        .expect(200);
    let link = links_to(&app, &sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    assert_eq!(link.len(), 1, "the 终验报告 goes to the client's signer");
    let signed = sign_link(&app, &link[0], "周文涛").await;
    assert!(signed.contains("终验报告"), "{signed}");
    let project = app.get(&format!("/api/projects/{id}"), &pm).await.expect(200);
    assert_eq!(project["status"], "delivered", "{project}");
    let evaluation = app
        .get(&format!("/api/projects/{id}/evaluation"), &pm)
        .await
        .expect(200);
    assert_eq!(evaluation["delivered_on"], day(0).as_str());
    let warranty = project["delivery_due_on"].as_str().map_or(day(0), str::to_string);
    assert_eq!(evaluation["warranty_starts_on"], warranty.as_str(), "{evaluation}");
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &pm).await.expect(200);
    assert_eq!(task(&schedule, "final-acceptance")["status"], "done");

    // Both sides evaluate: ours in the app, the client's through the link e-mailed to him.
    let bad = app
        .put(
            &format!("/api/projects/{id}/evaluation/ours"),
            &pm,
            json!({"schedule": 6, "quality": 5, "technology": 5, "management": 4, "satisfaction": 5, "evaluator_name": "王建国"}),
        )
        .await
        .expect(422);
    assert_eq!(bad["field"], "schedule");
    app.put(
        &format!("/api/projects/{id}/evaluation/ours"),
        &pm,
        json!({"schedule": 4, "quality": 5, "technology": 5, "management": 4, "satisfaction": 5,
               "comments": "进度受到货延误影响，其余按计划完成", "evaluator_name": "王建国", "evaluator_role": "项目经理"}),
    )
    .await
    .expect(200);
    let seen = sink.messages().len();
    app.post(
        &format!("/api/projects/{id}/evaluation/client-request"),
        &pm,
        json!({"name": "陈志刚", "email": "chen.zhigang@court.example.cn", "role": "甲方项目负责人"}),
    )
    .await
    .expect(200);
    let link = links_to(&app, &sink, "chen.zhigang@court.example.cn", seen, "/evaluate/").await;
    assert_eq!(link.len(), 1, "{link:?}");
    let form = app.client.get(app.url(&link[0])).send().await.expect("open");
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(html.contains("工程进度") && html.contains("用户满意度"), "{html}");
    let mut answer = vec![
        ("schedule", "4"),
        ("quality", "5"),
        ("technology", "4"),
        ("management", "5"),
        ("comments", "培训细致，整改及时"),
        ("evaluator_name", "陈志刚"),
    ];
    let missing = app
        .client
        .post(app.url(&link[0]))
        .form(&answer)
        .send()
        .await
        .expect("post");
    assert_eq!(missing.status(), 422, "a score left out");
    answer.push(("satisfaction", "5"));
    let done = app
        .client
        .post(app.url(&link[0]))
        .form(&answer)
        .send()
        .await
        .expect("post");
    assert_eq!(done.status(), 200);
    let used = app.client.get(app.url(&link[0])).send().await.expect("again");
    assert_eq!(used.status(), 410, "answered once");
    let evaluation = app
        .get(&format!("/api/projects/{id}/evaluation"), &pm)
        .await
        .expect(200);
    assert_eq!(evaluation["both_in"], true, "{evaluation}");
    assert_eq!(evaluation["client"]["satisfaction"], 5);

    // Every new form, issued and printed; the summary completes the last task.
    let mut docs = Vec::new();
    for key in [
        "initial-acceptance-report",
        "initial-acceptance-memo",
        "password-handover",
        "trial-run-record",
        "issue-list",
        "trial-run-summary",
        "training-sheet",
        "training-assessment",
        "document-handover",
        "final-acceptance-report",
        "project-summary",
    ] {
        docs.push((key.to_string(), issued(&app, id, key).await));
    }
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &pm).await.expect(200);
    assert_eq!(task(&schedule, "project-summary")["status"], "done");
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        let text = |key: &str| printed[docs.iter().position(|(k, _)| k == key).expect("printed")].text();
        crate::forms::expect_text(
            "终验报告",
            &text("final-acceptance-report"),
            &["终验报告", "同意通过终验", "周文涛", "质保期自"],
        );
        crate::forms::expect_text(
            "技术文档交付备忘录",
            &text("document-handover"),
            &[
                "技术文档交付备忘录",
                "现场安装一览表",
                "功能测试表",
                "项目实施计划",
                "24",
            ],
        );
        crate::forms::expect_text(
            "工程总结报告",
            &text("project-summary"),
            &[
                "工程总结报告",
                "计划与实际",
                "一次通过率",
                "陈志刚",
                "培训细致",
                "王建国",
            ],
        );
    }
}
