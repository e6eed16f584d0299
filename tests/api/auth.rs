use jiaofu_tests::{ADMIN_PASSWORD, spawn_app};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_user_logs_in_uses_the_token_and_logs_out() {
    let app = spawn_app().await;
    let token = app.login("admin", ADMIN_PASSWORD).await;
    assert!(token.len() >= 32, "at least 128 bits of token");

    let me = app.get("/api/auth/me", &token).await.expect(200);
    assert_eq!(me["username"], "admin");

    app.post("/api/auth/logout", &token, json!({})).await.expect(204);
    let after = app.get("/api/auth/me", &token).await.expect(401);
    assert_eq!(after["code"], "unauthorized");
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes() {
    let app = spawn_app().await;
    let token = app.login("admin", ADMIN_PASSWORD).await;
    let stored = entity_tokens(&app).await;
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|h| h != &token && h.len() == 64));
}

async fn entity_tokens(app: &jiaofu_tests::TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT token_hash FROM auth_tokens",
        ))
        .await
        .expect("query");
    rows.iter()
        .map(|r| r.try_get::<String>("", "token_hash").expect("column"))
        .collect()
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_repeated_failures_are_rate_limited() {
    let app = spawn_app().await;
    let attempt = |password: &'static str| {
        let app = &app;
        async move {
            app.request(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"username": "admin", "password": password})),
            )
            .await
        }
    };
    for _ in 0..5 {
        assert_eq!(attempt("wrong-password").await.status, 401);
    }
    let limited = attempt(ADMIN_PASSWORD).await;
    assert_eq!(
        limited.status, 429,
        "even the right password waits once the account is limited"
    );
    assert_eq!(limited.body["code"], "too_many_requests");
}

#[tokio::test]
async fn administrators_manage_accounts_and_a_disabled_account_is_locked_out() {
    let app = spawn_app().await;
    let (id, token) = app.user("li.ming", "engineer").await;
    let listed = app.get("/api/users", &app.admin).await.expect(200);
    assert!(
        listed
            .as_array()
            .expect("list")
            .iter()
            .any(|u| u["username"] == "li.ming")
    );

    // Engineers cannot manage accounts.
    app.get("/api/users", &token).await.expect(403);

    let changed = app
        .patch(&format!("/api/users/{id}"), &app.admin, json!({"role": "manager"}))
        .await
        .expect(200);
    assert_eq!(changed["role"], "manager");
    app.patch(&format!("/api/users/{id}"), &app.admin, json!({"disabled": true}))
        .await
        .expect(200);
    app.get("/api/auth/me", &token).await.expect(401);
    let relogin = app
        .request(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"username": "li.ming", "password": "li.ming-password-123"})),
        )
        .await;
    assert_eq!(relogin.status, 401);
    // The right password learns why; a wrong one learns nothing more.
    assert!(relogin.text.contains("disabled"), "{}", relogin.text);
    let guess = app
        .request(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"username": "li.ming", "password": "not-his-password-1"})),
        )
        .await;
    assert_eq!(guess.status, 401);
    assert!(!guess.text.contains("is disabled"), "{}", guess.text);
}

#[tokio::test]
async fn a_weak_password_or_unknown_role_is_rejected_with_its_field() {
    let app = spawn_app().await;
    let weak = app
        .post(
            "/api/users",
            &app.admin,
            json!({"username": "x1", "role": "engineer", "password": "short"}),
        )
        .await
        .expect(422);
    assert_eq!(weak["field"], "password");
    let role = app
        .post(
            "/api/users",
            &app.admin,
            json!({"username": "x2", "role": "boss", "password": "long-enough-pw"}),
        )
        .await
        .expect(422);
    assert_eq!(role["field"], "role");
    assert!(role["message"].as_str().expect("message").contains("viewer"));
}
