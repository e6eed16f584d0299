//! Phase 4, training (人员培训): planned after the initial acceptance (within its week, for at least
//! the plan's days, or with a reason); the client's trainees sign each session's sheet on the
//! tablet (typing their own name, on the day) or on paper; a failed assessment sets remedial
//! training within a week as a task of the schedule, which the re-assessment completes; when every
//! trainee has passed, the 人员培训 task is done and final acceptance no longer waits for training.
use chrono::Days;
use jiaofu_tests::phase4::{signed_initial_acceptance, site_today, task};
use jiaofu_tests::signing::certified_project;
use jiaofu_tests::spawn_app;
use serde_json::{Value, json};

fn trainee_id(training: &Value, name: &str) -> i64 {
    training["trainees"]
        .as_array()
        .expect("trainees")
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("trainee {name} in {training}"))
}

fn last_session(training: &Value) -> i64 {
    training["sessions"]
        .as_array()
        .expect("sessions")
        .last()
        .expect("a session")["id"]
        .as_i64()
        .expect("id")
}

#[tokio::test]
async fn trainees_sign_in_are_assessed_and_whoever_fails_is_retrained_within_a_week_until_all_passed() {
    let app = spawn_app().await;
    let (id, li_token) = certified_project(&app, "ZJFY-2026-051").await;
    let (wang, wang_token) = app.user("wang.jianguo", "manager").await;
    app.add_member(id, wang, "pm").await;
    let today = site_today();
    let day = |back: u64| (today - Days::new(back)).to_string();
    let url = format!("/api/projects/{id}/training");

    // Nothing to plan before the initial acceptance is recorded.
    let before = app.get(&url, &wang_token).await.expect(200);
    assert_eq!(before["planned"], false);
    assert_eq!(before["min_trainees"], 3);
    assert_eq!(before["min_days"], 7);
    let plan = |starts: String, ends: String, late: Option<&str>| {
        json!({"starts_on": starts, "ends_on": ends, "place": "审判楼三楼培训室", "trainers": "李明、张伟",
               "content": "系统原理与结构；庭审录像、广播操作；日常维护与常见故障排除",
               "materials": "《数字法庭系统操作手册》《系统维护手册》各 5 册", "materials_handed_on": day(11),
               "late_reason": late})
    };
    let early = app
        .put(&url, &wang_token, plan(day(10), day(2), None))
        .await
        .expect(409);
    assert!(
        early["message"].as_str().expect("m").contains("initial acceptance"),
        "{early}"
    );

    signed_initial_acceptance(&app, id, &li_token, &day(12)).await;
    let refused = app
        .put(&url, &wang_token, plan(day(13), day(2), None))
        .await
        .expect(422);
    assert_eq!(refused["field"], "starts_on", "{refused}");
    // A week after the initial acceptance is the latest start without a reason.
    let late = app
        .put(
            &url,
            &wang_token,
            plan(day(4), (today + Days::new(5)).to_string(), None),
        )
        .await
        .expect(422);
    assert_eq!(late["field"], "late_reason", "{late}");
    let short = app
        .put(&url, &wang_token, plan(day(10), day(5), None))
        .await
        .expect(422);
    assert_eq!(short["field"], "ends_on", "{short}");
    let planned = app
        .put(&url, &wang_token, plan(day(10), day(2), None))
        .await
        .expect(200);
    assert_eq!(planned["planned"], true);
    assert_eq!(planned["pass_mark"], 60);
    assert!(planned["late_reason"].is_null());
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &wang_token)
        .await
        .expect(200);
    assert_eq!(task(&schedule, "training")["status"], "in_progress");

    // Three of the client's people; a name once (they sign in by it); engineers may not add them.
    for (name, kind, department) in [
        ("陈志刚", "maintainer", "信息中心"),
        ("刘芳", "operator", "审判管理办公室"),
        ("赵磊", "operator", "法警支队"),
    ] {
        app.post(
            &format!("{url}/trainees"),
            &wang_token,
            json!({"name": name, "kind": kind, "department": department}),
        )
        .await
        .expect(200);
    }
    let twice = app
        .post(
            &format!("{url}/trainees"),
            &wang_token,
            json!({"name": "刘芳", "kind": "operator"}),
        )
        .await
        .expect(422);
    assert_eq!(twice["field"], "name");
    app.post(
        &format!("{url}/trainees"),
        &li_token,
        json!({"name": "孙悦", "kind": "operator"}),
    )
    .await
    .expect(403);
    let bad_kind = app
        .post(
            &format!("{url}/trainees"),
            &wang_token,
            json!({"name": "孙悦", "kind": "student"}),
        )
        .await
        .expect(422);
    assert_eq!(bad_kind["field"], "kind");

    // Sessions: the first ten days ago (signed on paper), one today on the tablet.
    let remedial_too_soon = app
        .post(
            &format!("{url}/sessions"),
            &li_token,
            json!({"held_on": day(0), "period": "14:00–17:00", "topic": "强化培训", "remedial": true}),
        )
        .await
        .expect(422);
    assert_eq!(remedial_too_soon["field"], "remedial");
    let t = app
        .post(
            &format!("{url}/sessions"),
            &li_token,
            json!({"held_on": day(10), "period": "09:00–17:00", "topic": "系统原理与结构"}),
        )
        .await
        .expect(200);
    let first = last_session(&t);
    let (chen, liu, zhao) = (trainee_id(&t, "陈志刚"), trainee_id(&t, "刘芳"), trainee_id(&t, "赵磊"));
    assert_eq!(
        t["sessions"][0]["trainers"], "李明、张伟",
        "the plan's trainers by default"
    );
    for trainee in [chen, liu, zhao] {
        app.post(
            &format!("{url}/sessions/{first}/attendance"),
            &li_token,
            json!({"trainee_id": trainee, "method": "paper"}),
        )
        .await
        .expect(200);
    }
    let past_tablet = app
        .post(
            &format!("{url}/sessions/{first}/attendance"),
            &li_token,
            json!({"trainee_id": chen, "method": "tablet", "name": "陈志刚"}),
        )
        .await
        .expect(409);
    assert!(
        past_tablet["message"].as_str().expect("m").contains("already"),
        "{past_tablet}"
    );
    let t = app
        .post(
            &format!("{url}/sessions"),
            &li_token,
            json!({"held_on": day(0), "period": "09:00–12:00", "topic": "庭审录像操作演练"}),
        )
        .await
        .expect(200);
    let today_session = last_session(&t);
    let sheet = format!("{url}/sessions/{today_session}/attendance");
    let wrong = app
        .post(
            &sheet,
            &li_token,
            json!({"trainee_id": chen, "method": "tablet", "name": "陈志"}),
        )
        .await
        .expect(422);
    assert_eq!(wrong["field"], "name");
    assert!(wrong["message"].as_str().expect("m").contains("陈志刚"), "{wrong}");
    let t = app
        .post(
            &sheet,
            &li_token,
            json!({"trainee_id": chen, "method": "tablet", "name": " 陈志刚 "}),
        )
        .await
        .expect(200);
    let line = &t["sessions"][1]["attendance"][0];
    assert_eq!(line["method"], "tablet");
    assert_eq!(line["signed_name"], "陈志刚");
    let again = app
        .post(
            &sheet,
            &li_token,
            json!({"trainee_id": chen, "method": "tablet", "name": "陈志刚"}),
        )
        .await
        .expect(409);
    assert!(
        again["message"].as_str().expect("m").contains("already signed in"),
        "{again}"
    );

    // Assessments: one passes, one fails (a remedial task due within a week), one not yet.
    let assess = |on: String, written: i64, practical: i64| json!({"assessed_on": on, "written_score": written, "practical_score": practical, "examiner": "李明"});
    let post_assessment = |trainee: i64, body: Value| {
        let path = format!("{url}/trainees/{trainee}/assessments");
        let (app, token) = (&app, li_token.clone());
        async move { app.post(&path, &token, body).await }
    };
    let out_of_range = post_assessment(chen, assess(day(0), 101, 90)).await.expect(422);
    assert_eq!(out_of_range["field"], "written_score");
    let future = post_assessment(chen, assess((today + Days::new(1)).to_string(), 90, 90))
        .await
        .expect(422);
    assert_eq!(future["field"], "assessed_on");
    post_assessment(chen, assess(day(0), 85, 90)).await.expect(200);
    let failed = post_assessment(liu, assess(day(3), 52, 80)).await.expect(200);
    let liu_line = failed["trainees"]
        .as_array()
        .expect("trainees")
        .iter()
        .find(|t| t["name"] == "刘芳")
        .expect("刘芳")
        .clone();
    let due = (today + Days::new(4)).to_string();
    assert_eq!(liu_line["standing"], "failed");
    assert_eq!(liu_line["remedial_due_on"], due.as_str());
    let failure = failed["assessments"]
        .as_array()
        .expect("assessments")
        .iter()
        .find(|a| a["trainee_id"] == liu)
        .expect("刘芳's")
        .clone();
    assert_eq!(failure["passed"], false);
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &wang_token)
        .await
        .expect(200);
    let remedial = task(&schedule, &format!("remedial-training-{liu}-1"));
    assert_eq!(remedial["id"], failure["remedial_task_id"]);
    assert_eq!(remedial["due_on"], due.as_str(), "{remedial}");
    assert!(remedial["name"].as_str().expect("name").contains("刘芳"), "{remedial}");
    assert_eq!(remedial["status"], "not_started");

    // Final acceptance names who training still waits for.
    let blockers = app
        .get(&format!("/api/projects/{id}/acceptance/final"), &wang_token)
        .await
        .expect(200)["blockers"]
        .to_string();
    assert!(blockers.contains("trainee 刘芳 failed"), "{blockers}");
    assert!(blockers.contains("trainee 赵磊 has not been assessed"), "{blockers}");

    // No second assessment without remedial training after the failure.
    let untrained = post_assessment(liu, assess(day(0), 80, 80)).await.expect(409);
    assert!(
        untrained["message"].as_str().expect("m").contains("remedial"),
        "{untrained}"
    );
    let t = app
        .post(
            &format!("{url}/sessions"),
            &li_token,
            json!({"held_on": day(0), "period": "14:00–17:00", "topic": "强化培训：庭审录像操作", "remedial": true}),
        )
        .await
        .expect(200);
    let remedial_session = last_session(&t);
    app.post(
        &format!("{url}/sessions/{remedial_session}/attendance"),
        &li_token,
        json!({"trainee_id": liu, "method": "tablet", "name": "刘芳"}),
    )
    .await
    .expect(200);
    let retried = post_assessment(liu, assess(day(0), 78, 85)).await.expect(200);
    assert_eq!(retried["complete"], false, "赵磊 is still to be assessed");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &wang_token)
        .await
        .expect(200);
    assert_eq!(
        task(&schedule, &format!("remedial-training-{liu}-1"))["status"],
        "done",
        "the re-assessment completes the remedial task"
    );
    let kept = app
        .delete(&format!("{url}/trainees/{liu}"), &wang_token)
        .await
        .expect(409);
    assert!(kept["message"].as_str().expect("m").contains("stays"), "{kept}");

    let done = post_assessment(zhao, assess(day(0), 70, 66)).await.expect(200);
    assert_eq!(done["complete"], true, "{done}");
    assert_eq!(done["completed_on"], day(0).as_str());
    assert_eq!(done["gaps"], json!([]));
    let twice = post_assessment(zhao, assess(day(0), 90, 90)).await.expect(409);
    assert!(twice["message"].as_str().expect("m").contains("passed"), "{twice}");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &wang_token)
        .await
        .expect(200);
    let training_task = task(&schedule, "training");
    assert_eq!(training_task["status"], "done", "{training_task}");
    let blockers = app
        .get(&format!("/api/projects/{id}/acceptance/final"), &wang_token)
        .await
        .expect(200)["blockers"]
        .to_string();
    assert!(
        !blockers.contains("trainee") && !blockers.contains("training"),
        "{blockers}"
    );

    // The 现场培训单 and the 培训考核记录, issued and printed.
    let mut docs = Vec::new();
    for key in ["training-sheet", "training-assessment"] {
        let (_, bytes) = crate::forms::issue(&app, id, key).await;
        docs.push((key.to_string(), bytes));
    }
    if let Some(printed) = jiaofu_tests::reader::render(&docs) {
        crate::forms::expect_good_print(&docs, &printed);
        crate::forms::expect_text(
            "现场培训单",
            &printed[0].text(),
            &[
                "现场培训单",
                "审判楼三楼培训室",
                "《数字法庭系统操作手册》",
                "系统原理与结构",
                "纸质签到",
                "平板签到",
                "强化培训",
                "陈志刚",
            ],
        );
        crate::forms::expect_text(
            "培训考核记录",
            &printed[1].text(),
            &["培训考核记录", "刘芳", "不合格", "合格", &due, "52", "78"],
        );
    }
}
