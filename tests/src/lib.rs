//! Test harness: the real jiaofu server on port 0 against a fresh database per test (a SQLite file,
//! or a new PostgreSQL database when `JIAOFU_TEST_DATABASE_URL` is set), driven over HTTP.

pub mod bench;
pub mod files;
pub mod phase4;
pub mod reader;
pub mod robot;
pub mod signing;

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
    /// Reads status, content type and body (as JSON when it parses).
    async fn read(resp: reqwest::Response) -> Self {
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

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self.body
    }

    /// Asserts the status of a refusal and that its message names `what` (what to fix); returns
    /// the JSON body.
    #[track_caller]
    pub fn refused(self, status: u16, what: &str) -> Value {
        let body = self.expect(status);
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.contains(what), "the message does not name '{what}': {body}");
        body
    }
}

/// A memory figure of a running process (`VmRSS:` resident now, `VmHWM:` peak) from /proc, in
/// kilobytes; 0 when it cannot be read (not Linux, the process is gone).
pub fn process_memory_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";

/// Everything logged by the servers this test binary started, at the service's default level
/// (`info`), as text: what an operator's log file would hold. `TEST_LOG=1` also prints it.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        // TEST_LOG=1 shows the servers' log as the tests run, too.
        if std::env::var_os("TEST_LOG").is_some_and(|v| v == "1") {
            std::io::Write::write_all(&mut std::io::stderr(), buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_ansi(false)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server with settings adjusted by `configure`.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    capture_logs();
    let db = TestDatabase::create().await.expect("test database");
    // The company's letterhead, as an installation that issues forms has it (issuing is refused
    // without it: see the forms tests).
    let logo = db.dir.join("logo.png");
    image::RgbImage::from_pixel(120, 40, image::Rgb([11, 92, 173]))
        .save(&logo)
        .expect("the test logo is written");
    let mut settings = Settings {
        listen: "127.0.0.1:0".into(),
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        // Tests drive the jobs with run_once(now) and an injected clock.
        background_jobs: false,
        company_name: "杭州智联系统集成有限公司".into(),
        company_address: "杭州市西湖区文三路 90 号".into(),
        company_phone: "0571-8888 0000".into(),
        company_logo: Some(logo),
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
            mail: None,
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
    /// Writes the demo's projects and history as of now (as `jiaofu demo`; tests that do not read
    /// the statistics leave out the year on four more courts, which costs seconds each).
    pub async fn demo(&self, history: jiaofu::service::demo::History) {
        let written = jiaofu::service::demo::create_with(&self.state, chrono::Utc::now(), history).await;
        if let Err(e) = written {
            panic!("the demo: {e:#}");
        }
    }

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
        Reply::read(req.send().await.expect("request sent")).await
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

    /// Posts a multipart form: text fields and one file.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        self.upload_files(path, token, fields, vec![(file_name, bytes)]).await
    }

    /// Posts a multipart form: text fields and several files, each as a `file` field.
    pub async fn upload_files(
        &self,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        files: Vec<(&str, Vec<u8>)>,
    ) -> Reply {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (file_name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        }
        let resp = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("upload sent");
        Reply::read(resp).await
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

    /// Adds `user` to `project` with `role` (pm or engineer), as the administrator.
    pub async fn add_member(&self, project: i64, user: i64, role: &str) {
        self.post(
            &format!("/api/projects/{project}/members"),
            &self.admin,
            json!({"user_id": user, "role": role}),
        )
        .await
        .expect(200);
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

/// A file of the shared fixtures, the real-world spreadsheets the importer is tested against
/// (../shared/fixtures beside the repository, or `JIAOFU_FIXTURES_DIR`).
pub fn fixture(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("JIAOFU_FIXTURES_DIR").map(PathBuf::from).or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|a| a.join("shared/fixtures"))
            .find(|d| d.is_dir())
    });
    let path = dir.map(|d| d.join(name)).unwrap_or_else(|| name.into());
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} (set JIAOFU_FIXTURES_DIR): {e}", path.display()))
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

/// A real SMTP server (aiosmtpd, tests/smtp/smtp_sink.py) in a child process, with scripted faults.
pub struct SmtpSink {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<std::process::Child>,
}

/// A message as it arrived at the sink.
#[derive(Debug)]
pub struct ReceivedMail {
    pub raw: String,
    pub envelope_to: String,
    pub subject: String,
    pub from: String,
    pub text: String,
    pub html: Option<String>,
}

fn ensure_aiosmtpd() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let present = |py: &str| {
            std::process::Command::new(py)
                .args(["-c", "import aiosmtpd"])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !present("python3") {
            let installed = std::process::Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "aiosmtpd",
                ])
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                installed && present("python3"),
                "the SMTP tests need Python 3 with aiosmtpd; `python3 -m pip install aiosmtpd` failed"
            );
        }
    });
}

