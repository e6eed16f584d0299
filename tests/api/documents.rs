//! Word forms end to end: a draft with what it lacks, issuing into the register (same version
//! when nothing changed, a new one after a change), the distribution log, /verify/{code}, and
//! the .docx opened by a real reader (LibreOffice → PDF → pdftotext).
use jiaofu_tests::{reader, spawn_app};
use serde_json::json;

/// The text and page count of `docx` as LibreOffice prints it (`None` when it is not installed).
fn pdf_text(docx: &[u8]) -> Option<(String, usize)> {
    let rendered = reader::render(&[("form.docx".into(), docx.to_vec())])?;
    rendered.into_iter().next().map(|r| (r.text(), r.pages.len()))
}

#[tokio::test]
async fn a_work_log_is_drafted_issued_versioned_distributed_and_verified() {
    let app = spawn_app().await;
    let project = app.project("ZJFY-2026-018", "2026-11-02").await;
    let id = project["id"].as_i64().expect("id");
    let docs = format!("/api/projects/{id}/documents");

    // Without entries the 工作记录单 is a draft that says what it lacks, and cannot be issued.
    let forms = app.get(&docs, &app.admin).await.expect(200);
    let log = forms
        .as_array()
        .expect("forms")
        .iter()
        .find(|f| f["form"] == "work-log")
        .expect("the work log form")
        .clone();
    assert_eq!(log["title"], "工作记录单");
    assert_eq!(log["readiness"], "draft");
    assert!(log["missing"][0].as_str().expect("missing").contains("工作日志"));
    app.post(&format!("{docs}/work-log/issue"), &app.admin, json!({}))
        .await
        .refused(409, "工作日志");

    app.post(
        &format!("/api/projects/{id}/work-log"),
        &app.admin,
        json!({"work_date": "2026-11-20", "people": "王工、李工", "work_done": "敷设第一审判庭音频线缆", "problems": "吊顶检修口尺寸不足"}),
    )
    .await
    .expect(200);
    let bad = app
        .post(
            &format!("/api/projects/{id}/work-log"),
            &app.admin,
            json!({"work_date": "20.11.2026", "people": "王工", "work_done": "x"}),
        )
        .await
        .expect(422);
    assert_eq!(bad["field"], "work_date");

    // The draft downloads, marked as such.
    let draft = app
        .client
        .get(app.url(&format!("{docs}/work-log.docx")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("download");
    assert_eq!(draft.status(), 200);
    assert_eq!(draft.headers()["x-document-status"], "draft");
    let draft = draft.bytes().await.expect("bytes");
    assert!(draft.starts_with(b"PK"), "a .docx is a zip");

    // Issued: number, version 1, a code; issuing again without a change gives the same version.
    let first = app
        .post(&format!("{docs}/work-log/issue"), &app.admin, json!({}))
        .await
        .expect(201);
    assert_eq!(first["number"], "ZJFY-2026-018-GZ-01");
    assert_eq!(first["version"], 1);
    let again = app
        .post(&format!("{docs}/work-log/issue"), &app.admin, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (again["id"].clone(), again["version"].clone()),
        (first["id"].clone(), json!(1))
    );

    // The issued file is what downloads now, and a real reader finds the form in it.
    let issued = app
        .client
        .get(app.url(&format!("{docs}/work-log.docx")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("download");
    assert_eq!(issued.headers()["x-document-status"], "issued");
    let issued = issued.bytes().await.expect("bytes");
    if let Some((text, pages)) = pdf_text(&issued) {
        for expected in [
            "工作记录单",
            "ZJFY-2026-018-GZ-01",
            "敷设第一审判庭音频线缆",
            "吊顶检修口尺寸不足",
            "王工、李工",
            "某市中级人民法院",
            "第",
            "共",
        ] {
            assert!(text.contains(expected), "the PDF lacks {expected}: {text}");
        }
        assert!(text.contains(first["verify_code"].as_str().expect("code")));
        assert!(!text.contains("草稿"), "an issued document is not a draft");
        assert_eq!(pages, 1);
    }
    if let Some((text, _)) = pdf_text(&draft) {
        assert!(text.contains("草稿"), "the draft is marked: {text}");
    }

    // A change of data makes version 2 under the same number.
    app.post(
        &format!("/api/projects/{id}/work-log"),
        &app.admin,
        json!({"work_date": "2026-11-21", "people": "王工", "work_done": "安装庭审主机"}),
    )
    .await
    .expect(200);
    let second = app
        .post(&format!("{docs}/work-log/issue"), &app.admin, json!({}))
        .await
        .expect(201);
    assert_eq!(
        (second["number"].clone(), second["version"].clone()),
        (first["number"].clone(), json!(2))
    );
    assert_ne!(second["verify_code"], first["verify_code"]);
    let register = app
        .get(&format!("/api/projects/{id}/register"), &app.admin)
        .await
        .expect(200);
    assert_eq!(register.as_array().expect("register").len(), 2);

    // Distribution log and a lost copy.
    let did = first["id"].as_i64().expect("id");
    let copy = app
        .post(
            &format!("/api/projects/{id}/register/{did}/copies"),
            &app.admin,
            json!({"recipient": "某市中级人民法院 信息技术处", "method": "当面", "copies": 2}),
        )
        .await
        .expect(200);
    let cid = copy["id"].as_i64().expect("id");
    app.post(
        &format!("/api/projects/{id}/register/{did}/copies/{cid}/lost"),
        &app.admin,
        json!({"note": "会后遗失"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/projects/{id}/register/{did}/copies/{cid}/lost"),
        &app.admin,
        json!({"note": "再次"}),
    )
    .await
    .expect(409);
    let log = app
        .get(&format!("/api/projects/{id}/register/{did}/copies"), &app.admin)
        .await
        .expect(200);
    assert!(log[0]["lost_reported_at"].is_string());

    // Verification without login: a real code answers, a made-up one is 404.
    let code = first["verify_code"].as_str().expect("code");
    let page = app
        .client
        .get(app.url(&format!("/verify/{code}")))
        .send()
        .await
        .expect("verify");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    for expected in [
        "有效",
        "工作记录单",
        "ZJFY-2026-018-GZ-01",
        "V1",
        first["file_sha256"].as_str().expect("sha"),
    ] {
        assert!(html.contains(expected), "the page lacks {expected}");
    }
    assert!(!html.contains("敷设"), "the page shows nothing of the content");
    // Typed from paper without its dash, or in lower case, the code is found all the same.
    for typed in [code.replace('-', ""), code.to_lowercase()] {
        let page = app
            .client
            .get(app.url(&format!("/verify/{typed}")))
            .send()
            .await
            .expect("verify");
        assert_eq!(page.status(), 200, "{typed}");
    }
    let unknown = app
        .client
        .get(app.url("/verify/ZZZZ-2222"))
        .send()
        .await
        .expect("verify");
    assert_eq!(unknown.status(), 404);

    // Without a token, nothing of the API.
    let anonymous = app.client.get(app.url(&docs)).send().await.expect("list");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn without_the_company_settings_drafts_say_so_and_nothing_is_issued() {
    let app = jiaofu_tests::spawn_app_with(|s| {
        s.company_name = String::new();
        s.company_phone = String::new();
        s.company_logo = None;
    })
    .await;
    let project = app.project("ZJFY-2026-018", "2026-11-02").await;
    let id = project["id"].as_i64().expect("id");
    let docs = format!("/api/projects/{id}/documents");
    // The implementation plan has everything it needs but the letterhead.
    let refused = app
        .post(&format!("{docs}/implementation-plan/issue"), &app.admin, json!({}))
        .await
        .refused(409, "name, phone, logo");
    assert!(
        refused["message"]
            .as_str()
            .is_some_and(|m| m.contains("JIAOFU_COMPANY_NAME")),
        "{refused}"
    );
    let register = app
        .get(&format!("/api/projects/{id}/register"), &app.admin)
        .await
        .expect(200);
    assert_eq!(
        register.as_array().map(Vec::len),
        Some(0),
        "nothing registered: {register}"
    );
    let draft = app
        .client
        .get(app.url(&format!("{docs}/implementation-plan.docx")))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("draft");
    assert_eq!(draft.status(), 200);
    let Some((text, _)) = pdf_text(&draft.bytes().await.expect("bytes")) else {
        return;
    };
    let text = reader::compact(&text);
    assert!(text.contains("未设置公司名称"), "{text}");
    assert!(!text.contains("乙方公司"), "no placeholder company: {text}");
}

#[tokio::test]
async fn the_contract_number_and_the_supervisor_print_on_the_forms_with_the_supervisors_own_block() {
    let app = spawn_app().await;
    let project = app
        .post(
            "/api/projects",
            &app.admin,
            json!({"code": "ZJFY-2026-018", "name": "数字法庭建设项目", "client_name": "某市中级人民法院",
                   "contract_signed_on": "2026-11-02", "contract_number": "HZZY-XX-2026-031"}),
        )
        .await
        .expect(200);
    assert_eq!(project["contract_number"], "HZZY-XX-2026-031");
    assert_eq!(project["supervisor"], "");
    let id = project["id"].as_i64().expect("id");
    let plan = format!("/api/projects/{id}/documents/implementation-plan.docx");
    let draft = |app: &jiaofu_tests::TestApp| {
        let request = app.client.get(app.url(&plan)).bearer_auth(&app.admin);
        async move {
            request
                .send()
                .await
                .expect("sent")
                .bytes()
                .await
                .expect("bytes")
                .to_vec()
        }
    };
    let without = draft(&app).await;
    let changed = app
        .patch(
            &format!("/api/projects/{id}"),
            &app.admin,
            json!({"supervisor": "浙江求实工程监理有限公司"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["supervisor"], "浙江求实工程监理有限公司");
    let history = app
        .get(&format!("/api/projects/{id}/history"), &app.admin)
        .await
        .expect(200);
    assert!(history.to_string().contains("浙江求实工程监理有限公司"), "{history}");
    let with = draft(&app).await;
    let Some(printed) = reader::render(&[("without".into(), without), ("with".into(), with)]) else {
        return;
    };
    let (without, with) = (reader::compact(&printed[0].text()), reader::compact(&printed[1].text()));
    assert!(
        without.contains("合同编号") && without.contains("HZZYXX2026031"),
        "{without}"
    );
    assert!(!without.contains("监理单位"), "no supervisor, no block: {without}");
    assert_eq!(
        with.matches("监理单位").count(),
        2,
        "in the information block and its own: {with}"
    );
    assert!(
        with.contains("监理单位：浙江求实工程监理有限公司"),
        "its own signature block: {with}"
    );
}
