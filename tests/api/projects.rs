use jiaofu_tests::spawn_app;
use serde_json::json;

#[tokio::test]
async fn a_bad_date_is_a_422_that_names_the_field() {
    let app = spawn_app().await;
    let reply = app
        .post(
            "/api/projects",
            &app.admin,
            json!({"code": "ZJFY-2026-018", "name": "n", "client_name": "c", "contract_signed_on": "2026-02-30"}),
        )
        .await
        .expect(422);
    assert_eq!(reply["code"], "invalid");
    assert_eq!(reply["field"], "contract_signed_on");
    assert!(
        reply["message"]
            .as_str()
            .expect("message")
            .contains("'2026-02-30' is not a date")
    );

    let malformed = app
        .post("/api/projects", &app.admin, json!({"code": 7}))
        .await
        .expect(400);
    assert_eq!(malformed["code"], "bad_request");

    // A year typed wrong is refused; a contract dated after today is accepted with a warning.
    let far = app
        .post(
            "/api/projects",
            &app.admin,
            json!({"code": "ZJFY-2026-019", "name": "n", "client_name": "c", "contract_signed_on": "9999-12-25"}),
        )
        .await
        .expect(422);
    assert_eq!(far["field"], "contract_signed_on");
    let ahead = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let created = app
        .post(
            "/api/projects",
            &app.admin,
            json!({"code": "ZJFY-2026-020", "name": "n", "client_name": "c", "contract_signed_on": ahead.to_string()}),
        )
        .await
        .expect(200);
    let warnings = created["warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 1, "{created}");
    assert!(warnings[0].as_str().expect("text").starts_with("contract_signed_on:"));
    let today = app
        .project("ZJFY-2026-021", &chrono::Utc::now().date_naive().to_string())
        .await;
    assert_eq!(today["warnings"], json!([]), "{today}");
}

#[tokio::test]
async fn a_duplicate_project_code_is_a_conflict() {
    let app = spawn_app().await;
    app.project("ZJFY-2026-018", "2026-03-02").await;
    app.post(
        "/api/projects",
        &app.admin,
        json!({"code": "zjfy-2026-018", "name": "n", "client_name": "c", "contract_signed_on": "2026-03-02"}),
    )
    .await
    .refused(409, "ZJFY-2026-018");
}

#[tokio::test]
async fn a_viewer_reads_but_gets_403_on_every_write() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let (_, viewer) = app.user("qa.viewer", "viewer").await;

    app.get(&format!("/api/projects/{id}"), &viewer).await.expect(200);
    app.get(&format!("/api/projects/{id}/schedule"), &viewer)
        .await
        .expect(200);
    let create = app
        .post(
            "/api/projects",
            &viewer,
            json!({"code": "X-1", "name": "n", "client_name": "c", "contract_signed_on": "2026-03-02"}),
        )
        .await
        .expect(403);
    assert_eq!(create["code"], "forbidden");
    app.patch(&format!("/api/projects/{id}"), &viewer, json!({"name": "改名"}))
        .await
        .expect(403);
    app.post(
        &format!("/api/projects/{id}/contacts"),
        &viewer,
        json!({"name": "陈志刚", "role": "签字代表"}),
    )
    .await
    .expect(403);
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &viewer)
        .await
        .expect(200);
    let task_id = schedule["phases"][0]["tasks"][0]["id"].as_i64().expect("id");
    app.post(
        &format!("/api/projects/{id}/tasks/{task_id}/complete"),
        &viewer,
        json!({}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn managers_and_engineers_see_only_their_projects() {
    let app = spawn_app().await;
    let (_, manager) = app.user("wang.jianguo", "manager").await;
    let (eng_id, engineer) = app.user("li.ming", "engineer").await;
    let other = app.project("OTHER-1", "2026-03-02").await["id"].as_i64().expect("id");

    let mine = app
        .post(
            "/api/projects",
            &manager,
            json!({"code": "MINE-1", "name": "n", "client_name": "c", "contract_signed_on": "2026-03-02"}),
        )
        .await
        .expect(200);
    assert_eq!(mine["members"][0]["role"], "pm", "the creating manager becomes PM");
    let mine_id = mine["id"].as_i64().expect("id");

    let listed = app.get("/api/projects", &manager).await.expect(200);
    assert_eq!(listed["total"], 1);
    app.get(&format!("/api/projects/{other}"), &manager).await.expect(404);
    app.get(&format!("/api/projects/{mine_id}"), &engineer)
        .await
        .expect(404);

    app.post(
        &format!("/api/projects/{mine_id}/members"),
        &manager,
        json!({"user_id": eng_id, "role": "engineer"}),
    )
    .await
    .expect(200);
    app.get(&format!("/api/projects/{mine_id}"), &engineer)
        .await
        .expect(200);
    app.patch(&format!("/api/projects/{mine_id}"), &engineer, json!({"name": "x"}))
        .await
        .expect(403);
}

#[tokio::test]
async fn members_and_client_contacts_are_managed_and_every_change_is_in_the_history() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let (uid, _) = app.user("li.ming", "engineer").await;

    let member = app
        .post(
            &format!("/api/projects/{id}/members"),
            &app.admin,
            json!({"user_id": uid, "role": "engineer"}),
        )
        .await
        .expect(200);
    let member_id = member["id"].as_i64().expect("id");
    app.post(
        &format!("/api/projects/{id}/members"),
        &app.admin,
        json!({"user_id": uid, "role": "pm"}),
    )
    .await
    .expect(409);
    let promoted = app
        .patch(
            &format!("/api/projects/{id}/members/{member_id}"),
            &app.admin,
            json!({"role": "pm"}),
        )
        .await
        .expect(200);
    assert_eq!(promoted["role"], "pm");

    let contact = app
        .post(
            &format!("/api/projects/{id}/contacts"),
            &app.admin,
            json!({"name": "陈志刚", "email": "chen@court.example.cn", "phone": "0571-87654321", "role": "甲方项目负责人"}),
        )
        .await
        .expect(200);
    let contact_id = contact["id"].as_i64().expect("id");
    let bad_email = app
        .patch(
            &format!("/api/projects/{id}/contacts/{contact_id}"),
            &app.admin,
            json!({"email": "not-an-email"}),
        )
        .await
        .expect(422);
    assert_eq!(bad_email["field"], "email");
    app.patch(
        &format!("/api/projects/{id}/contacts/{contact_id}"),
        &app.admin,
        json!({"role": "签字代表"}),
    )
    .await
    .expect(200);
    app.patch(
        &format!("/api/projects/{id}"),
        &app.admin,
        json!({"status": "delivered", "region": "浙江杭州"}),
    )
    .await
    .expect(200);
    app.delete(&format!("/api/projects/{id}/contacts/{contact_id}"), &app.admin)
        .await
        .expect(204);
    app.delete(&format!("/api/projects/{id}/members/{member_id}"), &app.admin)
        .await
        .expect(204);

    let detail = app.get(&format!("/api/projects/{id}"), &app.admin).await.expect(200);
    assert_eq!(detail["members"].as_array().expect("members").len(), 0);
    assert_eq!(detail["status"], "delivered");

    let history = app
        .get(&format!("/api/projects/{id}/history"), &app.admin)
        .await
        .expect(200);
    let seen: Vec<(String, String, String)> = history
        .as_array()
        .expect("history")
        .iter()
        .map(|h| {
            (
                h["entity"].as_str().unwrap_or_default().to_string(),
                h["action"].as_str().unwrap_or_default().to_string(),
                h["field"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for expected in [
        ("project", "created", "code"),
        ("member", "added", "role"),
        ("member", "updated", "role"),
        ("contact", "added", "name"),
        ("contact", "updated", "role"),
        ("project", "updated", "status"),
        ("project", "updated", "region"),
        ("contact", "removed", "name"),
        ("member", "removed", "role"),
    ] {
        assert!(
            seen.iter()
                .any(|s| (s.0.as_str(), s.1.as_str(), s.2.as_str()) == expected),
            "history lacks {expected:?}: {seen:?}"
        );
    }
    let status = history
        .as_array()
        .expect("history")
        .iter()
        .find(|h| h["field"] == "status")
        .expect("status change");
    assert_eq!(status["old_value"], "active");
    assert_eq!(status["new_value"], "delivered");
}

#[tokio::test]
async fn projects_are_filtered_searched_and_paginated() {
    let app = spawn_app().await;
    let today = chrono::Utc::now().date_naive();
    for (code, region, types, signed) in [
        ("A-1", "浙江杭州", json!(["数字法庭"]), "2026-03-02".to_string()),
        ("A-2", "浙江宁波", json!(["video_conference"]), today.to_string()),
        ("A-3", "浙江杭州", json!(["音响扩声", "数字法庭"]), today.to_string()),
    ] {
        app.post(
            "/api/projects",
            &app.admin,
            json!({"code": code, "name": format!("{code} 法院项目"), "client_name": "某法院", "region": region, "system_types": types, "contract_signed_on": signed}),
        )
        .await
        .expect(200);
    }
    let codes = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["code"].as_str().expect("code").to_string())
            .collect()
    };
    assert_eq!(
        codes(&app.get("/api/projects?region=浙江杭州", &app.admin).await.expect(200)),
        ["A-1", "A-3"]
    );
    assert_eq!(
        codes(
            &app.get("/api/projects?system_type=数字法庭", &app.admin)
                .await
                .expect(200)
        ),
        ["A-1", "A-3"]
    );
    assert_eq!(
        codes(&app.get("/api/projects?overdue=true", &app.admin).await.expect(200)),
        ["A-1"]
    );
    assert_eq!(
        codes(&app.get("/api/projects?due_within_days=7", &app.admin).await.expect(200)),
        ["A-2", "A-3"]
    );
    // A horizon past any calendar is refused, not a crash (found by schemathesis).
    app.get("/api/projects?due_within_days=318845250", &app.admin)
        .await
        .expect(400);
    assert_eq!(
        codes(&app.get("/api/projects?q=a-2", &app.admin).await.expect(200)),
        ["A-2"]
    );
    assert!(
        codes(&app.get("/api/projects?q=a_2", &app.admin).await.expect(200)).is_empty(),
        "'_' is not a wildcard"
    );
    let page = app.get("/api/projects?per_page=2&page=2", &app.admin).await.expect(200);
    assert_eq!(codes(&page), ["A-3"]);
    assert_eq!(page["total"], 3);
    let bad = app.get("/api/projects?status=finished", &app.admin).await.expect(422);
    assert_eq!(bad["field"], "status");
}

#[tokio::test]
async fn a_manager_finds_people_by_part_of_their_name_and_adds_one_by_username() {
    let app = spawn_app().await;
    let (_, pm) = app.user("wang.pm", "manager").await;
    let (_, engineer) = app.user("zhao.eng", "engineer").await;
    app.post(
        "/api/users",
        &app.admin,
        json!({"username": "li.ming", "display_name": "李明", "role": "engineer", "password": "li.ming-password-123", "email": "li@example.com"}),
    )
    .await
    .expect(200);
    let found = app.get("/api/users/search?q=%E6%9D%8E", &pm).await.expect(200);
    assert_eq!(found.as_array().expect("list").len(), 1, "{found}");
    assert_eq!(found[0]["username"], "li.ming");
    assert_eq!(found[0]["display_name"], "李明");
    assert!(
        found[0].get("email").is_none() && found[0].get("role").is_none(),
        "{found}"
    );
    app.get("/api/users/search?q=li", &engineer).await.expect(403);

    let project = app.project("ZJFY-2026-080", "2026-11-20").await["id"]
        .as_i64()
        .expect("id");
    let added = app
        .post(
            &format!("/api/projects/{project}/members"),
            &app.admin,
            json!({"username": "LI.MING", "role": "engineer"}),
        )
        .await
        .expect(200);
    assert_eq!(added["username"], "li.ming");
    let unknown = app
        .post(
            &format!("/api/projects/{project}/members"),
            &app.admin,
            json!({"username": "nobody", "role": "engineer"}),
        )
        .await
        .expect(422);
    assert_eq!(unknown["field"], "username");
}
