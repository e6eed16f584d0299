//! What a team running the service watches and relies on: `/metrics` read by a Prometheus text
//! parser, and the hourly pruning of expired tokens, old login records and spent rate-limit counters.
use chrono::{Duration, Utc};
use jiaofu::config::Secret;
use jiaofu_tests::spawn_app_with;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

#[tokio::test]
async fn a_prometheus_parser_reads_requests_jobs_imports_and_the_outbox_from_metrics() {
    let app = spawn_app_with(|s| s.metrics_token = Some(Secret::new("scrape-secret-0123456789".into()))).await;
    // Traffic to count: reads, a refusal, a 404 and an import preview.
    app.get("/api/projects", &app.admin).await.expect(200);
    app.get("/api/projects/999", &app.admin).await.expect(404);
    let id = app.project("P-METRICS", "2026-11-02").await["id"].as_i64().expect("id");
    app.upload(
        &format!("/api/projects/{id}/equipment-lists"),
        &app.admin,
        &[("kind", "contract"), ("dry_run", "true")],
        "list.csv",
        "序号,设备名称,品牌,型号,数量,单位\n1,高清摄像机,海康威视,DS-2CD3T47,4,台\n"
            .as_bytes()
            .to_vec(),
    )
    .await
    .expect(200);

    let unauthenticated = app.client.get(app.url("/metrics")).send().await.expect("sent");
    assert_eq!(unauthenticated.status(), 401);
    let text = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-secret-0123456789")
        .send()
        .await
        .expect("scraped")
        .text()
        .await
        .expect("text");
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("parses");
    let sample = |metric: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| s.value.clone())
    };
    match sample(
        "jiaofu_http_requests_total",
        &[("operation", "list_projects"), ("status", "200")],
    ) {
        Some(prometheus_parse::Value::Counter(n)) => assert!(n >= 1.0),
        other => panic!("list_projects 200 counted: {other:?}\n{text}"),
    }
    assert!(
        sample(
            "jiaofu_http_requests_total",
            &[("operation", "get_project"), ("status", "404")]
        )
        .is_some(),
        "errors are counted under their operation: {text}"
    );
    assert!(
        matches!(
            sample(
                "jiaofu_http_request_duration_seconds",
                &[("operation", "list_projects")]
            ),
            Some(prometheus_parse::Value::Histogram(_))
        ),
        "latency is a histogram"
    );
    assert!(
        matches!(
            sample("jiaofu_import_duration_seconds", &[("dry_run", "true")]),
            Some(prometheus_parse::Value::Histogram(_))
        ),
        "imports are timed: {text}"
    );
    for status in ["queued", "failed"] {
        assert!(
            matches!(
                sample("jiaofu_outbox_messages", &[("status", status)]),
                Some(prometheus_parse::Value::Gauge(_))
            ),
            "outbox {status}: {text}"
        );
    }
    assert!(matches!(
        sample("jiaofu_outbox_oldest_queued_age_seconds", &[]),
        Some(prometheus_parse::Value::Gauge(_))
    ));
    // No path, id or token is a label.
    assert!(!text.contains("/api/projects/"), "{text}");
}