impl SmtpSink {
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("jiaofu-smtp-{:016x}", random_u64()));
        let (child, port) = Self::spawn(0, &dir);
        Self {
            port,
            dir,
            child: Some(child),
        }
    }

    fn spawn(port: u16, dir: &std::path::Path) -> (std::process::Child, u16) {
        use std::io::BufRead;
        ensure_aiosmtpd();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp/smtp_sink.py");
        let mut child = std::process::Command::new("python3")
            .args([script, "--dir", &dir.display().to_string(), "--port", &port.to_string()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 starts the SMTP sink");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the sink reports its port");
        let port = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        (child, port)
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// ok, 451, 550, drop or slow:SECONDS for the messages that follow.
    pub fn set_mode(&self, mode: &str) {
        std::fs::write(self.dir.join("mode"), mode).expect("mode written");
    }

    /// Takes the server down (the port stays free for `restart`).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Brings the server back on the same port.
    pub fn restart(&mut self) {
        self.stop();
        let (child, _) = Self::spawn(self.port, &self.dir);
        self.child = Some(child);
    }

    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        files
            .iter()
            .map(|p| {
                let raw = std::fs::read(p).expect("message readable");
                let parsed = mail_parser::MessageParser::default()
                    .parse(&raw)
                    .expect("a parseable message");
                ReceivedMail {
                    envelope_to: parsed
                        .header_raw("X-Envelope-To")
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                    subject: parsed.subject().unwrap_or_default().to_string(),
                    from: parsed
                        .from()
                        .and_then(|f| f.first())
                        .and_then(|a| a.address())
                        .unwrap_or_default()
                        .to_string(),
                    text: parsed.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
                    html: parsed.body_html(0).map(|t| t.into_owned()),
                    raw: String::from_utf8_lossy(&raw).into_owned(),
                }
            })
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A benchmark's project: `BENCH-{i:05}`, a digital courtroom signed on `signed` with the default
/// plan, its PM `pm` added. Returns the project's grant (as the system).
pub async fn seed_bench_project(
    state: &AppState,
    i: usize,
    signed: chrono::NaiveDate,
    pm: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<jiaofu::service::access::ManageAccess> {
    use jiaofu::service::{access, projects};
    let fail = |e: jiaofu::error::AppError| anyhow::anyhow!("{e}");
    let system = Actor::system();
    let p = projects::create(
        &state.db,
        &state.templates,
        state.settings.timezone,
        &system,
        projects::NewProject {
            code: format!("BENCH-{i:05}"),
            name: format!("第 {i} 号法院数字法庭项目"),
            client_name: "某法院".into(),
            site_address: None,
            contract_number: None,
            supervisor: None,
            region: None,
            category: None,
            system_types: vec!["数字法庭".into()],
            contract_signed_on: signed.to_string(),
            delivery_due_on: None,
            plan: None,
            timezone: None,
            status: None,
        },
        now,
    )
    .await
    .map_err(fail)?;
    let granted = access::grant::<access::Manage>(&state.db, &system, p.id)
        .await
        .map_err(fail)?;
    projects::add_member(&state.db, &granted, projects::Person::Id(pm), "pm", now)
        .await
        .map_err(fail)?;
    Ok(granted)
}
