//! The steps of phase 4 that the acceptance tests share: the initial acceptance planned, recorded
//! and signed; the passwords handed over (which starts the trial run); the run moved back in time.
use jiaofu::jobs::delivery;
use jiaofu::service::demo::History;
use serde_json::{Value, json};

use crate::signing::{sign_link, sign_on_site};
use crate::{SmtpSink, TestApp};

/// The task `code` of a project's schedule (as `GET /schedule` answers it).
pub fn task(schedule: &Value, code: &str) -> Value {
    schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks"))
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("task {code}"))
        .clone()
}

pub fn plan_body(starts_at: &str, ends_at: &str, place: &str) -> Value {
    json!({
        "starts_at": starts_at,
        "ends_at": ends_at,
        "form": "现场检查＋会议评审",
        "place": place,
        "our_participants": [
            {"name": "王建国", "role": "项目经理", "email": "wang.jianguo@jiaofu.example.cn"},
            {"name": "李明", "role": "实施工程师"}
        ],
        "client_participants": [
            {"name": "周文涛", "role": "信息中心主任", "email": "zhou.wentao@court.example.cn"},
            {"name": "陈志刚", "role": "信息中心工程师", "email": "chen.zhigang@court.example.cn"}
        ]
    })
}

/// Plans, agrees, records (passed, on `day`) and has both sign the initial acceptance of project
/// `id`.
pub async fn signed_initial_acceptance(app: &TestApp, id: i64, li_token: &str, day: &str) {
    let initial = format!("/api/projects/{id}/acceptance/initial");
    app.put(
        &format!("{initial}/plan"),
        &app.admin,
        plan_body(
            &format!("{day}T09:30:00+08:00"),
            &format!("{day}T12:00:00+08:00"),
            "审判楼三楼会议室",
        ),
    )
    .await
    .expect(200);
    app.post(
        &format!("{initial}/agreement"),
        &app.admin,
        json!({"agreed_by": "周文涛"}),
    )
    .await
    .expect(200);
    app.put(
        &format!("{initial}/record"),
        &app.admin,
        json!({"held_on": day, "checks": [{"item": "全部功能", "passed": true}], "conclusion": "passed"}),
    )
    .await
    .expect(200);
    for part in [1, 2] {
        app.post(&format!("{initial}/parts/{part}/sign"), li_token, json!({}))
            .await
            .expect(200);
    }
    sign_on_site(app, &format!("{initial}/signing-requests"), li_token, &[1, 2], "周文涛").await;
}

/// Hands project `id`'s one account over to 周文涛, who opens the link and signs for it: the trial
/// run begins.
pub async fn hand_over_passwords(app: &TestApp, sink: &SmtpSink, id: i64, li_token: &str) {
    app.post(
        &format!("/api/projects/{id}/credentials"),
        li_token,
        json!({"target": "核心交换机 S7706", "kind": "device", "address": "10.20.0.1", "account": "admin", "password": "Hik@2026!Core"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/projects/{id}/credential-handovers"),
        &app.admin,
        json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn"}),
    )
    .await
    .expect(200);
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let mail = sink.messages().into_iter().last().expect("the handover link");
    let start = mail.text.find("/sign/").expect("a link");
    let link: String = mail.text[start..].chars().take_while(|c| !c.is_whitespace()).collect();
    sign_link(app, &link, "周文涛").await;
}

/// Moves the project's trial run to have started `days` ago.
pub async fn started_days_ago(app: &TestApp, id: i64, days: u64) -> chrono::NaiveDate {
    use sea_orm::ConnectionTrait;
    let day = site_today() - chrono::Days::new(days);
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE trial_runs SET started_on = '{day}' WHERE project_id = {id}"
        ))
        .await
        .expect("moved");
    day
}

/// Today where the demo project is (Asia/Shanghai).
pub fn site_today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("+08:00"))
        .date_naive()
}

/// The links e-mailed to `to` since message `since` (the queue delivered first), each from
/// `marker` up to the first space.
pub async fn links_to(app: &TestApp, sink: &SmtpSink, to: &str, since: usize, marker: &str) -> Vec<String> {
    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    sink.messages()
        .into_iter()
        .skip(since)
        .filter(|m| m.envelope_to == to)
        .filter_map(|m| {
            let start = m.text.find(marker)?;
            Some(m.text[start..].chars().take_while(|c| !c.is_whitespace()).collect())
        })
        .collect()
}

