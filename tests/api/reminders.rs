use chrono::{DateTime, Utc};
use jiaofu::{
    config::Secret,
    jobs::{delivery, reminders},
};
use jiaofu_tests::{ReceivedMail, SmtpSink, TestApp, spawn_app_with};
use serde_json::{Value, json};

/// 09:30 in Shanghai on `day` (YYYY-MM-DD).
fn morning(day: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{day}T09:30:00+08:00"))
        .expect("instant")
        .with_timezone(&Utc)
}

struct Scenario {
    app: TestApp,
    sink: SmtpSink,
    project: i64,
    seen: usize,
}

impl Scenario {
    async fn new() -> Self {
        let sink = SmtpSink::start();
        let url = sink.url();
        let app = spawn_app_with(move |s| {
            s.smtp_url = Some(Secret::new(url));
            s.public_url = Some("https://jiaofu.example.cn".into());
        })
        .await;
        let (pm, pm_token) = app.user("wang.jianguo", "manager").await;
        app.patch(
            &format!("/api/users/{pm}"),
            &app.admin,
            json!({"display_name": "王建国"}),
        )
        .await
        .expect(200);
        let (eng, _) = app.user("li.ming", "engineer").await;
        let project = app
            .post(
                "/api/projects",
                &pm_token,
                json!({"code": "ZJFY-2026-018", "name": "数字法庭建设项目", "client_name": "某市中级人民法院", "contract_signed_on": "2026-03-02"}),
            )
            .await
            .expect(200);
        let id = project["id"].as_i64().expect("id");
        app.post(
            &format!("/api/projects/{id}/members"),
            &app.admin,
            json!({"user_id": eng, "role": "engineer"}),
        )
        .await
        .expect(200);
        app.post(
            &format!("/api/projects/{id}/contacts"),
            &app.admin,
            json!({"name": "陈志刚", "email": "chen.zhigang@court.example.cn", "role": "甲方项目负责人"}),
        )
        .await
        .expect(200);
        Self {
            app,
            sink,
            project: id,
            seen: 0,
        }
    }

    /// Runs the reminder job and the delivery worker at `now`; returns the mail that arrived.
    async fn run(&mut self, now: DateTime<Utc>) -> Vec<ReceivedMail> {
        reminders::run_once(&self.app.state, now).await.expect("reminders");
        delivery::run_once(&self.app.state, &self.app.state.mailer, "w", now)
            .await
            .expect("delivery");
        let all = self.sink.messages();
        let new = all.into_iter().skip(self.seen).collect::<Vec<_>>();
        self.seen += new.len();
        new
    }

    async fn task(&self, code: &str) -> Value {
        let schedule = self
            .app
            .get(&format!("/api/projects/{}/schedule", self.project), &self.app.admin)
            .await
            .expect(200);
        schedule["phases"]
            .as_array()
            .expect("phases")
            .iter()
            .flat_map(|p| p["tasks"].as_array().expect("tasks").clone())
            .find(|t| t["code"] == code)
            .expect("task")
    }

    async fn complete(&self, code: &str) {
        let id = self.task(code).await["id"].as_i64().expect("id");
        self.app
            .post(
                &format!("/api/projects/{}/tasks/{id}/complete", self.project),
                &self.app.admin,
                json!({}),
            )
            .await
            .expect(200);
    }
}

fn to<'a>(mails: &'a [ReceivedMail], address: &str) -> Vec<&'a ReceivedMail> {
    mails.iter().filter(|m| m.envelope_to == address).collect()
}

/// The "label task" lines of a digest's plain text.
fn lines(mail: &ReceivedMail) -> Vec<String> {
    mail.text
        .lines()
        .filter(|l| l.trim_start().starts_with("- ["))
        .map(|l| l.trim().to_string())
        .collect()
}

const PM: &str = "wang.jianguo@example.com";
const CLIENT: &str = "chen.zhigang@court.example.cn";

