//! Test harness: the real jiaofu server on port 0 against a fresh database per test (a SQLite file,
//! or a new PostgreSQL database when `JIAOFU_TEST_DATABASE_URL` is set), driven over HTTP.
use std::path::PathBuf;

use anyhow::Context;
use jiaofu::{
    config::{Secret, Settings},
    service::{Actor, users},
    startup::{Application, prepare},
    state::AppState,
};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    /// Token of the administrator every test starts with.
    pub admin: String,
    _db: TestDatabase,
}

/// A response as tests look at it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
    pub content_type: String,
}

impl Reply {
    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self.body
    }
}

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server with settings adjusted by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create().await.expect("test database");
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        ..Settings::default()
    };
    configure(&mut settings);
    let state = prepare(settings).await.expect("the app prepares");
    users::create(
        &state.db,
        &Actor::system(),
        users::NewUser {
            username: "admin".into(),
            display_name: Some("管理员".into()),
            email: Some("admin@example.com".into()),
            role: "admin".into(),
            password: ADMIN_PASSWORD.into(),
        },
        chrono::Utc::now(),
    )
    .await
    .expect("admin created");
    let app = Application::build(state.clone()).await.expect("server binds");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let mut test = TestApp {
        base,
        client,
        state,
        admin: String::new(),
        _db: db,
    };
    test.admin = test.login("admin", ADMIN_PASSWORD).await;
    test
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = resp.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            text,
            content_type,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.request(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(token), Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(token), Some(body)).await
    }
    pub async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(token), Some(body)).await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.request(Method::DELETE, path, Some(token), None).await
    }

    /// Logs in and returns the token.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let body = self
            .request(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await
            .expect(200);
        body["token"].as_str().expect("token").to_string()
    }

    /// Creates an account with `role` through the API and returns (user id, token).
    pub async fn user(&self, username: &str, role: &str) -> (i64, String) {
        let password = format!("{username}-password-123");
        let created = self
            .post(
                "/api/users",
                &self.admin,
                json!({"username": username, "role": role, "password": password, "email": format!("{username}@example.com")}),
            )
            .await
            .expect(200);
        let token = self.login(username, &password).await;
        (created["id"].as_i64().expect("id"), token)
    }

    /// Creates a project signed on `signed` with the default plan, as the administrator.
    pub async fn project(&self, code: &str, signed: &str) -> Value {
        self.post(
            "/api/projects",
            &self.admin,
            json!({"code": code, "name": "数字法庭建设项目", "client_name": "某市中级人民法院", "contract_signed_on": signed}),
        )
        .await
        .expect(200)
    }
}

/// A database of one test; dropped (PostgreSQL) or deleted (SQLite) when the test ends.
pub struct TestDatabase {
    pub url: String,
    /// A temporary directory of the test's own (the SQLite file lives here).
    pub dir: PathBuf,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create() -> anyhow::Result<Self> {
        let id = format!("{:016x}", random_u64());
        let dir = std::env::temp_dir().join(format!("jiaofu-test-{id}"));
        std::fs::create_dir_all(&dir)?;
        match std::env::var("JIAOFU_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let name = format!("jiaofu_test_{id}");
                let admin = Database::connect(&admin_url)
                    .await
                    .context("connect to JIAOFU_TEST_DATABASE_URL")?;
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
                admin.close().await?;
                let (server, _) = admin_url.rsplit_once('/').context("the URL names a database")?;
                Ok(Self {
                    url: format!("{server}/{name}"),
                    dir,
                    postgres: Some((admin_url, name)),
                })
            }
            None => Ok(Self {
                url: format!("sqlite://{}/jiaofu.db?mode=rwc", dir.display()),
                dir,
                postgres: None,
            }),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((admin_url, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime: do the async work on a thread of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                rt.block_on(async {
                    let admin = Database::connect(&admin_url).await?;
                    admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await?;
                    admin.close().await
                })
                .map_err(anyhow::Error::from)
            })
            .join();
        }
    }
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}
