//! The `jiaofu` binary as an operator uses it: first start, account commands, the demo.
use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use jiaofu_tests::TestDatabase;
use serde_json::json;

fn jiaofu(db: &TestDatabase) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jiaofu"));
    cmd.current_dir(&db.dir)
        .env("JIAOFU_DATABASE_URL", &db.url)
        .env("JIAOFU_DATA_DIR", &db.dir)
        .env("JIAOFU_LISTEN", "127.0.0.1:0")
        .env_remove("JIAOFU_CONFIG");
    cmd
}

fn run(db: &TestDatabase, args: &[&str]) -> String {
    let out = jiaofu(db).args(args).output().expect("jiaofu runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "jiaofu {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A running `jiaofu serve`, killed on drop.
struct Server {
    child: Child,
    base: String,
    printed: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(db: &TestDatabase) -> Server {
    let mut child = jiaofu(db)
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut printed = Vec::new();
    let mut base = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        if let Some(url) = line
            .strip_prefix("jiaofu ")
            .and_then(|l| l.split(" is listening on ").nth(1))
        {
            base = Some(url.trim().to_string());
        }
        let done = line.trim_start().starts_with("health:");
        printed.push(line);
        if done {
            break;
        }
    }
    let base = base.expect("the server prints where it listens");
    Server { child, base, printed }
}

fn password_in(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix("password: ").map(str::to_string))
}

async fn login_reply(base: &str, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login request")
}

async fn login(base: &str, username: &str, password: &str) -> reqwest::StatusCode {
    login_reply(base, username, password).await.status()
}

#[test]
fn help_lists_the_subcommands() {
    let out = Command::new(env!("CARGO_BIN_EXE_jiaofu"))
        .arg("--help")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "migrate", "user", "demo"] {
        assert!(text.contains(sub), "--help lists {sub}: {text}");
    }
}

#[tokio::test]
async fn the_first_start_creates_admin_with_a_password_printed_once() {
    let db = TestDatabase::create().await.expect("database");
    let first = serve(&db);
    let password = password_in(&first.printed).expect("the first start prints the admin password");
    assert!(
        first.printed.iter().any(|l| l.contains("/api/docs")),
        "it says where the docs are"
    );
    assert_eq!(login(&first.base, "admin", &password).await, 200);
    drop(first);

    let second = serve(&db);
    assert_eq!(password_in(&second.printed), None, "the password is printed only once");
    drop(second);

    let reset = run(&db, &["user", "reset-password", "admin"]);
    let new_password =
        password_in(&reset.lines().map(str::to_string).collect::<Vec<_>>()).expect("new password printed");
    let third = serve(&db);
    assert_eq!(login(&third.base, "admin", &password).await, 401);
    assert_eq!(login(&third.base, "admin", &new_password).await, 200);
}

#[tokio::test]
async fn the_demo_creates_a_courtroom_project_with_its_people() {
    let db = TestDatabase::create().await.expect("database");
    let out = run(&db, &["demo"]);
    assert!(out.contains("数字法庭") || out.contains("法院"), "{out}");
    let again = run(&db, &["demo"]);
    assert!(again.contains("exists already"), "{again}");

    let users = run(&db, &["user", "list"]);
    for name in ["wang.jianguo", "li.ming", "zhao.lei"] {
        assert!(users.contains(name), "{users}");
    }
    let added = run(&db, &["user", "add", "qa.viewer", "--role", "viewer", "--name", "质检"]);
    assert!(added.contains("password: "));

    // The PM sees the project, its members, contacts and a schedule due from today.
    let pm_password = out
        .lines()
        .find(|l| l.contains("wang.jianguo"))
        .and_then(|l| l.split("password: ").nth(1))
        .expect("PM password printed")
        .trim()
        .to_string();
    let server = serve(&db);
    let client = reqwest::Client::new();
    let token: serde_json::Value = client
        .post(format!("{}/api/auth/login", server.base))
        .json(&json!({"username": "wang.jianguo", "password": pm_password}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = token["token"].as_str().expect("token");
    let list: serde_json::Value = client
        .get(format!("{}/api/projects", server.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let project = &list["items"][0];
    assert_eq!(project["system_types"], json!(["digital_courtroom", "public_address"]));
    let id = project["id"].as_i64().expect("id");
    let detail: serde_json::Value = client
        .get(format!("{}/api/projects/{id}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("detail")
        .json()
        .await
        .expect("json");
    assert_eq!(detail["members"].as_array().expect("members").len(), 3);
    assert_eq!(detail["contacts"].as_array().expect("contacts").len(), 3);
    assert!(
        detail["contacts"]
            .as_array()
            .expect("contacts")
            .iter()
            .all(|c| c["email"].is_string())
    );
    let signed = chrono::NaiveDate::parse_from_str(detail["contract_signed_on"].as_str().expect("signed"), "%Y-%m-%d")
        .expect("a date");
    assert_eq!(
        project["next_due_on"],
        (signed + chrono::Days::new(25)).to_string(),
        "phases 1 and 2 are done; phase 3 is next"
    );
    let schedule: serde_json::Value = client
        .get(format!("{}/api/projects/{id}/schedule", server.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("schedule")
        .json()
        .await
        .expect("json");
    let assigned = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks"))
        .filter(|t| t["assignee_id"].is_number())
        .count();
    assert_eq!(assigned, 4, "the site work is assigned to the engineers");
    let phases: Vec<&str> = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| p["status"].as_str().expect("status"))
        .collect();
    assert_eq!(phases, ["done", "done", "in_progress", "not_started"]);

    // The equipment story: lists reconciled, a notice, arrival accepted, everything installed.
    let get = |path: String| {
        let client = client.clone();
        let url = format!("{}{path}", server.base);
        async move {
            let v: serde_json::Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            v
        }
    };
    let lists = get(format!("/api/projects/{id}/equipment-lists")).await;
    assert_eq!(
        lists.as_array().expect("lists").len(),
        3,
        "contract, purchase order, approved"
    );
    let reconciliation = get(format!("/api/projects/{id}/equipment-lists/reconciliation")).await;
    let differences = reconciliation["differences"].as_array().expect("differences");
    assert_eq!(differences.len(), 4, "{reconciliation}");
    assert!(
        differences.iter().all(|d| d["decision"].is_string()),
        "{reconciliation}"
    );
    let arrival = get(format!("/api/projects/{id}/arrival")).await;
    assert_eq!(arrival["complete"], true, "{arrival}");
    let deviations = get(format!("/api/projects/{id}/deviations")).await;
    assert_eq!(deviations[0]["status"], "closed");
    let installed = get(format!("/api/projects/{id}/installations")).await;
    let installed = installed.as_array().expect("installations");
    assert_eq!(
        installed.len(),
        16,
        "4 hosts, 2 core switches and 4 audio processors by serial, 6 lines of other goods"
    );
    assert!(
        installed
            .iter()
            .any(|r| r["ip_address"] == "10.20.0.1" && r["engineer"] == "赵磊")
    );
    assert!(
        installed.iter().all(|r| r["commissioning"] == "pass"),
        "every unit commissioned"
    );

    // Every delivery form has its data: none is a draft for want of something — but the test
    // records, which wait for the functional test's results and signatures, and the acceptance's,
    // which wait for phase 4.
    let forms = get(format!("/api/projects/{id}/documents")).await;
    let forms = forms.as_array().expect("forms");
    assert_eq!(forms.len(), 27);
    for form in forms {
        let waiting = [
            "device-test",
            "functional-test",
            "pre-acceptance-certificate",
            "initial-acceptance-report",
            "initial-acceptance-memo",
            "password-handover",
            "trial-run-record",
            "issue-list",
            "trial-run-summary",
            "training-sheet",
            "training-assessment",
            "document-handover",
            "final-acceptance-report",
            "project-summary",
        ]
        .contains(&form["form"].as_str().expect("key"));
        assert_eq!(form["readiness"], if waiting { "draft" } else { "ready" }, "{form}");
    }
    let plans = get(format!("/api/projects/{id}/test-plans")).await;
    let plan = get(format!("/api/projects/{id}/test-plans/{}", plans[0]["id"])).await;
    assert_eq!(plan["client_signer_name"], "周文涛");
    assert!(plan["our_conditions_at"].is_string() && plan["client_conditions_at"].is_string());
    let log = get(format!("/api/projects/{id}/work-log")).await;
    assert_eq!(log.as_array().expect("work log").len(), 5);
}

#[tokio::test]
async fn mail_test_says_whether_the_smtp_server_accepted_the_message() {
    let db = TestDatabase::create().await.expect("database");
    let sink = jiaofu_tests::SmtpSink::start();
    let accepted = jiaofu(&db)
        .env("JIAOFU_SMTP_URL", sink.url())
        .args(["mail", "test", "li.ming@example.com"])
        .output()
        .expect("runs");
    let out = String::from_utf8_lossy(&accepted.stdout);
    assert!(accepted.status.success(), "{out}");
    assert!(
        out.contains("accepted by SMTP 127.0.0.1:") && out.contains("250"),
        "{out}"
    );
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject, "交付系统测试邮件");

    // A templates directory replaces the shipped e-mail templates of the same name.
    let custom = db.dir.join("custom-templates");
    std::fs::create_dir_all(custom.join("email")).expect("dir");
    std::fs::write(custom.join("email/test.subject.txt"), "{{ to }} 的自定义测试主题").expect("write");
    let custom_run = jiaofu(&db)
        .env("JIAOFU_SMTP_URL", sink.url())
        .env("JIAOFU_TEMPLATES_DIR", &custom)
        .args(["mail", "test", "li.ming@example.com"])
        .output()
        .expect("runs");
    assert!(custom_run.status.success());
    assert_eq!(sink.messages()[1].subject, "li.ming@example.com 的自定义测试主题");

    std::fs::write(custom.join("email/test.txt"), "{% if %}").expect("write");
    let broken = jiaofu(&db)
        .env("JIAOFU_TEMPLATES_DIR", &custom)
        .args(["mail", "test", "li.ming@example.com"])
        .output()
        .expect("runs");
    assert!(!broken.status.success());
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("test.txt"),
        "names the broken template"
    );

    sink.set_mode("550");
    let refused = jiaofu(&db)
        .env("JIAOFU_SMTP_URL", sink.url())
        .args(["mail", "test", "nobody@example.com"])
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not accepted"));
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_eml_files() {
    let db = TestDatabase::create().await.expect("database");
    let out = run(&db, &["mail", "test", "li.ming@example.com"]);
    assert!(out.contains(".eml files in"), "{out}");
    let files: Vec<_> = std::fs::read_dir(db.dir.join("mail")).expect("mail dir").collect();
    assert_eq!(files.len(), 1);
}

#[tokio::test]
async fn remind_dry_run_prints_the_digests_and_queues_nothing() {
    let db = TestDatabase::create().await.expect("database");
    run(&db, &["demo"]);
    // The demo project was signed 22 days ago: phase 3 and 4 tasks are due in 3 days. Installation
    // and commissioning are done; 李明 runs the functional tests, the client's contact and the PM
    // are reminded of the rest (6 + 5 + 1).
    let at = format!("{}T10:00:00+08:00", chrono_today_in_shanghai());
    let dry = run(&db, &["remind", "--dry-run", "--at", &at]);
    assert!(dry.contains("王建国 <wang.jianguo@example.com>"), "{dry}");
    assert!(dry.contains("[3 天后到期] 项目验收 / 系统初验"), "{dry}");
    let engineer = dry.split("李明 <li.ming@example.com>").nth(1).expect("李明's digest");
    assert!(
        engineer.contains("[3 天后到期] 工程安装 / 功能测试"),
        "assigned to 李明: {dry}"
    );

    let queued = run(&db, &["remind", "--at", &at]);
    assert!(queued.contains("queued 3 digest(s) with 12 reminder(s)"), "{queued}");
    let again = run(&db, &["remind", "--at", &at]);
    assert!(again.contains("queued 0 digest(s)"), "{again}");
    let dry_after = run(&db, &["remind", "--dry-run", "--at", &at]);
    assert!(dry_after.contains("nothing to send"), "{dry_after}");
}

fn chrono_today_in_shanghai() -> String {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string()
}

#[tokio::test]
async fn audit_verify_checks_the_chain_and_fails_on_an_altered_log() {
    use sea_orm::ConnectionTrait;
    let db = TestDatabase::create().await.expect("database");
    let intact = run(&db, &["audit", "verify"]);
    assert!(intact.contains("audit chain intact: 0 entries"), "{intact}");

    let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
    conn.execute_unprepared(&format!(
        "INSERT INTO audit_events (project_id, at, event, subject, actor, detail, prev_hash, hash) \
         VALUES (NULL, '2026-11-25T00:00:00+00:00', 'signed', 'test_plan:1:page:1', '周文涛', '{{}}', '{}', 'forged')",
        "0".repeat(64)
    ))
    .await
    .expect("a forged entry");
    conn.close().await.expect("close");
    let broken = jiaofu(&db).args(["audit", "verify"]).output().expect("runs");
    assert!(!broken.status.success(), "a forged entry fails the check");
    let said = String::from_utf8_lossy(&broken.stderr);
    assert!(
        said.contains("broken") && said.contains("does not match its hash"),
        "{said}"
    );
}

/// Resident memory of a process, in bytes.
fn rss_bytes(pid: u32) -> u64 {
    jiaofu_tests::process_memory_kb(pid, "VmRSS:") * 1024
}

async fn token(base: &str, username: &str, password: &str) -> String {
    let reply: serde_json::Value = login_reply(base, username, password).await.json().await.expect("json");
    reply["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn a_backup_taken_while_ten_clients_write_is_intact_and_holds_every_write_acknowledged_before_it() {
    let db = TestDatabase::create().await.expect("database");
    if !db.url.starts_with("sqlite:") {
        // PostgreSQL has pg_dump: the command says so rather than copying anything.
        let out = jiaofu(&db)
            .args(["backup", &db.dir.join("copy.db").display().to_string()])
            .output()
            .expect("runs");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    let server = serve(&db);
    let password = password_in(&server.printed).expect("admin password");
    let token = token(&server.base, "admin", &password).await;

    // Ten clients create projects as fast as they are answered; each write is acknowledged when
    // its 200 arrives.
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(std::time::Instant, String)>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for client in 0..10 {
        let (base, token) = (server.base.clone(), token.clone());
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let code = format!("BK-{client}-{n}");
                let status = http
                    .post(format!("{base}/api/projects"))
                    .bearer_auth(&token)
                    .json(&json!({"code": code, "name": "备份测试项目", "client_name": "某法院", "contract_signed_on": "2026-11-02"}))
                    .send()
                    .await
                    .expect("write")
                    .status();
                assert_eq!(status, 200);
                acknowledged
                    .lock()
                    .expect("lock")
                    .push((std::time::Instant::now(), code));
                n += 1;
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let copy = db.dir.join("backup").join("jiaofu-copy.db");
    std::fs::create_dir_all(copy.parent().expect("dir")).expect("dir");
    let began = std::time::Instant::now();
    let out = jiaofu(&db)
        .args(["backup", &copy.display().to_string()])
        .output()
        .expect("backup runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer");
    }
    let before: Vec<String> = acknowledged
        .lock()
        .expect("lock")
        .iter()
        .filter(|(at, _)| *at < began)
        .map(|(_, code)| code.clone())
        .collect();
    let after = acknowledged.lock().expect("lock").len() - before.len();
    assert!(
        before.len() >= 10 && after > 0,
        "writes before ({}) and during ({after}) the backup",
        before.len()
    );

    let copy_db = sea_orm::Database::connect(format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .expect("the copy opens");
    use sea_orm::ConnectionTrait;
    let rows = |sql: &'static str| {
        let copy_db = &copy_db;
        async move {
            copy_db
                .query_all_raw(sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Sqlite, sql))
                .await
                .expect(sql)
        }
    };
    let check = rows("PRAGMA integrity_check").await;
    assert_eq!(check[0].try_get_by_index::<String>(0).expect("text"), "ok");
    let codes: std::collections::HashSet<String> = rows("SELECT code FROM projects")
        .await
        .iter()
        .map(|r| r.try_get::<String>("", "code").expect("code"))
        .collect();
    let missing: Vec<&String> = before.iter().filter(|c| !codes.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup but not in it: {missing:?}"
    );
    // Each project's schedule came with it, whole.
    let orphans =
        rows("SELECT COUNT(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id)")
            .await;
    assert_eq!(orphans[0].try_get_by_index::<i64>(0).expect("count"), 0);
    let again = jiaofu(&db)
        .args(["backup", &copy.display().to_string()])
        .output()
        .expect("runs");
    assert!(!again.status.success(), "an existing file is never overwritten");
}

#[tokio::test]
async fn twenty_unauthenticated_20_mb_uploads_cost_the_server_less_than_20_mb() {
    let db = TestDatabase::create().await.expect("database");
    let server = serve(&db);
    let pid = server.child.id();
    let http = reqwest::Client::new();
    // Warm up: the allocator and the connection pool reach their working size.
    for _ in 0..20 {
        let _ = http.get(format!("{}/api/projects", server.base)).send().await;
    }
    let before = rss_bytes(pid);
    let body = bytes::Bytes::from(vec![b'x'; 20 * 1024 * 1024]);
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (http, base, body) = (http.clone(), server.base.clone(), body.clone());
        sends.spawn(async move {
            http.post(format!("{base}/api/projects/1/equipment-lists"))
                .header("content-type", "multipart/form-data; boundary=x")
                .body(body)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut answered = 0;
    while let Some(result) = sends.join_next().await {
        // The server may answer and close while the client still writes: either way, no 2xx.
        match result.expect("task") {
            Ok(status) => {
                assert_eq!(status, 401);
                answered += 1;
            }
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
    }
    let grown = rss_bytes(pid).saturating_sub(before);
    println!(
        "resident memory grew by {:.1} MB over 20 × 20 MB unauthenticated uploads",
        grown as f64 / 1_048_576.0
    );
    assert!(answered > 0, "some uploads were answered 401");
    assert!(
        grown < 20 * 1024 * 1024,
        "the server grew by {} MB",
        grown / 1024 / 1024
    );
}
