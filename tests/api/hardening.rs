//! What hostile, concurrent and careless clients tried, and what they now get: control characters
//! refused with the field named, forms that stay well-formed whatever was stored, secrets kept out
//! of the log, logins that cannot race past their limits or lock the owner out, bodies never read
//! before the token is checked, security headers, client addresses behind a trusted proxy, and
//! verification codes that cannot be guessed at speed.
use jiaofu::service::demo::History;
use jiaofu_tests::{TestApp, spawn_app, spawn_app_with};

use crate::test_plans;
use reqwest::Method;
use serde_json::json;

/// Characters nobody types on purpose: each one is refused wherever text is taken.
const HOSTILE: [&str; 5] = ["\u{0}", "\u{1}", "\u{B}", "\u{1F}", "\u{FFFE}"];

/// Logs in from `address` (the server trusts the loopback proxy in these tests).
async fn login_from(app: &TestApp, address: &str, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login sent")
}

async fn behind_a_proxy() -> TestApp {
    spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.0/8".parse().expect("network")]).await
}

#[tokio::test]
async fn control_characters_in_any_text_field_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let project = app.project("P-TEXT", "2026-11-02");
    let id = project.await["id"].as_i64().expect("id");

    // No login needed to be refused cleanly.
    app.request(
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({"username": "adm\u{0}in", "password": "x"})),
    )
    .await
    .refused(422, "username");

    for bad in HOSTILE {
        let name = format!("数字法庭{bad}建设项目");
        let reply = app
            .post(
                "/api/projects",
                &app.admin,
                json!({"code": "P-BAD", "name": name, "client_name": "某法院", "contract_signed_on": "2026-11-02"}),
            )
            .await;
        let body = reply.refused(422, "name");
        assert_eq!(body["field"], "name", "{bad:?}: {body}");
        app.patch(&format!("/api/projects/{id}"), &app.admin, json!({"name": name}))
            .await
            .refused(422, "name");
    }
    // A nested field is named by its path.
    app.post(
        &format!("/api/projects/{id}/contacts"),
        &app.admin,
        json!({"name": "周\u{0}文涛", "email": "zhou@court.example.cn"}),
    )
    .await
    .refused(422, "name");
    app.patch("/api/auth/me", &app.admin, json!({"display_name": "管\u{1}理员"}))
        .await
        .refused(422, "display_name");
    app.post(
        &format!("/api/projects/{id}/work-log"),
        &app.admin,
        json!({"work_date": "2026-11-20", "people": "李明", "work_done": "调试\u{0}"}),
    )
    .await
    .refused(422, "work_done");
    app.post(
        &format!("/api/projects/{id}/shipments"),
        &app.admin,
        json!({"reference": "SH\u{0}-1", "dispatched_by": "王强"}),
    )
    .await
    .refused(422, "reference");
    // In a query: 422 naming the parameter; in a path: nothing is named so.
    app.get("/api/projects?q=%00", &app.admin).await.refused(422, "q");
    app.get("/api/outbox?status=%01", &app.admin)
        .await
        .refused(422, "status");
    let verify = app.client.get(app.url("/verify/ab%00cd")).send().await.expect("sent");
    assert_eq!(verify.status(), 404);
    app.get("/api/projects/1%00/documents", &app.admin).await.expect(404);
    // Multipart fields too.
    app.upload(
        &format!("/api/projects/{id}/equipment-lists"),
        &app.admin,
        &[("kind", "contract\u{0}")],
        "list.csv",
        b"name,quantity\nA,1\n".to_vec(),
    )
    .await
    .refused(422, "kind");
    // Any JSON type poem would parse (`application/*+json`) is held to the rule as well.
    let vendor_json = app
        .client
        .patch(app.url("/api/auth/me"))
        .bearer_auth(&app.admin)
        .header("content-type", "application/vnd.jiaofu+json")
        .body(r#"{"display_name": "管\u0000理员"}"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(vendor_json.status(), 422);
    // A form posted from a page gets a page back, naming the field.
    let page = app
        .client
        .post(app.url("/sign/0123456789abcdef"))
        .form(&[("typed_name", "周\u{1}文涛")])
        .send()
        .await
        .expect("posted");
    assert_eq!(page.status(), 422);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    assert!(page.text().await.expect("html").contains("typed_name"));
    // Nothing was written by any of them.
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    assert_eq!(projects["items"].as_array().expect("items").len(), 1);
    // Tab and line breaks are text.
    app.patch(
        &format!("/api/projects/{id}"),
        &app.admin,
        json!({"name": "数字法庭\t建设项目\r\n二期"}),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn forms_of_a_project_whose_stored_name_holds_control_characters_stay_well_formed() {
    let app = spawn_app().await;
    app.demo(History::WithoutServiceYear).await;
    // As stored before the rule existed (PostgreSQL never took U+0000; the rest it did).
    let name = "杭州市中级人民法院\u{1}数字法庭\u{B}建设\u{1F}项目\u{FFFE}";
    let backend = sea_orm::ConnectionTrait::get_database_backend(&app.state.db);
    sea_orm::ConnectionTrait::execute_raw(
        &app.state.db,
        sea_orm::Statement::from_sql_and_values(
            backend,
            if backend == sea_orm::DatabaseBackend::Postgres {
                "UPDATE projects SET name = $1"
            } else {
                "UPDATE projects SET name = ?"
            },
            [name.into()],
        ),
    )
    .await
    .expect("stored");
    let id = app.get("/api/projects", &app.admin).await.expect(200)["items"][0]["id"]
        .as_i64()
        .expect("id");
    let forms = app
        .get(&format!("/api/projects/{id}/documents"), &app.admin)
        .await
        .expect(200);
    let forms = forms.as_array().expect("forms");
    assert_eq!(forms.len(), 27);
    for form in forms {
        let key = form["form"].as_str().expect("key");
        let (_, bytes) = crate::forms::download(&app, &format!("/api/projects/{id}/documents/{key}.docx")).await;
        jiaofu::documents::engine::check_well_formed(&bytes).unwrap_or_else(|e| panic!("{key}: {e}"));
    }
    let (record, bytes) = crate::forms::issue(&app, id, "receipt").await;
    jiaofu::documents::engine::check_well_formed(&bytes).expect("the issued file is well-formed");
    assert!(record["number"].is_string());
}

#[tokio::test]
async fn fifty_parallel_wrong_passwords_are_checked_no_more_than_the_limit_and_the_owner_still_logs_in() {
    let app = behind_a_proxy().await;
    let attempts = (0..50)
        .map(|_| {
            app.client
                .post(app.url("/api/auth/login"))
                .header("x-forwarded-for", "203.0.113.66")
                .json(&json!({"username": "admin", "password": "wrong-password"}))
        })
        .collect();
    let statuses: Vec<u16> = all_at_once(attempts).await.iter().map(|r| r.as_u16()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + limited, 50, "{statuses:?}");
    assert!(
        checked <= 5,
        "{checked} passwords were checked against a limit of 5: {statuses:?}"
    );

    // The attacker's address gets 429 with Retry-After, even with the right password…
    let refused = login_from(&app, "203.0.113.66", "admin", jiaofu_tests::ADMIN_PASSWORD).await;
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
    // …but the owner, elsewhere, is not locked out.
    let owner = login_from(&app, "198.51.100.7", "admin", jiaofu_tests::ADMIN_PASSWORD).await;
    assert_eq!(owner.status(), 200);
    // The record of the attempts names the attacker's address, not the proxy's.
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &app.state.db,
        sea_orm::Statement::from_string(
            sea_orm::ConnectionTrait::get_database_backend(&app.state.db),
            "SELECT DISTINCT address FROM login_attempts WHERE succeeded = false",
        ),
    )
    .await
    .expect("query");
    let addresses: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "address").expect("address"))
        .collect();
    assert_eq!(addresses, ["203.0.113.66"]);
}