/// The demo project brought to the eve of final acceptance the straight way (see
/// [`ready_for_document_handover`]), its nine documents handed over and signed for.
pub async fn ready_for_final_acceptance(app: &TestApp, sink: &SmtpSink) -> (i64, String, String) {
    let (id, pm, eng) = ready_for_document_handover(app, sink).await;
    let seen = sink.messages().len();
    app.post(
        &format!("/api/projects/{id}/document-handovers"),
        &pm,
        json!({"recipient_name": "周文涛", "recipient_email": "zhou.wentao@court.example.cn"}),
    )
    .await
    .expect(200);
    let link = links_to(app, sink, "zhou.wentao@court.example.cn", seen, "/sign/").await;
    sign_link(app, &link[0], "周文涛").await;
    (id, pm, eng)
}

/// The demo project the straight way up to the document handover: its functional test certified,
/// the initial acceptance passed forty days ago, the passwords handed over, a trial run of 35 days
/// ended, three trainees trained and passed, the nine documents issued. Its id, the token of its
/// PM `wang.pm` and of its engineer `sun.eng`.
pub async fn ready_for_document_handover(app: &TestApp, sink: &SmtpSink) -> (i64, String, String) {
    use chrono::Days;
    app.demo(History::WithoutServiceYear).await;
    // The demo's own e-mails (its delivered project's links) go out first.
    jiaofu::jobs::delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let id = app.get("/api/projects", &app.admin).await.expect(200)["items"][0]["id"]
        .as_i64()
        .expect("id");
    let (sun, eng) = app.user("sun.eng", "engineer").await;
    app.add_member(id, sun, "engineer").await;
    let (wang, pm) = app.user("wang.pm", "manager").await;
    app.add_member(id, wang, "pm").await;
    let plans = app
        .get(&format!("/api/projects/{id}/test-plans"), &pm)
        .await
        .expect(200);
    crate::signing::certify(
        app,
        &format!("/api/projects/{id}/test-plans/{}", plans[0]["id"]),
        &eng,
        "周文涛",
    )
    .await;
    let today = site_today();
    let day = |back: u64| (today - Days::new(back)).to_string();
    signed_initial_acceptance(app, id, &eng, &day(40)).await;
    hand_over_passwords(app, sink, id, &eng).await;
    started_days_ago(app, id, 35).await;
    app.post(
        &format!("/api/projects/{id}/trial-run/end"),
        &pm,
        json!({"conclusion": "系统运行稳定，达到终验条件"}),
    )
    .await
    .expect(200);
    let training = format!("/api/projects/{id}/training");
    app.put(
        &training,
        &pm,
        json!({"starts_on": day(38), "ends_on": day(30), "place": "审判楼三楼培训室", "trainers": "孙工",
               "content": "系统操作；日常维护", "materials": "《操作手册》3 册", "materials_handed_on": day(39)}),
    )
    .await
    .expect(200);
    let mut t = Value::Null;
    for (name, kind) in [("陈志刚", "maintainer"), ("刘芳", "operator"), ("赵磊", "operator")] {
        t = app
            .post(
                &format!("{training}/trainees"),
                &pm,
                json!({"name": name, "kind": kind}),
            )
            .await
            .expect(200);
    }
    let session = app
        .post(
            &format!("{training}/sessions"),
            &eng,
            json!({"held_on": day(38), "period": "09:00–17:00", "topic": "系统原理与操作"}),
        )
        .await
        .expect(200)["sessions"][0]["id"]
        .clone();
    for trainee in t["trainees"].as_array().expect("trainees") {
        app.post(
            &format!("{training}/sessions/{session}/attendance"),
            &eng,
            json!({"trainee_id": trainee["id"], "method": "paper"}),
        )
        .await
        .expect(200);
        app.post(
            &format!("{training}/trainees/{}/assessments", trainee["id"]),
            &eng,
            json!({"assessed_on": day(31), "written_score": 82, "practical_score": 85, "examiner": "孙工"}),
        )
        .await
        .expect(200);
    }
    let state = app
        .get(&format!("/api/projects/{id}/document-handover"), &pm)
        .await
        .expect(200);
    for line in state["checklist"].as_array().expect("checklist") {
        let reply = app
            .post(
                &format!(
                    "/api/projects/{id}/documents/{}/issue",
                    line["form"].as_str().expect("key")
                ),
                &app.admin,
                json!({}),
            )
            .await;
        assert!(matches!(reply.status.as_u16(), 200 | 201), "{}", reply.text);
    }
    (id, pm, eng)
}