#[tokio::test]
async fn a_fortnight_of_reminders_digests_escalates_stops_and_rearms() {
    let mut s = Scenario::new().await;

    // 协议签定 is done once the project records its signing date; here the signed original is not
    // back yet, so the PM reopens it and it is due on the signing day.
    let signed = s.task("contract-signed").await;
    assert_eq!(signed["status"], "done");
    let signed = signed["id"].as_i64().expect("id");
    s.app
        .post(
            &format!("/api/projects/{}/tasks/{signed}/reopen", s.project),
            &s.app.admin,
            json!({"note": "合同原件待甲方盖章寄回"}),
        )
        .await
        .expect(200);

    // 2 March: one digest for the PM, nothing for the engineer.
    let day = s.run(morning("2026-03-02")).await;
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].envelope_to, PM);
    assert_eq!(day[0].subject, "【交付提醒】2026年03月02日 您有 1 项待办事项");
    assert_eq!(lines(&day[0]), ["- [今天到期] 前期准备 / 协议签定，截止 2026-03-02"]);
    assert!(day[0].text.contains("王建国，您好"));
    assert!(day[0].text.contains("ZJFY-2026-018 数字法庭建设项目"));
    // The link opens the project's page (the API would ask for a token).
    assert!(day[0].text.contains("https://jiaofu.example.cn/projects/"));
    assert!(
        day[0]
            .html
            .as_deref()
            .is_some_and(|h| h.contains("<a href=\"https://jiaofu.example.cn/projects/"))
    );
    // Running again at the same instant adds nothing.
    assert_eq!(
        reminders::run_once(&s.app.state, morning("2026-03-02"))
            .await
            .expect("run"),
        Default::default()
    );
    s.complete("contract-signed").await;

    // 3–5 March: nothing is 3 days away, and the completed task is not overdue-reminded.
    for d in ["2026-03-03", "2026-03-04", "2026-03-05"] {
        assert!(s.run(morning(d)).await.is_empty(), "{d}");
    }

    // 6 March at 08:00 local the day's reminders are not due yet; at 09:30 they are.
    let early = DateTime::parse_from_rfc3339("2026-03-06T08:00:00+08:00")
        .expect("t")
        .with_timezone(&Utc);
    assert!(s.run(early).await.is_empty());
    let day = s.run(morning("2026-03-06")).await;
    assert_eq!(day.len(), 2, "one digest each for the PM and the client");
    let pm = to(&day, PM);
    assert_eq!(lines(pm[0]).len(), 6, "the six preparation tasks due on 9 March");
    assert!(lines(pm[0]).iter().all(|l| l.starts_with("- [3 天后到期]")));
    let client = to(&day, CLIENT);
    assert_eq!(
        lines(client[0]),
        [
            "- [3 天后到期] 前期准备 / 工程勘察，截止 2026-03-09",
            "- [3 天后到期] 前期准备 / 设备清单确定，截止 2026-03-09"
        ]
    );
    assert!(client[0].text.starts_with("陈志刚，您好"));

    assert!(s.run(morning("2026-03-07")).await.is_empty());
    let day = s.run(morning("2026-03-08")).await;
    assert!(lines(to(&day, PM)[0]).iter().all(|l| l.starts_with("- [1 天后到期]")));
    let day = s.run(morning("2026-03-09")).await;
    assert!(lines(to(&day, PM)[0]).iter().all(|l| l.starts_with("- [今天到期]")));
    assert!(
        s.run(morning("2026-03-09")).await.is_empty(),
        "one digest per recipient per day"
    );

    let day = s.run(morning("2026-03-10")).await;
    assert_eq!(
        to(&day, PM)[0].subject,
        "【交付提醒】2026年03月10日 您有 6 项（其中 6 项已逾期）待办事项"
    );
    assert!(lines(to(&day, PM)[0]).iter().all(|l| l.starts_with("- [已逾期 1 天]")));
    s.complete("data-plan").await;

    // 11 March: the site survey moves to 14 March; it leaves the overdue list and is re-armed.
    let survey = s.task("site-survey").await["id"].as_i64().expect("id");
    s.app
        .put(
            &format!("/api/projects/{}/tasks/{survey}/due", s.project),
            &s.app.admin,
            json!({"due_on": "2026-03-14", "reason": "法院场地改造，勘察推迟"}),
        )
        .await
        .expect(200);
    let day = s.run(morning("2026-03-11")).await;
    let pm = lines(to(&day, PM)[0]);
    assert!(
        pm.contains(&"- [3 天后到期] 前期准备 / 工程勘察，截止 2026-03-14".to_string()),
        "{pm:?}"
    );
    assert_eq!(
        pm.iter().filter(|l| l.starts_with("- [已逾期 2 天]")).count(),
        4,
        "data-plan is done: {pm:?}"
    );
    assert!(!pm.iter().any(|l| l.contains("数据计划确定")));

    // 12 March: three days overdue — the managers are told (the PM is the project's manager).
    let day = s.run(morning("2026-03-12")).await;
    let pm = to(&day, PM);
    assert_eq!(pm.len(), 1, "still one digest");
    assert!(pm[0].text.contains("（逾期升级提醒）"));
    assert_eq!(pm[0].text.matches("（逾期升级提醒）").count(), 4);
    // Each task once, though the PM is both reminded of it and told of its escalation.
    let listed = lines(pm[0]);
    let mut tasks: Vec<&str> = listed.iter().map(|l| l.split('，').next().unwrap_or(l)).collect();
    tasks.sort();
    tasks.dedup();
    assert_eq!(tasks.len(), listed.len(), "{listed:?}");
    // The client hears about the equipment list (still overdue), not the survey (moved).
    let client = lines(to(&day, CLIENT)[0]);
    assert_eq!(client, ["- [已逾期 3 天] 前期准备 / 设备清单确定，截止 2026-03-09"]);

    let day = s.run(morning("2026-03-14")).await;
    let pm = lines(to(&day, PM)[0]);
    assert!(pm.contains(&"- [今天到期] 前期准备 / 工程勘察，截止 2026-03-14".to_string()));
    assert!(pm.iter().any(|l| l.contains("[3 天后到期] 设备到货")));

    // Nothing is mailed for a day twice, whatever happens in between.
    assert!(s.run(morning("2026-03-14")).await.is_empty());
    let outbox = s
        .app
        .get("/api/outbox?kind=reminder_digest&per_page=200", &s.app.admin)
        .await
        .expect(200);
    assert_eq!(outbox["total"].as_u64().expect("total") as usize, s.seen);
}

