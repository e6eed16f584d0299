//! 维护统计 against a month computed by hand: two projects of their own regions, September 2026
//! in Shanghai — four faults (one reported at 07:30 on the 1st, still 31 August in UTC), their
//! responses and repairs against the clocks, three site visits, a spare taken out, two
//! inspections due (one made, one missed), two 回访 (one unhappy, with a complaint). The figures,
//! the three rates with their numerators and denominators, the tickets behind a figure, the
//! general manager's approval and quality's archive, the Word table printed and read back, the
//! workbook opened with openpyxl; the monthly sums kept on every change equal a fresh count.
use chrono::{DateTime, Utc};
use jiaofu::domain::types::{Role, Satisfaction, VisitStage};
use jiaofu::service::access::RecordWork;
use jiaofu::service::service_desk::{return_visits, tickets};
use jiaofu_tests::{TestApp, reader, spawn_app};
use serde_json::{Value, json};

fn shanghai(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("{text}+08:00"))
        .expect("a Shanghai time")
        .with_timezone(&Utc)
}

/// Marks a project delivered with its warranty from `day`, as final acceptance would.
async fn delivered(app: &TestApp, id: i64, day: &str) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let project = entity::project::Entity::find_by_id(i32::try_from(id).expect("id"))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the project");
    let mut active: entity::project::ActiveModel = project.into();
    let day: chrono::NaiveDate = day.parse().expect("a day");
    active.delivered_on = Set(Some(day));
    active.warranty_starts_on = Set(Some(day));
    active.update(&app.state.db).await.expect("updated");
}

struct Fixture {
    app: TestApp,
    pm: String,
    a: i64,
    /// The tickets: A1 (courtroom), A2 (video conference), A3 (no type), B1, and October's.
    tickets: Vec<i64>,
}

async fn fault(app: &TestApp, pm: &str, project: i64, system_type: Option<&str>, reported: &str) -> i64 {
    let mut card = json!({"channel": "phone", "reporter_name": "陈志刚", "reporter_phone": "0574-8888-2000",
                          "device": "第一审判庭 庭审主机", "symptom": "无图像", "reported_at": shanghai(reported).to_rfc3339()});
    if let Some(t) = system_type {
        card["system_type"] = json!(t);
    }
    app.post(&format!("/api/projects/{project}/tickets"), pm, card)
        .await
        .expect(200)["id"]
        .as_i64()
        .expect("id")
}

async fn steps(app: &TestApp, pm: &str, ticket: i64, steps: &[(&str, &str)]) {
    for (step, at) in steps {
        app.post(
            &format!("/api/tickets/{ticket}/steps"),
            pm,
            json!({"step": step, "at": shanghai(at).to_rfc3339()}),
        )
        .await
        .expect(200);
    }
}

