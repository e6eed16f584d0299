//! The steps of phase 4 that the acceptance tests share: the initial acceptance planned, recorded
//! and signed; the passwords handed over (which starts the trial run); the run moved back in time.
use jiaofu::jobs::delivery;
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
    let day = chrono::Utc::now().date_naive() - chrono::Days::new(days);
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE trial_runs SET started_on = '{day}' WHERE project_id = {id}"
        ))
        .await
        .expect("moved");
    day
}