#[tokio::test]
async fn pruning_removes_expired_tokens_old_login_records_and_spent_counters_and_keeps_the_rest() {
    let app = spawn_app_with(|_| {}).await;
    let now = Utc::now();
    let db = &app.state.db;
    let user_id = app.get("/api/auth/me", &app.admin).await.expect(200)["id"]
        .as_i64()
        .expect("id") as i32;
    for (hash, expires) in [
        ("expired", now - Duration::hours(1)),
        ("live", now + Duration::hours(1)),
    ] {
        entity::auth_token::ActiveModel {
            user_id: Set(user_id),
            token_hash: Set(hash.into()),
            created_at: Set(now - Duration::hours(13)),
            expires_at: Set(expires),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("token");
    }
    for (name, days) in [("old", 91), ("recent", 1)] {
        entity::login_attempt::ActiveModel {
            username: Set(name.into()),
            address: Set("203.0.113.9".into()),
            succeeded: Set(false),
            at: Set(now - Duration::days(days)),
            ..Default::default()
        }
        .insert(db)
        .await
        .expect("attempt");
    }
    for (key, age) in [("spent", 3600), ("current", 10)] {
        entity::throttle_counter::ActiveModel {
            key: Set(key.into()),
            window_start: Set(now.timestamp() - age),
            count: Set(3),
        }
        .insert(db)
        .await
        .expect("counter");
    }

    let report = jiaofu::jobs::maintenance::run_once(&app.state, now)
        .await
        .expect("pruned");
    assert_eq!((report.tokens, report.login_attempts, report.counters), (1, 1, 1));
    let tokens: Vec<String> = entity::auth_token::Entity::find()
        .all(db)
        .await
        .expect("tokens")
        .into_iter()
        .map(|t| t.token_hash)
        .collect();
    assert!(tokens.contains(&"live".to_string()) && !tokens.contains(&"expired".to_string()));
    let attempts: Vec<String> = entity::login_attempt::Entity::find()
        .all(db)
        .await
        .expect("attempts")
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert!(attempts.contains(&"recent".to_string()) && !attempts.contains(&"old".to_string()));
    let counters: Vec<String> = entity::throttle_counter::Entity::find()
        .all(db)
        .await
        .expect("counters")
        .into_iter()
        .map(|c| c.key)
        .collect();
    assert_eq!(counters.iter().filter(|k| k.as_str() == "current").count(), 1);
    assert!(!counters.contains(&"spent".to_string()));
    // The administrator's own session survived.
    app.get("/api/auth/me", &app.admin).await.expect(200);
}

#[tokio::test]
async fn a_server_error_quotes_its_request_id_and_the_log_has_the_cause_under_that_id() {
    let app = spawn_app_with(|_| {}).await;
    let id = app.project("P-500", "2026-11-02").await["id"].as_i64().expect("id");
    // Something the service cannot work around: its table is gone.
    sea_orm::ConnectionTrait::execute_unprepared(&app.state.db, "DROP TABLE work_logs")
        .await
        .expect("dropped");
    let resp = app
        .client
        .get(app.url(&format!("/api/projects/{id}/work-log")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), 500);
    let header = resp.headers()["x-request-id"].to_str().expect("ascii").to_string();
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["code"], "internal");
    assert_eq!(body["request_id"], header.as_str(), "{body}");
    assert!(
        !body["message"].as_str().unwrap_or_default().contains("work_logs"),
        "the cause stays in the log"
    );
    let log = jiaofu_tests::logs();
    let line = log
        .lines()
        .find(|l| l.contains(&header) && l.contains("request failed"))
        .unwrap_or_else(|| panic!("no error line for request {header}"));
    assert!(line.contains("work_logs"), "the cause is logged: {line}");
    assert!(line.contains("user=admin"), "and whose request it was: {line}");
    // Every answer names its request.
    let ok = app.client.get(app.url("/healthz")).send().await.expect("sent");
    assert_eq!(ok.headers()["x-request-id"].len(), 16);
}

#[tokio::test]
async fn a_foreign_key_violation_is_a_conflict_not_a_server_error() {
    let app = spawn_app_with(|_| {}).await;
    // As if the project had been removed between a check and the write.
    let refused = entity::work_log::ActiveModel {
        project_id: Set(999_999),
        work_date: Set(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")),
        people: Set("李明".into()),
        work_done: Set("调试".into()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect_err("the database refuses it");
    match jiaofu::error::AppError::from(refused) {
        jiaofu::error::AppError::Conflict(m) => assert!(m.contains("refers to"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn a_unique_violation_is_a_conflict_that_names_the_column() {
    let app = spawn_app_with(|_| {}).await;
    let user_id = app.get("/api/auth/me", &app.admin).await.expect(200)["id"]
        .as_i64()
        .expect("id") as i32;
    let token = |at| entity::auth_token::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set("the-same-hash".into()),
        created_at: Set(at),
        expires_at: Set(at + Duration::hours(1)),
        ..Default::default()
    };
    token(Utc::now()).insert(&app.state.db).await.expect("the first");
    let refused = token(Utc::now())
        .insert(&app.state.db)
        .await
        .expect_err("the database refuses a second");
    match jiaofu::error::AppError::from(refused) {
        jiaofu::error::AppError::Conflict(m) => assert!(m.starts_with("token_hash:"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn the_queries_that_run_most_have_their_indexes_on_both_databases() {
    let app = spawn_app_with(|_| {}).await;
    let backend = sea_orm::ConnectionTrait::get_database_backend(&app.state.db);
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        "SELECT indexname AS name FROM pg_indexes"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index'"
    };
    let names: Vec<String> =
        sea_orm::ConnectionTrait::query_all_raw(&app.state.db, sea_orm::Statement::from_string(backend, sql))
            .await
            .expect("indexes")
            .iter()
            .map(|r| r.try_get::<String>("", "name").expect("name"))
            .collect();
    for index in [
        "idx_test_items_plan",
        "idx_signatures_document",
        "idx_signing_requests_document",
        "idx_audit_events_subject",
        "idx_project_members_user",
        "idx_auth_tokens_expires_at",
    ] {
        assert!(names.iter().any(|n| n == index), "{index} is missing: {names:?}");
    }
}