async fn fixture() -> Fixture {
    let app = spawn_app().await;
    let (zhao, pm) = app.user("zhao.pm", "manager").await;
    let project = |code: &str, region: &str, types: Value| {
        json!({"code": code, "name": format!("{code} 法院项目"), "client_name": "某法院", "region": region,
               "system_types": types, "contract_signed_on": "2026-03-02"})
    };
    let a = app
        .post(
            "/api/projects",
            &app.admin,
            project("TJ-A", "东区", json!(["digital_courtroom", "video_conference"])),
        )
        .await
        .expect(200)["id"]
        .as_i64()
        .expect("id");
    let b = app
        .post(
            "/api/projects",
            &app.admin,
            project("TJ-B", "西区", json!(["surveillance_alarm"])),
        )
        .await
        .expect(200)["id"]
        .as_i64()
        .expect("id");
    for id in [a, b] {
        app.add_member(id, zhao, "pm").await;
    }
    // Warranties from mid-June and 1 June: one inspection a half-year, in its middle —
    // Tuesday 15 September for A, Tuesday 1 September for B.
    delivered(&app, a, "2026-06-15").await;
    delivered(&app, b, "2026-06-01").await;
    for id in [a, b] {
        app.post(&format!("/api/projects/{id}/patrols/plan"), &pm, json!({}))
            .await
            .expect(200);
    }

    // A1: 07:30 on the 1st (31 August in UTC); called back in 30 minutes, repaired in 2 hours.
    let a1 = fault(&app, &pm, a, Some("digital_courtroom"), "2026-09-01T07:30:00").await;
    steps(
        &app,
        &pm,
        a1,
        &[
            ("called_back", "2026-09-01T08:00:00"),
            ("dispatched", "2026-09-01T08:10:00"),
            ("arrived", "2026-09-01T09:00:00"),
            ("repaired", "2026-09-01T11:00:00"),
        ],
    )
    .await;
    // A2: answered after 90 minutes (broken); the first visit fails, the second repairs it 18
    // hours after the first arrival (broken).
    let a2 = fault(&app, &pm, a, Some("video_conference"), "2026-09-10T14:00:00").await;
    steps(
        &app,
        &pm,
        a2,
        &[
            ("dispatched", "2026-09-10T15:30:00"),
            ("arrived", "2026-09-10T16:00:00"),
            ("repair_failed", "2026-09-10T18:00:00"),
            ("dispatched", "2026-09-10T18:10:00"),
            ("arrived", "2026-09-11T09:00:00"),
        ],
    )
    .await;
    steps(&app, &pm, a2, &[("repaired", "2026-09-11T10:00:00")]).await;
    // A3: no system type (counts as A's first, 数字法庭); solved by phone in 20 minutes.
    let a3 = fault(&app, &pm, a, None, "2026-09-20T08:00:00").await;
    steps(
        &app,
        &pm,
        a3,
        &[
            ("called_back", "2026-09-20T08:20:00"),
            ("solved_remotely", "2026-09-20T08:40:00"),
        ],
    )
    .await;
    // B1: never answered — its response broke while it runs.
    let b1 = fault(&app, &pm, b, Some("surveillance_alarm"), "2026-09-25T10:00:00").await;
    // A spare is taken out for it (today, after what was recorded for September).
    let spare = app
        .post(
            "/api/spares",
            &pm,
            json!({"name": "网络摄像机", "model": "DS-2CD3T46", "serial": "SP-TJ-0001", "location": "杭州仓"}),
        )
        .await
        .expect(200);
    let loan = app
        .post(
            &format!("/api/tickets/{b1}/loans"),
            &pm,
            json!({"spare_id": spare["id"], "note": "摄像机无图像"}),
        )
        .await
        .expect(200);
    let loan_id = loan["id"].as_i64().or_else(|| loan[0]["id"].as_i64()).expect("a loan");
    app.post(&format!("/api/tickets/{b1}/loans/{loan_id}/approve"), &pm, json!({}))
        .await
        .expect(200);
    app.post(&format!("/api/tickets/{b1}/loans/{loan_id}/check-out"), &pm, json!({}))
        .await
        .expect(200);
    // October's: 00:30 on the 1st (still 30 September in UTC).
    let october = fault(&app, &pm, b, Some("surveillance_alarm"), "2026-10-01T00:30:00").await;

    // A's inspection made on the 16th; B's of the 1st never.
    let visits = app.get(&format!("/api/projects/{a}/patrols"), &pm).await.expect(200);
    let first = &visits["visits"][0];
    assert_eq!(first["planned_on"], "2026-09-15", "{visits}");
    app.post(
        &format!("/api/projects/{a}/patrols/{}/record", first["id"]),
        &pm,
        json!({"done_on": "2026-09-16", "contact_name": "陈志刚", "contact_phone": "0574-8888-2000",
               "checks": [{"item": "系统运行正常", "result": "pass"}]}),
    )
    .await
    .expect(200);
    let visits = app.get(&format!("/api/projects/{b}/patrols"), &pm).await.expect(200);
    assert_eq!(visits["visits"][0]["planned_on"], "2026-09-01", "{visits}");

    // 回访 answered in September: A1 after its repair, all satisfied; A2 after it, unhappy
    // with the response, a complaint.
    let actor = jiaofu::service::Actor {
        id: Some(i32::try_from(zhao).expect("id")),
        username: "zhao.pm".into(),
        name: "赵经理".into(),
        role: Role::Manager,
    };
    let answers = |unhappy: bool| return_visits::Answers {
        response: if unhappy {
            Satisfaction::Unsatisfied
        } else {
            Satisfaction::Satisfied
        },
        attitude: Satisfaction::Satisfied,
        quality: Satisfaction::Basically,
        overall: Satisfaction::Satisfied,
        comment: None,
        complaint: unhappy,
        respondent: None,
    };
    for (ticket, stage, unhappy, at) in [
        (a1, VisitStage::After, false, "2026-09-02T10:00:00"),
        (a2, VisitStage::After, true, "2026-09-12T10:00:00"),
    ] {
        let t = tickets::ticket::<RecordWork>(&app.state.db, &actor, i32::try_from(ticket).expect("id"))
            .await
            .expect("the ticket");
        return_visits::record_call(&app.state, &t, stage, answers(unhappy), shanghai(at))
            .await
            .expect("recorded");
    }
    Fixture {
        app,
        pm,
        a,
        tickets: vec![a1, a2, a3, b1, october],
    }
}