#[tokio::test]
async fn a_user_can_move_reminders_to_a_weekly_digest_or_turn_them_off() {
    let mut s = Scenario::new().await;
    let pm_token = s.app.login("wang.jianguo", "wang.jianguo-password-123").await;
    let me = s
        .app
        .patch("/api/auth/me", &pm_token, json!({"reminder_frequency": "weekly"}))
        .await
        .expect(200);
    assert_eq!(me["reminder_frequency"], "weekly");
    let bad = s
        .app
        .patch("/api/auth/me", &pm_token, json!({"reminder_frequency": "hourly"}))
        .await
        .expect(422);
    assert_eq!(bad["field"], "reminder_frequency");

    // Monday 2 March: one weekly digest with everything due within the week.
    let day = s.run(morning("2026-03-02")).await;
    let pm = to(&day, PM);
    assert_eq!(pm.len(), 1);
    assert_eq!(
        lines(pm[0]).len(),
        6,
        "the six tasks due on 9 March (协议签定 was done at creation)"
    );
    // Tuesday to Sunday: nothing for the PM, while the client keeps its daily reminders.
    for d in [
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
        "2026-03-06",
        "2026-03-07",
        "2026-03-08",
    ] {
        let day = s.run(morning(d)).await;
        assert!(to(&day, PM).is_empty(), "{d}");
    }
    // Monday 9 March: the next weekly digest.
    let day = s.run(morning("2026-03-09")).await;
    let pm = lines(to(&day, PM)[0]);
    assert!(
        pm.contains(&"- [今天到期] 前期准备 / 设备清单确定，截止 2026-03-09".to_string()),
        "{pm:?}"
    );
    assert!(
        !pm.iter().any(|l| l.contains("协议签定")),
        "协议签定 is done and never reminded: {pm:?}"
    );

    s.app
        .patch("/api/auth/me", &pm_token, json!({"reminder_frequency": "off"}))
        .await
        .expect(200);
    for d in ["2026-03-10", "2026-03-11", "2026-03-12", "2026-03-16"] {
        let day = s.run(morning(d)).await;
        assert!(to(&day, PM).is_empty(), "{d}: reminders are off");
        if d == "2026-03-10" {
            assert_eq!(to(&day, CLIENT).len(), 1, "the client is still reminded");
        }
    }
}

#[tokio::test]
async fn an_assigned_task_reminds_its_assignee_instead_of_the_pm() {
    let mut s = Scenario::new().await;
    let members = s
        .app
        .get(&format!("/api/projects/{}/members", s.project), &s.app.admin)
        .await
        .expect(200);
    let engineer = members
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["username"] == "li.ming")
        .expect("engineer")["user_id"]
        .as_i64()
        .expect("id");
    let data_plan = s.task("data-plan").await["id"].as_i64().expect("id");
    let path = format!("/api/projects/{}/tasks/{data_plan}/assignee", s.project);
    let assigned = s
        .app
        .put(&path, &s.app.admin, json!({"user_id": engineer}))
        .await
        .expect(200);
    assert_eq!(assigned["assignee_id"], engineer);
    let (stranger, _) = s.app.user("zhao.lei", "engineer").await;
    let not_member = s
        .app
        .put(&path, &s.app.admin, json!({"user_id": stranger}))
        .await
        .expect(422);
    assert_eq!(not_member["field"], "user_id");

    let day = s.run(morning("2026-03-06")).await;
    assert_eq!(
        lines(to(&day, "li.ming@example.com")[0]),
        ["- [3 天后到期] 前期准备 / 数据计划确定，截止 2026-03-09"]
    );
    let pm = lines(to(&day, PM)[0]);
    let due_soon = pm.iter().filter(|l| l.starts_with("- [3 天后到期]")).count();
    assert_eq!(due_soon, 5, "the PM keeps the other five: {pm:?}");
    assert!(!pm.iter().any(|l| l.contains("数据计划确定")));

    // Three days overdue, the PMs are told of the engineer's task as well (the README says so).
    let day = s.run(morning("2026-03-12")).await;
    let pm = lines(to(&day, PM)[0]);
    assert!(
        pm.contains(&"- [已逾期 3 天] 前期准备 / 数据计划确定，截止 2026-03-09（逾期升级提醒）".to_string()),
        "{pm:?}"
    );

    let history = s
        .app
        .get(&format!("/api/projects/{}/history", s.project), &s.app.admin)
        .await
        .expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["action"] == "assigned")
    );
}
