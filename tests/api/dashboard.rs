use jiaofu_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn the_dashboard_counts_overdue_and_due_soon_per_phase_with_the_items() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    // 协议签定 is done by the signing date's being recorded, on the signing day (Shanghai), and was
    // never overdue.
    let signed = &schedule["phases"][0]["tasks"][0];
    assert_eq!(signed["status"], "done");
    assert_eq!(signed["finished_at"], "2026-03-02T15:59:59+00:00", "{signed}");

    // On 5 March (Shanghai): 协议签定 (due 2 March) is done; the other six preparation tasks are due
    // on 9 March, within 7 days; nothing else is.
    let early = app
        .get("/api/dashboard?as_of=2026-03-05T10:00:00%2B08:00", &app.admin)
        .await
        .expect(200);
    assert_eq!(early["overall"]["overdue"], 0);
    assert_eq!(early["overall"]["due_soon"], 6);
    assert_eq!(early["phases"][0]["phase_name"], "前期准备");
    assert_eq!(early["items"][0]["days_left"], 4);

    // On 20 March: preparation (6 open) and arrival (3) are overdue; installation and acceptance
    // (9 tasks due 27 March) are due within 7 days.
    let late = app
        .get("/api/dashboard?as_of=2026-03-20T10:00:00%2B08:00", &app.admin)
        .await
        .expect(200);
    assert_eq!(late["overall"]["overdue"], 9);
    assert_eq!(late["overall"]["due_soon"], 9);
    let per_phase: Vec<(String, i64, i64)> = late["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| {
            (
                p["phase_code"].as_str().expect("code").to_string(),
                p["overdue"].as_i64().expect("n"),
                p["due_soon"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        per_phase,
        [
            ("preparation".to_string(), 6, 0),
            ("arrival".to_string(), 3, 0),
            ("installation".to_string(), 0, 3),
            ("acceptance".to_string(), 0, 6)
        ]
    );
    assert_eq!(late["items"].as_array().expect("items").len(), 18);

    // Only active projects' deadlines count: set delivered, the project leaves; active again, back.
    let late_url = "/api/dashboard?as_of=2026-03-20T10:00:00%2B08:00";
    for (status, overdue, items) in [("delivered", 0, 0), ("active", 9, 18)] {
        app.patch(&format!("/api/projects/{id}"), &app.admin, json!({"status": status}))
            .await
            .expect(200);
        let now = app.get(late_url, &app.admin).await.expect(200);
        assert_eq!(now["overall"]["overdue"], overdue, "{status}");
        assert_eq!(now["items"].as_array().expect("items").len(), items, "{status}");
    }

    // Only mine: the administrator is assigned nothing; a PM assigned one task sees it, with its name.
    let mine = app.get(&format!("{late_url}&mine=true"), &app.admin).await.expect(200);
    assert_eq!(mine["overall"]["overdue"], 0);
    let (pm, pm_token) = app.user("wang.pm", "manager").await;
    app.post(
        &format!("/api/projects/{id}/members"),
        &app.admin,
        json!({"user_id": pm, "role": "pm"}),
    )
    .await
    .expect(200);
    let task = late["items"][0]["task_id"].as_i64().expect("a task");
    app.put(
        &format!("/api/projects/{id}/tasks/{task}/assignee"),
        &app.admin,
        json!({"user_id": pm}),
    )
    .await
    .expect(200);
    let mine = app.get(&format!("{late_url}&mine=true"), &pm_token).await.expect(200);
    assert_eq!(mine["items"].as_array().expect("items").len(), 1);
    assert_eq!(mine["items"][0]["task_id"], task);
    assert_eq!(mine["items"][0]["assignee_name"], "wang.pm");

    let bad = app.get("/api/dashboard?as_of=yesterday", &app.admin).await.expect(422);
    assert_eq!(bad["field"], "as_of");
}