fn line<'a>(s: &'a Value, project: &str, category: &str) -> &'a Value {
    s["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["project_code"] == project && l["category"] == category)
        .unwrap_or_else(|| panic!("no line {project} {category} in {s}"))
}

/// The figures a row is checked on, in the order of the hand computation below.
fn figures(c: &Value) -> Vec<Value> {
    [
        "faults",
        "site_visits",
        "responses",
        "responses_broken",
        "mean_response_minutes",
        "repairs",
        "repairs_broken",
        "mean_repair_hours",
        "spares_used",
        "patrols_due",
        "patrols_done",
        "patrols_missed",
        "visits_answered",
        "visits_unsatisfied",
        "complaints",
        "service_events",
    ]
    .iter()
    .map(|k| c[*k].clone())
    .collect()
}

#[tokio::test]
async fn a_month_computed_by_hand_its_three_rates_the_tickets_behind_a_figure_approval_and_the_printed_table() {
    let Fixture {
        app, pm, a, tickets, ..
    } = fixture().await;
    let september = app.get("/api/service/statistics?month=2026-09", &pm).await.expect(200);

    // By hand, per line: faults, visits, responses (broken), mean minutes, repairs (broken),
    // mean hours, spares, inspections due/done/missed, 回访 answered/unhappy, complaints, events.
    let courtroom = json!([2, 1, 2, 0, 25.0, 1, 0, 2.0, 0, 1, 1, 0, 1, 0, 0, 3]);
    let video = json!([1, 2, 1, 1, 90.0, 1, 1, 18.0, 0, 0, 0, 0, 1, 1, 1, 1]);
    let alarm = json!([1, 0, 1, 1, null, 0, 0, null, 1, 1, 0, 1, 0, 0, 0, 2]);
    let total = json!([4, 3, 4, 2, 46.67, 2, 1, 10.0, 1, 2, 1, 1, 2, 1, 1, 6]);
    let rounded = |v: Vec<Value>| -> Value {
        Value::Array(
            v.into_iter()
                .map(|x| match x.as_f64() {
                    Some(f) if x.is_f64() => json!((f * 100.0).round() / 100.0),
                    _ => x,
                })
                .collect(),
        )
    };
    let as_numbers = |v: Value| -> Value {
        Value::Array(
            v.as_array()
                .expect("figures")
                .iter()
                .map(|x| match x.as_f64() {
                    Some(f) if x.is_f64() => json!(f),
                    _ => x.clone(),
                })
                .collect(),
        )
    };
    assert_eq!(
        rounded(figures(&line(&september, "TJ-A", "digital_courtroom")["counts"])),
        as_numbers(courtroom)
    );
    assert_eq!(
        rounded(figures(&line(&september, "TJ-A", "video_conference")["counts"])),
        as_numbers(video)
    );
    assert_eq!(
        rounded(figures(&line(&september, "TJ-B", "surveillance_alarm")["counts"])),
        as_numbers(alarm)
    );
    assert_eq!(rounded(figures(&september["total"])), as_numbers(total));
    assert_eq!(september["lines"].as_array().map(Vec::len), Some(3), "{september}");
    let regions: Vec<(String, u64)> = september["by_region"]
        .as_array()
        .expect("regions")
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap_or_default().to_string(),
                g["counts"]["faults"].as_u64().unwrap_or(99),
            )
        })
        .collect();
    assert_eq!(regions, [("东区".to_string(), 3), ("西区".to_string(), 1)]);

    // The three rates: complaints 1 of 6 events; omissions 2 responses broken + 1 inspection
    // missed of 6; unhappy 1 of 2 answered. Each far above 1‰: red.
    let rate = |name: &str| {
        let r = &september["total"][name];
        (
            r["numerator"].as_u64(),
            r["denominator"].as_u64(),
            r["per_mille"].as_f64().map(|v| (v * 100.0).round() / 100.0),
            r["above_target"].as_bool(),
        )
    };
    assert_eq!(rate("complaint_rate"), (Some(1), Some(6), Some(166.67), Some(true)));
    assert_eq!(rate("omission_rate"), (Some(3), Some(6), Some(500.0), Some(true)));
    assert_eq!(rate("unsatisfied_rate"), (Some(1), Some(2), Some(500.0), Some(true)));

    // The trend: twelve months to September; October's fault is October's, August has none.
    let trend = september["trend"].as_array().expect("trend");
    assert_eq!(trend.len(), 12);
    assert_eq!(trend[0]["key"], "2025-10");
    assert_eq!(trend[11]["key"], "2026-09");
    assert_eq!(trend[10]["counts"]["faults"], 0);
    let october = app.get("/api/service/statistics?month=2026-10", &pm).await.expect(200);
    assert_eq!(october["total"]["faults"], 1);
    assert_eq!(october["trend"][10]["counts"]["faults"], 4);

    // Narrowed to a region, a category.
    let west = app
        .get("/api/service/statistics?month=2026-09&region=西区", &pm)
        .await
        .expect(200);
    assert_eq!(west["total"]["faults"], 1);
    assert_eq!(west["total"]["patrols_missed"], 1);
    let video_only = app
        .get("/api/service/statistics?month=2026-09&category=video_conference", &pm)
        .await
        .expect(200);
    assert_eq!(video_only["total"]["faults"], 1);
    assert_eq!(video_only["total"]["complaints"], 1);
    app.get("/api/service/statistics?month=2026-13", &pm)
        .await
        .refused(422, "month");
    app.get("/api/service/statistics?month=2099-01", &pm)
        .await
        .refused(422, "month");

    // The tickets behind a figure.
    let (a1, a2, a3, b1) = (tickets[0], tickets[1], tickets[2], tickets[3]);
    assert_eq!(behind(&app, &pm, "faults").await.0, [a1, a2, a3, b1]);
    assert_eq!(behind(&app, &pm, "response_broken").await.0, [a2, b1]);
    assert_eq!(behind(&app, &pm, "repair_broken").await.0, [a2]);
    assert_eq!(behind(&app, &pm, "spares_used").await.0, [b1]);
    assert_eq!(behind(&app, &pm, "complaints").await.0, [a2]);
    assert_eq!(behind(&app, &pm, "unsatisfied").await.0, [a2]);
    let (none, missed) = behind(&app, &pm, "patrols_missed").await;
    assert!(none.is_empty());
    assert_eq!(missed["patrols"][0]["planned_on"], "2026-09-01", "{missed}");
    app.get("/api/service/statistics/behind?month=2026-09&figure=everything", &pm)
        .await
        .refused(422, "figure");

    // Only what the caller sees: an engineer of neither project sees nothing.
    let (_, stranger) = app.user("qian.eng", "engineer").await;
    let theirs = app
        .get("/api/service/statistics?month=2026-09", &stranger)
        .await
        .expect(200);
    assert_eq!(theirs["total"]["faults"], 0);

    // The general manager approves a month that has ended (an administrator), once; a PM
    // cannot; quality archives it after, once.
    let approve = "/api/service/statistics/2026-09/approve";
    app.post("/api/service/statistics/2026-09/archive", &app.admin, json!({}))
        .await
        .refused(409, "not approved");
    app.post(approve, &pm, json!({})).await.refused(403, "general manager");
    let month_now = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m")
        .to_string();
    app.post(
        &format!("/api/service/statistics/{month_now}/approve"),
        &app.admin,
        json!({}),
    )
    .await
    .refused(409, "not ended");
    let approved = app
        .post(approve, &app.admin, json!({"remarks": "投诉须在下月例会上逐件说明"}))
        .await
        .expect(200);
    assert_eq!(approved["approved_by"], "管理员", "{approved}");
    app.post(approve, &app.admin, json!({})).await.refused(409, "already");
    let (_, quality) = app.user("zhijian", "viewer").await;
    let archived = app
        .post("/api/service/statistics/2026-09/archive", &quality, json!({}))
        .await
        .expect(200);
    assert!(archived["archived_at"].is_string(), "{archived}");
    app.post("/api/service/statistics/2026-09/archive", &quality, json!({}))
        .await
        .refused(409, "already");

    // A fault logged for September after the approval changes the live figures, not the
    // approved table.
    fault(&app, &pm, a, Some("digital_courtroom"), "2026-09-30T16:00:00").await;
    let live = app
        .get("/api/service/statistics?month=2026-09", &app.admin)
        .await
        .expect(200);
    assert!(live["total"]["faults"].as_u64() >= Some(5), "{}", live["total"]);
    let docx = download(&app, "/api/service/statistics/table.docx?month=2026-09", &quality).await;
    // The monthly sums kept as each row changed are what counting every row again gives.
    {
        use jiaofu::domain::statistics::Month;
        use jiaofu::service::service_desk::statistics::month_counts;
        let (first, last) = (
            Month::parse("2026-01").expect("month"),
            Month::parse("2026-12").expect("month"),
        );
        let db = &app.state.db;
        let kept = month_counts::read(db, None, first, last).await.expect("kept sums");
        assert!(!kept.is_empty(), "sums are kept");
        month_counts::rebuild(db).await.expect("rebuilt");
        let counted = month_counts::read(db, None, first, last).await.expect("counted sums");
        assert_eq!(counted, kept);
    }
    let xlsx = download(&app, "/api/service/statistics/table.xlsx?month=2026-09", &pm).await;

    // The table printed: the approved figures, the rates with what they count, who approved
    // and archived it.
    let docs = vec![("维护统计汇总表".to_string(), docx)];
    if let Some(printed) = reader::render(&docs) {
        let text = printed[0].text();
        crate::forms::expect_text(
            "维护统计汇总表",
            &text,
            &[
                "维护统计汇总表",
                "2026年9月",
                "东区",
                "西区",
                "TJ-A 法院项目",
                "服务投诉率",
                "166.67‰",
                "超标",
                "管理员",
                "zhijian",
            ],
        );
        assert!(!text.contains("草稿"), "approved, not a draft: {text}");
        crate::forms::expect_good_print(&docs, &printed);
    }
    // The workbook, as Excel users open it.
    let dir = std::env::temp_dir().join(format!("jiaofu-xlsx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("stats.xlsx");
    std::fs::write(&path, &xlsx).expect("write");
    let script = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames}
ws = wb["维护统计汇总表"]
out["rows"] = [[c for c in row] for row in ws.iter_rows(min_row=3, values_only=True)]
rates = wb["三项指标"]
out["rates"] = [[c for c in row] for row in rates.iter_rows(min_row=2, values_only=True)]
print(json.dumps(out, ensure_ascii=False))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, &path.to_string_lossy()])
        .output()
        .expect("python3");
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() && std::env::var("JIAOFU_REQUIRE_LIBREOFFICE").is_err() {
        eprintln!("SKIPPED openpyxl: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    assert!(
        out.status.success(),
        "openpyxl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let book: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        book["sheets"],
        json!(["维护统计汇总表", "按区域", "按类别", "三项指标", "趋势"])
    );
    let rows = book["rows"].as_array().expect("rows");
    assert_eq!(rows[0][0], "区域");
    let total = rows.last().expect("a total row");
    assert_eq!(total[0], "合计");
    // Live (the workbook is the figures as they stand): five faults now.
    assert_eq!(total[4], 5);
    assert_eq!(book["rates"][0][2], 1);
    assert_eq!(book["rates"][0][4], 7);
}

