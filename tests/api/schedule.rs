use jiaofu_tests::spawn_app;
use serde_json::{Value, json};

fn phase_dues(schedule: &Value) -> Vec<String> {
    schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| p["due_on"].as_str().expect("due_on").to_string())
        .collect()
}

fn task<'a>(schedule: &'a Value, code: &str) -> &'a Value {
    schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks"))
        .find(|t| t["code"] == code)
        .expect("task in schedule")
}

#[tokio::test]
async fn the_default_plan_puts_the_phases_at_7_15_25_and_25_days_after_signing() {
    let app = spawn_app().await;
    let project = app.project("ZJFY-2026-018", "2026-03-02").await;
    let id = project["id"].as_i64().expect("id");

    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    assert_eq!(
        phase_dues(&schedule),
        ["2026-03-09", "2026-03-17", "2026-03-27", "2026-03-27"]
    );
    let names: Vec<&str> = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["前期准备", "设备到货", "工程安装", "项目验收"]);
    assert_eq!(task(&schedule, "equipment-list")["name"], "设备清单确定");
    assert_eq!(task(&schedule, "equipment-list")["due_on"], "2026-03-09");
}

#[tokio::test]
async fn a_working_day_plan_skips_weekends_and_holidays_and_counts_an_adjusted_saturday() {
    let app = spawn_app().await;
    app.post(
        "/api/plans",
        &app.admin,
        json!({
            "code": "working-days",
            "name": "工作日计划",
            "day_basis": "working",
            "calendar": "cn",
            "phases": [
                {"code": "p1", "name": "前期准备", "offset_days": 1, "tasks": [{"code": "t1", "name": "协议签定"}]},
                {"code": "p2", "name": "设备到货", "offset_days": 5, "tasks": [{"code": "t2", "name": "设备到货签收"}]}
            ]
        }),
    )
    .await
    .expect(200);
    // Signed Thursday 30 April 2026: 1–5 May is the Labour Day holiday (Fri–Tue, with its weekend),
    // Saturday 9 May is a 调休 working day, Sunday 10 May is off.
    let project = app
        .post(
            "/api/projects",
            &app.admin,
            json!({"code": "WD-1", "name": "n", "client_name": "c", "contract_signed_on": "2026-04-30", "plan": "working-days"}),
        )
        .await
        .expect(200);
    let schedule = app
        .get(&format!("/api/projects/{}/schedule", project["id"]), &app.admin)
        .await
        .expect(200);
    assert_eq!(phase_dues(&schedule), ["2026-05-06", "2026-05-11"]);
}

#[tokio::test]
async fn a_task_due_today_becomes_overdue_only_after_midnight_in_shanghai() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-019", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let at = |instant: &str| format!("/api/projects/{id}/schedule?as_of={}", instant.replace('+', "%2B"));

    let evening = app.get(&at("2026-03-09T23:59:59+08:00"), &app.admin).await.expect(200);
    let survey = task(&evening, "site-survey");
    assert_eq!(survey["due_on"], "2026-03-09");
    assert_eq!(survey["overdue"], false);
    assert_eq!(survey["days_left"], 0);

    // 16:00 UTC is still the 9th in UTC, but already the 10th in Shanghai.
    let midnight = app.get(&at("2026-03-09T16:00:00Z"), &app.admin).await.expect(200);
    assert_eq!(task(&midnight, "site-survey")["overdue"], true);
    assert_eq!(midnight["phases"][0]["overdue"], true);
    assert_eq!(midnight["phases"][1]["overdue"], false);
}

#[tokio::test]
async fn moving_the_contract_date_moves_every_date_that_is_not_overridden() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-020", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let before = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    let survey_id = task(&before, "site-survey")["id"].as_i64().expect("id");
    app.put(
        &format!("/api/projects/{id}/tasks/{survey_id}/due"),
        &app.admin,
        json!({"due_on": "2026-03-12", "reason": "甲方要求推迟现场勘察"}),
    )
    .await
    .expect(200);

    app.patch(
        &format!("/api/projects/{id}"),
        &app.admin,
        json!({"contract_signed_on": "2026-03-10"}),
    )
    .await
    .expect(200);

    let after = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    assert_eq!(
        phase_dues(&after),
        ["2026-03-17", "2026-03-25", "2026-04-04", "2026-04-04"]
    );
    assert_eq!(task(&after, "data-plan")["due_on"], "2026-03-17");
    let survey = task(&after, "site-survey");
    assert_eq!(survey["due_on"], "2026-03-12", "the override stays");
    assert_eq!(survey["planned_due_on"], "2026-03-17");
    assert_eq!(survey["overridden"], true);
    assert_eq!(survey["override_reason"], "甲方要求推迟现场勘察");
}