/// Sends every request at once (each on a task of its own) and collects the statuses.
async fn all_at_once(requests: Vec<reqwest::RequestBuilder>) -> Vec<reqwest::StatusCode> {
    let mut set = tokio::task::JoinSet::new();
    for r in requests {
        set.spawn(async move { r.send().await.expect("sent").status() });
    }
    let mut out = Vec::new();
    while let Some(s) = set.join_next().await {
        out.push(s.expect("request task"));
    }
    out
}

#[tokio::test]
async fn an_attacker_from_one_address_cannot_lock_the_administrator_out() {
    let app = behind_a_proxy().await;
    for _ in 0..5 {
        assert_eq!(login_from(&app, "203.0.113.66", "admin", "guess").await.status(), 401);
    }
    assert_eq!(login_from(&app, "203.0.113.66", "admin", "guess").await.status(), 429);
    // A `Forwarded` header of the client's own, passed through by a proxy that writes
    // X-Forwarded-For, does not make it someone else.
    let disguised = app
        .client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", "203.0.113.66")
        .header("forwarded", "for=198.51.100.200")
        .json(&json!({"username": "admin", "password": "guess"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(disguised.status(), 429);
    // An absurd name is refused before it is counted or hashed.
    app.request(
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({"username": "a".repeat(5000), "password": "x"})),
    )
    .await
    .refused(422, "username");
    assert_eq!(
        login_from(&app, "198.51.100.7", "admin", jiaofu_tests::ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
    // Without a trusted proxy the header is anyone's to write, and ignored: every guess comes from
    // the real peer, whatever it claims.
    let direct = spawn_app().await;
    for n in 0..5 {
        let from = format!("198.51.100.{n}");
        assert_eq!(login_from(&direct, &from, "admin", "guess").await.status(), 401);
    }
    assert_eq!(
        login_from(&direct, "198.51.100.99", "admin", "guess").await.status(),
        429
    );
}

#[tokio::test]
async fn an_unauthenticated_upload_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    let id = app.project("P-UP", "2026-11-02").await["id"].as_i64().expect("id");
    let big = vec![b'x'; 20 * 1024 * 1024];
    let form = reqwest::multipart::Form::new()
        .text("kind", "contract")
        .part("file", reqwest::multipart::Part::bytes(big).file_name("list.xlsx"));
    let sent = app
        .client
        .post(app.url(&format!("/api/projects/{id}/equipment-lists")))
        .multipart(form)
        .send()
        .await;
    // The server answers without reading 20 MB; the client may still be writing when it does.
    match sent {
        Ok(resp) => assert_eq!(resp.status(), 401),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    // A bad token is refused the same way, before the body.
    let reply = app
        .upload(
            &format!("/api/projects/{id}/equipment-lists"),
            "not-a-token",
            &[("kind", "contract")],
            "list.csv",
            b"a".to_vec(),
        )
        .await;
    reply.refused(401, "log in");
}

#[tokio::test]
async fn every_multipart_upload_gets_the_upload_limit_and_json_keeps_its_own() {
    let app = spawn_app().await;
    let id = app.project("P-LIM", "2026-11-02").await["id"].as_i64().expect("id");
    // A 3 MB spreadsheet of serial numbers at arrival is an upload (it was held to 1 MB).
    let serials = format!("序列号,型号\n{}", "SN0001,DS-2CD\n".repeat(3 * 1024 * 1024 / 14));
    let reply = app
        .upload(
            &format!("/api/projects/{id}/shipments/999/units/import"),
            &app.admin,
            &[],
            "serials.csv",
            serials.into_bytes(),
        )
        .await;
    assert_ne!(reply.status, 413, "{}", reply.text);
    // Outside the API nobody has signed in: 1 MB, whatever the type or the method.
    let big = vec![b'x'; 3 * 1024 * 1024];
    for (method, path, kind) in [
        (
            Method::POST,
            "/sign/0123456789abcdef",
            "multipart/form-data; boundary=x",
        ),
        (Method::GET, "/healthz", "application/json"),
    ] {
        let sent = app
            .client
            .request(method.clone(), app.url(path))
            .header("content-type", kind)
            .body(big.clone())
            .send()
            .await;
        match sent {
            Ok(r) => assert_eq!(r.status(), 413, "{method} {path}"),
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
    }
    // A 2 MB JSON body is not.
    let note = "字".repeat(700_000);
    app.patch(&format!("/api/projects/{id}"), &app.admin, json!({"name": note}))
        .await
        .refused(413, "1 MB");
}

#[tokio::test]
async fn responses_carry_security_headers_and_word_files_their_type_and_name() {
    let app = spawn_app_with(|s| s.public_url = Some("https://jiaofu.example.cn".into())).await;
    let resp = app.client.get(app.url("/sign/0123")).send().await.expect("sent");
    let h = resp.headers();
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(
        h["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h["strict-transport-security"]
            .to_str()
            .expect("hsts")
            .contains("max-age=")
    );
    let api = app.client.get(app.url("/api/projects")).send().await.expect("sent");
    assert_eq!(api.status(), 401);
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");

    app.demo(History::WithoutServiceYear).await;
    let id = app.get("/api/projects", &app.admin).await.expect(200)["items"][0]["id"]
        .as_i64()
        .expect("id");
    let docx = app
        .client
        .get(app.url(&format!("/api/projects/{id}/documents/work-log.docx")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("sent");
    assert_eq!(docx.status(), 200);
    assert_eq!(
        docx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let disposition = docx.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''") && disposition.contains("%E8%8D%89%E7%A8%BF"),
        "the UTF-8 name (…草稿.docx) is percent-encoded: {disposition}"
    );
}

#[tokio::test]
async fn guessing_verification_codes_is_rate_limited_per_address() {
    let app = behind_a_proxy().await;
    let verify = |code: String, from: &'static str| {
        let app = &app;
        async move {
            app.client
                .get(app.url(&format!("/verify/{code}")))
                .header("x-forwarded-for", from)
                .send()
                .await
                .expect("sent")
        }
    };
    for n in 0..30 {
        assert_eq!(verify(format!("ZZZZ-{n:04}"), "203.0.113.66").await.status(), 404);
    }
    let limited = verify("ZZZZ-9999".into(), "203.0.113.66").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(
        verify("ZZZZ-0000".into(), "198.51.100.7").await.status(),
        404,
        "another address is not limited"
    );
}

/// An on-site signing link of a plan whose first page passed, as the project's engineer.
async fn on_site_link(app: &TestApp) -> (String, String) {
    let id = app.project("P-SIGN", "2026-11-02").await["id"].as_i64().expect("id");
    let base = format!("/api/projects/{id}/test-plans");
    let plan = app
        .post(&base, &app.admin, json!({"templates": ["public_address"]}))
        .await
        .expect(200);
    let base = format!("{base}/{}", plan["id"]);
    jiaofu_tests::signing::confirm_conditions(app, &base).await;
    let plan = app.get(&base, &app.admin).await.expect(200);
    let first = plan["pages"][0]["number"].as_i64().expect("page");
    test_plans::pass_page(app, &base, &app.admin, &plan, first).await;
    let request = app
        .post(
            &format!("{base}/signing-requests"),
            &app.admin,
            json!({"pages": [first], "on_site": true}),
        )
        .await
        .expect(200);
    let link = request["link"].as_str().expect("link").to_string();
    let token = link.rsplit('/').next().expect("token").to_string();
    (link, token)
}

#[tokio::test]
async fn a_signing_flow_leaves_no_secret_in_the_log_and_records_the_clients_address() {
    let app = behind_a_proxy().await;
    let feed = app
        .post("/api/auth/me/calendar-feed", &app.admin, json!({}))
        .await
        .expect(200);
    let feed_url = feed["url"].as_str().expect("url").to_string();
    let feed_token = feed_url
        .split("/feeds/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .expect("token");
    let feed_path = &feed_url[feed_url.find("/feeds/").expect("path")..];
    app.client
        .get(app.url(feed_path))
        .send()
        .await
        .expect("feed")
        .error_for_status()
        .expect("200");

    let (link, token) = on_site_link(&app).await;
    let page = app
        .client
        .get(app.url(&link))
        .header("x-forwarded-for", "203.0.113.20")
        .send()
        .await
        .expect("opened");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.expect("html");
    let mut fields = jiaofu_tests::signing::hidden_hashes(&html);
    fields.extend([
        ("action".into(), "sign".into()),
        ("consent".into(), "yes".into()),
        ("typed_name".into(), "周文涛".into()),
    ]);
    let signed = app
        .client
        .post(app.url(&link))
        .header("x-forwarded-for", "203.0.113.20")
        .form(&fields)
        .send()
        .await
        .expect("signed");
    assert_eq!(signed.status(), 200);

    // The signature's evidence is the client's address, not the proxy's.
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &app.state.db,
        sea_orm::Statement::from_string(
            sea_orm::ConnectionTrait::get_database_backend(&app.state.db),
            "SELECT ip_address FROM signatures WHERE party = 'client'",
        ),
    )
    .await
    .expect("query");
    let ips: Vec<Option<String>> = rows.iter().map(|r| r.try_get("", "ip_address").expect("ip")).collect();
    assert_eq!(ips, [Some("203.0.113.20".to_string())]);

    let log = jiaofu_tests::logs();
    assert!(log.contains("/sign/***"), "the signing requests were logged, masked");
    assert!(!log.contains(&token), "the signing token is in the log");
    assert!(!log.contains(feed_token), "the feed token is in the log");
}

#[tokio::test]
async fn a_page_far_past_the_last_is_empty_or_refused_never_a_crash() {
    let app = spawn_app().await;
    app.project("P-PAGE", "2026-11-02").await;
    for list in ["/api/projects", "/api/outbox"] {
        let far = app
            .get(&format!("{list}?page=1000000&per_page=200"), &app.admin)
            .await
            .expect(200);
        assert_eq!(far["items"].as_array().map(Vec::len), Some(0), "{list}");
        // Found by schemathesis: a page this large overflowed the offset and took the request down.
        app.get(&format!("{list}?page=18446744073709551615&per_page=200"), &app.admin)
            .await
            .expect(400);
        app.get(&format!("{list}?page=0"), &app.admin).await.expect(400);
    }
    let id = app.get("/api/projects", &app.admin).await.expect(200)["items"][0]["id"].clone();
    app.get(&format!("/api/projects/{id}/history?offset=1000000000"), &app.admin)
        .await
        .expect(200);
    app.get(
        &format!("/api/projects/{id}/history?offset=18446744073709551615"),
        &app.admin,
    )
    .await
    .expect(400);
}