/// The ids of the tickets behind a figure of September, and the whole answer.
async fn behind(app: &TestApp, pm: &str, figure: &str) -> (Vec<i64>, Value) {
    let b = app
        .get(
            &format!("/api/service/statistics/behind?month=2026-09&figure={figure}"),
            pm,
        )
        .await
        .expect(200);
    let mut ids: Vec<i64> = b["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    ids.sort_unstable();
    (ids, b)
}

async fn download(app: &TestApp, path: &str, token: &str) -> Vec<u8> {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn the_pms_monthly_summary_counts_faults_by_cause_finds_what_recurs_and_is_submitted_then_archived() {
    let Fixture {
        app, pm, a, tickets, ..
    } = fixture().await;
    let (a1, a2) = (tickets[0], tickets[1]);
    // The repairs' service orders class their causes; A3 was solved by phone and has none.
    for (ticket, category, cause) in [
        (a1, "hardware", "编码板电源模块击穿"),
        (a2, "network", "视频终端网口松动"),
    ] {
        app.put(
            &format!("/api/tickets/{ticket}/service-order"),
            &pm,
            json!({"cause": cause, "cause_category": category, "remedy": "更换并测试", "result": "恢复正常"}),
        )
        .await
        .expect(200);
    }
    let url = format!("/api/projects/{a}/service/summary");
    let s = app.get(&format!("{url}?month=2026-09"), &pm).await.expect(200);
    // A's September: three faults (A1, A2, A3), three site visits (A1 once, A2 twice), its
    // inspection made, two 回访, one complaint.
    let c = &s["counts"];
    assert_eq!(
        [
            &c["faults"],
            &c["site_visits"],
            &c["patrols_due"],
            &c["patrols_done"],
            &c["visits_answered"],
            &c["complaints"]
        ],
        [&json!(3), &json!(3), &json!(1), &json!(1), &json!(2), &json!(1)],
        "{s}"
    );
    let causes: Vec<(String, u64, String)> = s["by_cause"]
        .as_array()
        .expect("causes")
        .iter()
        .map(|l| {
            (
                l["key"].as_str().unwrap_or_default().to_string(),
                l["faults"].as_u64().unwrap_or_default(),
                l["share"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        causes,
        [
            ("hardware".to_string(), 1, "33.3%".to_string()),
            ("network".to_string(), 1, "33.3%".to_string()),
            ("unclassified".to_string(), 1, "33.3%".to_string()),
        ]
    );
    // The three cards name the same device: it failed three times this month.
    let recurring = s["recurring"].as_array().expect("recurring");
    assert_eq!(recurring.len(), 1, "{s}");
    assert_eq!(recurring[0]["what"], "第一审判庭 庭审主机");
    assert_eq!(recurring[0]["ticket_ids"], json!([a1, a2, tickets[2]]));
    let faults = s["faults"].as_array().expect("faults");
    assert_eq!(faults.len(), 3);
    assert_eq!(faults[0]["cause_label"], "设备硬件故障");
    assert_eq!(faults[2]["cause_label"], "未分类");

    // Submitted once the month is over and both texts are written; then it cannot change.
    let submit = format!("/api/projects/{a}/service/summary/2026-09/submit");
    app.post(&submit, &pm, json!({})).await.refused(422, "analysis");
    let save = format!("/api/projects/{a}/service/summary/2026-09");
    app.put(
        &save,
        &pm,
        json!({"analysis": "第一审判庭主机本月三次故障，电源与网口老化。"}),
    )
    .await
    .expect(200);
    app.post(&submit, &pm, json!({})).await.refused(422, "measures");
    let this_month =
        jiaofu::domain::statistics::Month::of(Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive());
    app.post(
        &format!("/api/projects/{a}/service/summary/{this_month}/submit"),
        &pm,
        json!({}),
    )
    .await
    .refused(409, "not ended");
    app.get(&format!("{url}?month={}", this_month.plus(1)), &pm)
        .await
        .refused(422, "month");
    let saved = app
        .put(
            &save,
            &pm,
            json!({"analysis": "第一审判庭主机本月三次故障，电源与网口老化。", "measures": "更换该庭主机电源，网口改为锁紧式；下次巡检重点检查。"}),
        )
        .await
        .expect(200);
    assert!(saved["submitted_at"].is_null());
    let submitted = app.post(&submit, &pm, json!({})).await.expect(200);
    assert!(submitted["submitted_at"].is_string(), "{submitted}");
    assert!(submitted["submitted_by"].is_string(), "{submitted}");
    app.post(&submit, &pm, json!({}))
        .await
        .refused(409, "submitted already");
    app.put(&save, &pm, json!({"analysis": "改", "measures": "改"}))
        .await
        .refused(409, "submitted");
    // A fault logged afterwards for September changes the live statistics, not the summary.
    fault(&app, &pm, a, Some("digital_courtroom"), "2026-09-28T10:00:00").await;
    let kept = app.get(&format!("{url}?month=2026-09"), &pm).await.expect(200);
    assert_eq!(kept["counts"]["faults"], 3);
    assert_eq!(kept["recurring"][0]["faults"], 3);
    // Quality archives it; the PM cannot.
    let archive = format!("/api/projects/{a}/service/summary/2026-09/archive");
    app.post(&archive, &pm, json!({})).await.refused(403, "quality");
    let archived = app.post(&archive, &app.admin, json!({})).await.expect(200);
    assert!(archived["archived_at"].is_string());
    app.post(&archive, &app.admin, json!({}))
        .await
        .refused(409, "archived already");

    // The form, printed.
    let docx = download(
        &app,
        &format!("/api/projects/{a}/service/summary.docx?month=2026-09"),
        &pm,
    )
    .await;
    let docs = vec![("维护总结汇报表".to_string(), docx)];
    if let Some(printed) = reader::render(&docs) {
        let text = printed[0].text();
        crate::forms::expect_text(
            "维护总结汇报表",
            &text,
            &[
                "维护总结汇报表",
                "TJ-A 法院项目",
                "2026年9月",
                "故障原因分类",
                "设备硬件故障",
                "33.3%",
                "重复故障",
                "第一审判庭 庭审主机",
                "编码板电源模块击穿",
                "电源与网口老化",
                "网口改为锁紧式",
                "项目主管",
                "质检部监督归档",
            ],
        );
        assert!(!text.contains("草稿"), "submitted, not a draft: {text}");
        crate::forms::expect_good_print(&docs, &printed);
    }
}