#[tokio::test]
async fn an_override_keeps_its_reason_in_the_history() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-021", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    let phase_id = schedule["phases"][1]["id"].as_i64().expect("id");
    app.put(
        &format!("/api/projects/{id}/phases/{phase_id}/due"),
        &app.admin,
        json!({"due_on": "2026-03-20", "reason": "厂家备货延期三天"}),
    )
    .await
    .expect(204);

    let history = app
        .get(&format!("/api/projects/{id}/history"), &app.admin)
        .await
        .expect(200);
    let entry = history
        .as_array()
        .expect("history")
        .iter()
        .find(|h| h["action"] == "overridden")
        .expect("the override is recorded");
    assert_eq!(entry["entity"], "phase");
    assert_eq!(entry["old_value"], "2026-03-17");
    assert_eq!(entry["new_value"], "2026-03-20");
    assert_eq!(entry["reason"], "厂家备货延期三天");
    assert_eq!(entry["actor"], "管理员");

    let missing_reason = app
        .put(
            &format!("/api/projects/{id}/phases/{phase_id}/due"),
            &app.admin,
            json!({"due_on": "2026-03-21", "reason": " "}),
        )
        .await
        .expect(422);
    assert_eq!(missing_reason["field"], "reason");
}

#[tokio::test]
async fn tasks_start_complete_and_reopen_and_a_phase_is_done_when_its_tasks_are() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-022", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let (eng_id, eng) = app.user("zhao.lei", "engineer").await;
    app.post(
        &format!("/api/projects/{id}/members"),
        &app.admin,
        json!({"user_id": eng_id, "role": "engineer"}),
    )
    .await
    .expect(200);
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &eng).await.expect(200);
    let arrival: Vec<i64> = schedule["phases"][1]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    // The PM gives the arrival tasks to the engineer, who then moves them himself.
    for t in &arrival {
        app.put(
            &format!("/api/projects/{id}/tasks/{t}/assignee"),
            &app.admin,
            json!({"user_id": eng_id}),
        )
        .await
        .expect(200);
    }

    let started = app
        .post(
            &format!("/api/projects/{id}/tasks/{}/start", arrival[0]),
            &eng,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(started["status"], "in_progress");
    assert!(started["started_at"].is_string());
    app.post(
        &format!("/api/projects/{id}/tasks/{}/start", arrival[0]),
        &eng,
        json!({}),
    )
    .await
    .expect(409);
    for t in &arrival {
        let done = app
            .post(
                &format!("/api/projects/{id}/tasks/{t}/complete"),
                &eng,
                json!({"note": "已完成"}),
            )
            .await
            .expect(200);
        assert_eq!(done["status"], "done");
        assert_eq!(done["completed_by"], eng_id);
    }
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &eng).await.expect(200);
    assert_eq!(schedule["phases"][1]["status"], "done");
    // Preparation is under way: 协议签定 was done when the project recorded its signing date.
    assert_eq!(schedule["phases"][0]["status"], "in_progress");

    let no_reason = app
        .post(
            &format!("/api/projects/{id}/tasks/{}/reopen", arrival[1]),
            &eng,
            json!({}),
        )
        .await
        .expect(422);
    assert_eq!(no_reason["field"], "note");
    app.post(
        &format!("/api/projects/{id}/tasks/{}/reopen", arrival[1]),
        &eng,
        json!({"note": "签收单缺少签字"}),
    )
    .await
    .expect(200);
    let schedule = app.get(&format!("/api/projects/{id}/schedule"), &eng).await.expect(200);
    assert_eq!(schedule["phases"][1]["status"], "in_progress");

    // Engineers update tasks but do not move deadlines.
    app.put(
        &format!("/api/projects/{id}/tasks/{}/due", arrival[0]),
        &eng,
        json!({"due_on": "2026-04-01", "reason": "x"}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn a_plan_without_a_milestone_task_is_reported_at_start_and_when_added() {
    // A shipped-plan directory with a plan that has no 设备到货签收 (goods-received) task.
    let dir = std::env::temp_dir().join(format!("jiaofu-plans-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("plans")).expect("plans dir");
    std::fs::write(
        dir.join("plans/lean.toml"),
        r#"code = "lean"
name = "精简计划"
day_basis = "calendar"

[[phases]]
code = "p1"
name = "前期准备"
offset_days = 7
tasks = [{ code = "equipment-list", name = "设备清单确定" }]
"#,
    )
    .expect("plan file");
    let templates = dir.clone();
    let app = jiaofu_tests::spawn_app_with(move |s| s.templates_dir = Some(templates)).await;
    let log = jiaofu_tests::logs();
    assert!(
        log.lines()
            .any(|l| l.contains("WARN") && l.contains("plan 'lean' has no task 'goods-received'")),
        "the start-up log names the plan and the task:\n{log}"
    );

    let added = app
        .post(
            "/api/plans",
            &app.admin,
            json!({
                "code": "no-arrival",
                "name": "无到货计划",
                "day_basis": "calendar",
                "phases": [{"code": "p1", "name": "前期准备", "offset_days": 7,
                            "tasks": [{"code": "t1", "name": "协议签定"}]}]
            }),
        )
        .await
        .expect(200);
    let warnings: Vec<&str> = added["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter_map(|w| w.as_str())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("'goods-received'") && w.contains("no-arrival")),
        "{warnings:?}"
    );
    let shipped = app.get("/api/plans/default", &app.admin).await.expect(200);
    assert_eq!(shipped["warnings"], json!([]), "the shipped plan has every milestone");
    let _ = std::fs::remove_dir_all(dir);
}
