//! Every delivery form printed by a real reader: the demo project's forms issued, a project built
//! from the shared fixtures (complete forms and drafts side by side), and a 2,000-line equipment
//! list whose heading row repeats on every page.
use jiaofu::service::demo::History;
use std::io::Read;

use jiaofu_tests::{
    TestApp, fixture,
    reader::{self, compact},
    spawn_app,
};
use serde_json::{Value, json};

use crate::arrival::{arrive_everything, with_baseline};

async fn forms(app: &TestApp, project: i64) -> Vec<Value> {
    app.get(&format!("/api/projects/{project}/documents"), &app.admin)
        .await
        .expect(200)
        .as_array()
        .expect("forms")
        .clone()
}

/// Downloads a form: its status header (draft or issued) and the .docx.
pub(crate) async fn download(app: &TestApp, path: &str) -> (String, Vec<u8>) {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(&app.admin)
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), 200, "{path}");
    let status = response.headers()["x-document-status"]
        .to_str()
        .expect("status")
        .to_string();
    (status, response.bytes().await.expect("bytes").to_vec())
}

/// Issues a form (a new version: 201) and downloads the issued file.
pub(crate) async fn issue(app: &TestApp, project: i64, key: &str) -> (Value, Vec<u8>) {
    let record = app
        .post(
            &format!("/api/projects/{project}/documents/{key}/issue"),
            &app.admin,
            json!({}),
        )
        .await
        .expect(201);
    let (status, bytes) = download(app, &format!("/api/projects/{project}/documents/{key}.docx")).await;
    assert_eq!(status, "issued", "{key}: {record}");
    (record, bytes)
}

/// The form-quality check every printed form passes: it follows the ECMA-376 schemas (the Open XML
/// SDK's validator), it opens with a strict reader, no page is
/// blank or holds only the sign-and-stamp block or one row carried over above it, each party's
/// cell is 45 mm tall, and no raw code or zone offset is printed.
pub(crate) fn expect_good_print(docs: &[(String, Vec<u8>)], printed: &[reader::Rendered]) {
    for doc in printed {
        let machine = reader::machine_words(&doc.text());
        assert!(machine.is_empty(), "{} prints {machine:?}", doc.name);
    }
    if let Some(errors) = reader::schema_errors(docs) {
        assert!(
            errors.is_empty(),
            "{} schema errors: {:#?}",
            errors.len(),
            &errors[..errors.len().min(20)]
        );
    }
    let Some(quality) = reader::quality(docs, printed) else {
        return;
    };
    let findings: Vec<String> = quality
        .iter()
        .flat_map(|(name, q)| q.findings.iter().map(move |f| format!("{name}: {f}")))
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    for doc in printed {
        let q = &quality[&doc.name];
        assert_eq!(
            doc.pages.len(),
            q.pages,
            "{}: pdftotext and pdfplumber count the same pages",
            doc.name
        );
    }
}

pub(crate) fn expect_text(form: &str, text: &str, expected: &[&str]) {
    let text = compact(text);
    for e in expected {
        assert!(text.contains(&compact(e)), "{form} lacks {e}: {text}");
    }
}

/// The functional test's records, printed from a test plan.
const TEST_RECORDS: [&str; 3] = ["device-test", "functional-test", "pre-acceptance-certificate"];
/// The initial acceptance's report and memo (tests/api/acceptance.rs).
const ACCEPTANCE_RECORDS: [&str; 11] = [
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
];

#[tokio::test]
async fn every_form_of_the_demo_project_is_ready_issued_and_printed() {
    let app = spawn_app().await;
    app.demo(History::WithoutServiceYear).await;
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    let project = &projects["items"].as_array().expect("projects")[0];
    let id = project["id"].as_i64().expect("id");
    let code = project["code"].as_str().expect("code").to_string();

    // Every form's draft as it prints before issuing: it must paginate as the issued form will.
    let mut drafts = Vec::new();
    for form in forms(&app, id).await {
        let key = form["form"].as_str().expect("key").to_string();
        let (status, bytes) = download(&app, &format!("/api/projects/{id}/documents/{key}.docx")).await;
        assert_eq!(status, "draft", "{key}");
        drafts.push((format!("{key} (draft)"), bytes));
    }
    let mut docs = Vec::new();
    let mut issued = Vec::new();
    for form in forms(&app, id).await {
        let key = form["form"].as_str().expect("key").to_string();
        if TEST_RECORDS.contains(&key.as_str()) {
            // The demo's test plan has its first pages tested, none signed: its records wait
            // (tests/api/test_plans.rs).
            assert_eq!(form["readiness"], "draft", "{form}");
            assert!(
                form["missing"].to_string().contains("尚未签字") || form["missing"].to_string().contains("尚未签发"),
                "{form}"
            );
            continue;
        }
        if ACCEPTANCE_RECORDS.contains(&key.as_str()) {
            // The demo is in phase 3: its acceptance is not planned yet.
            assert_eq!(form["readiness"], "draft", "{form}");
            let missing = form["missing"].to_string();
            assert!(
                [
                    "系统初验尚未安排",
                    "系统初验尚未记录",
                    "尚未移交口令",
                    "试运行尚未开始",
                    "人员培训尚未安排",
                    "尚未移交技术文档",
                    "终验尚未安排",
                    "项目尚未交付",
                ]
                .iter()
                .any(|m| missing.contains(m)),
                "{form}"
            );
            continue;
        }
        assert_eq!(form["readiness"], "ready", "{form}");
        let (record, bytes) = issue(&app, id, &key).await;
        docs.push((key, bytes));
        issued.push((form["title"].as_str().expect("title").to_string(), record));
    }
    assert_eq!(docs.len(), 13);
    for (key, docx) in &docs {
        let part = |name: &str| {
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a .docx is a zip");
            let mut text = String::new();
            zip.by_name(name)
                .expect("the part")
                .read_to_string(&mut text)
                .expect("read");
            text
        };
        let core = part("docProps/core.xml");
        assert!(
            core.contains("<dc:creator>杭州智联系统集成有限公司</dc:creator>"),
            "{key}: {core}"
        );
        assert!(
            !core.contains("1970-01-01"),
            "{key} was made when it was issued: {core}"
        );
        let styles = part("word/styles.xml");
        assert!(
            styles.contains(r#"w:eastAsia="zh-CN""#),
            "{key}: the default language is Chinese"
        );
    }
    let everything: Vec<(String, Vec<u8>)> = docs.iter().chain(&drafts).cloned().collect();
    let Some(mut printed) = reader::render(&everything) else {
        return;
    };
    expect_good_print(&everything, &printed);
    let printed_drafts = printed.split_off(docs.len());
    for draft in &printed_drafts {
        let key = draft.name.trim_end_matches(" (draft)");
        if let Some(doc) = printed.iter().find(|d| d.name == key) {
            assert_eq!(
                draft.pages.len(),
                doc.pages.len(),
                "{key}: the draft paginates as the issued form"
            );
        }
        assert!(draft.text().contains("未登记（草稿）"), "{key}: a draft says so");
    }
    let project_name = "杭州市中级人民法院数字法庭建设项目";
    for (doc, (title, record)) in printed.iter().zip(&issued) {
        let text = doc.text();
        let number = record["number"].as_str().expect("number");
        assert!(number.starts_with(&code), "{number}");
        expect_text(
            &doc.name,
            &text,
            &[
                title,
                number,
                record["verify_code"].as_str().expect("code"),
                project_name,
            ],
        );
        assert!(!text.contains("草稿"), "{} is issued, not a draft", doc.name);
        let machine = reader::machine_words(&text);
        assert!(machine.is_empty(), "{} prints {machine:?}", doc.name);
        let pages = doc.pages.len();
        assert!(
            doc.pages
                .iter()
                .all(|p| compact(p).contains(&compact(&format!("共{pages}页")))),
            "{}: every page says 共 {pages} 页",
            doc.name
        );
        let (expected, known_pages): (&[&str], Option<usize>) = match doc.name.as_str() {
            "implementation-plan" => (
                &["王建国", "前期准备", "设备到货", "工程安装", "项目验收", "已完成"],
                None,
            ),
            "contract-list" => (&["庭审录音录像系统", "庭审主机", "KDV-TR8000", "合计"], None),
            "purchase-order" => (&["庭审主机", "DS-2DE4425IW-DE"], None),
            "approved-list" => (&["庭审主机", "合计"], None),
            // One-page forms, signed at their foot.
            // The money: both lists' totals and what the change does to them.
            "change-notice" => (
                &[
                    "核心交换机",
                    "厂家型号更新",
                    "甲方",
                    "乙方",
                    "协议设备清单金额合计",
                    "设备订购单金额合计",
                    "金额变化",
                ],
                Some(1),
            ),
            // One page per shipment, each for its receiver to sign.
            // The receiver's name printed beside a 签字 line left for their hand.
            "receipt" => (&["FH-20260301-01", "FH-20260301-02", "签收人：", "签字：＿"], Some(2)),
            "arrival-acceptance" => (&["庭审主机", "合格"], None),
            "inspection-record" => (&["刘芳", "李明", "随机资料", "外观", "通电"], None),
            "installation-list" => (&["10.20.0.1", "赵磊", "信息中心机房"], None),
            "installation-record" => (&["HW5735A0001", "信息中心机房A03机柜10U", "李明"], None),
            "commissioning-record" => (&["开机自检正常，业务联调通过", "数字音频处理器"], None),
            "installation-acceptance" => (&["甲方", "乙方"], Some(1)),
            // The log on its page, its photos in an appendix on the next.
            "work-log" => (
                &[
                    "吊顶检修口尺寸不足",
                    "王建国、李明",
                    "VRRP",
                    "附：现场照片",
                    "机柜上架完成",
                ],
                Some(2),
            ),
            other => panic!("an unexpected form {other}"),
        };
        expect_text(&doc.name, &text, expected);
        if let Some(known) = known_pages {
            assert_eq!(pages, known, "{} pages", doc.name);
        }
    }
}

#[tokio::test]
async fn a_project_built_from_the_shared_fixtures_prints_complete_forms_and_marked_drafts() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    let lists = format!("{base}/equipment-lists");
    let mut order = 0;
    for (kind, name) in [
        ("contract", "courtroom-contract-list.xlsx"),
        ("purchase_order", "courtroom-purchase-order.xlsx"),
    ] {
        let imported = app
            .upload(&lists, &app.admin, &[("kind", kind)], name, fixture(name))
            .await
            .expect(200);
        order = imported["list"]["id"].as_i64().expect("list id");
    }
    arrive_everything(&app, &base, &items).await;
    let id: i64 = base.rsplit('/').next().and_then(|s| s.parse().ok()).expect("id");

    // An order names its supplier and the day it was placed before it can be issued.
    let unstated = forms(&app, id).await;
    let order_form = unstated
        .iter()
        .find(|f| f["form"] == "purchase-order")
        .expect("order form");
    assert_eq!(order_form["readiness"], "draft");
    assert!(order_form["missing"].to_string().contains("供货单位"), "{order_form}");
    let terms = format!("{lists}/{order}/order-terms");
    app.put(
        &terms,
        &app.admin,
        json!({"supplier": "杭州某某科技有限公司", "ordered_on": "2026-03-09", "delivery_due_on": "2026-03-01"}),
    )
    .await
    .refused(422, "delivery_due_on");
    let stated = app
        .put(
            &terms,
            &app.admin,
            json!({"supplier": "杭州某某科技有限公司", "ordered_on": "2026-03-09", "delivery_due_on": "2026-03-20", "delivery_place": "审判楼一层设备间"}),
        )
        .await
        .expect(200);
    assert_eq!(stated["order_terms"]["supplier"], "杭州某某科技有限公司");
    assert_eq!(stated["order_terms"]["delivery_due_on"], "2026-03-20");

    let forms = forms(&app, id).await;
    let readiness = |key: &str| {
        let form = forms.iter().find(|f| f["form"] == key).expect("form");
        (
            form["readiness"].as_str().expect("readiness").to_string(),
            form["missing"].to_string(),
        )
    };
    for key in [
        "contract-list",
        "purchase-order",
        "approved-list",
        "receipt",
        "arrival-acceptance",
        "inspection-record",
    ] {
        assert_eq!(readiness(key).0, "ready", "{key}: {:?}", readiness(key));
    }
    let (state, missing) = readiness("change-notice");
    assert_eq!(state, "draft");
    assert!(missing.contains("处理意见"), "{missing}");
    let (state, missing) = readiness("installation-list");
    assert_eq!(state, "draft");
    assert!(missing.contains("尚未登记安装记录"), "{missing}");

    let mut docs = Vec::new();
    for form in &forms {
        let (status, bytes) = download(&app, form["download"].as_str().expect("path")).await;
        assert_eq!(status, "draft", "nothing is issued yet");
        docs.push((form["form"].as_str().expect("key").to_string(), bytes));
    }
    let Some(printed) = reader::render(&docs) else {
        return;
    };
    for (doc, form) in printed.iter().zip(&forms) {
        let text = doc.text();
        expect_text(
            &doc.name,
            &text,
            &[form["title"].as_str().expect("title"), "ZJFY-2026-018", "草稿"],
        );
        let expected: &[&str] = match doc.name.as_str() {
            // As the files say: 48 microphones contracted, 44 ordered, a UPS only on the order.
            "contract-list" => &[
                "庭审录音录像系统",
                "网络及存储",
                "全向麦克风",
                "48",
                "高清矩阵",
                "S5735-L48T4X-A1",
                "合计",
            ],
            "purchase-order" => &[
                "全向麦克风",
                "44",
                "UPS不间断电源",
                "S5735-L48T4X-A",
                "供货单位",
                "杭州某某科技有限公司",
                "2026-03-20",
                "审判楼一层设备间",
                "订购方",
            ],
            "approved-list" => &["庭审主机", "系统集成及调试"],
            "change-notice" => &["高清矩阵", "UPS不间断电源", "数量"],
            "receipt" => &["FH-ALL", "法院信息中心刘洋", "HW-CORE-01"],
            "arrival-acceptance" => &["核心交换机", "48只", "合格"],
            "inspection-record" => &["核心交换机", "法院信息中心刘洋", "合格"],
            _ => &[],
        };
        expect_text(&doc.name, &text, expected);
    }
}

/// A contract list of `rows` goods lines under four categories, as a CSV.
fn long_list(rows: usize) -> Vec<u8> {
    let mut csv = String::from("某数据中心设备清单\n序号,设备名称,品牌,型号,规格参数,数量,单位,单价,金额,备注\n");
    for n in 0..rows {
        if n % (rows / 4) == 0 {
            let category = ["一", "二", "三", "四"][n / (rows / 4)];
            csv.push_str(&format!("{category}、第{category}批设备,,,,,,,,,\n"));
        }
        csv.push_str(&format!(
            "{},网络摄像机 {n:04},海康威视,DS-2CD{n:04},400万像素 红外 50 米,2,台,1200,2400,机房 {}\n",
            n + 1,
            n % 40
        ));
    }
    csv.into_bytes()
}

#[tokio::test]
async fn a_two_thousand_line_list_is_one_table_whose_heading_repeats_on_every_page() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-077", "2026-11-02").await["id"]
        .as_i64()
        .expect("id");
    app.upload(
        &format!("/api/projects/{id}/equipment-lists"),
        &app.admin,
        &[("kind", "contract")],
        "设备清单.csv",
        long_list(2000),
    )
    .await
    .expect(200);
    let (_, docx) = download(&app, &format!("/api/projects/{id}/documents/contract-list.docx")).await;

    // One table holds every line, its first row marked to repeat.
    let mut xml = String::new();
    zip::ZipArchive::new(std::io::Cursor::new(&docx))
        .expect("a .docx is a zip")
        .by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("xml");
    let tables: Vec<&str> = xml.split("<w:tbl>").skip(1).collect();
    // One table holds the list; its last row, which cannot split, nests the last two lines with
    // the block that signs them, so they are never printed apart.
    let lists: Vec<&&str> = tables.iter().filter(|t| t.contains("网络摄像机")).collect();
    assert_eq!(lists.len(), 2, "the list and its nested last lines");
    assert!(lists[1].contains("网络摄像机 1999") && !lists[1].contains("网络摄像机 1998"));
    let list = lists[0];
    assert_eq!(list.matches("<w:tblHeader").count(), 1, "its heading row repeats");
    assert!(list.matches("<w:tr>").count() + list.matches("<w:tr ").count() >= 2001 + 4);

    let docs = [("list".to_string(), docx)];
    let Some(printed) = reader::render(&docs) else {
        return;
    };
    // The nested rows follow the schema, and printed by LibreOffice (which keeps no rows with
    // what follows a table longer than a page) the block still shares its page with the last lines.
    expect_good_print(&docs, &printed);
    let pages = &printed[0].pages;
    assert!(pages.len() > 40, "2,000 lines take many pages, got {}", pages.len());
    // Every page of the list carries the heading row.
    for (n, page) in pages.iter().enumerate().filter(|(_, p)| p.contains("网络摄像机")) {
        let page = compact(page);
        for heading in ["序号", "设备名称", "规格参数", "金额"] {
            assert!(page.contains(heading), "page {} lacks the heading {heading}", n + 1);
        }
    }
    let all = compact(&printed[0].text());
    assert!(all.contains("网络摄像机0000") && all.contains("网络摄像机1999"));
    assert!(
        all.contains("合计：4,800,000.00"),
        "the total of 2,000 × 2,400, its thousands grouped"
    );
}

/// The demo's delivered project went through all of phase 4: every one of its forms has its data,
/// is issued, and prints well.
#[tokio::test]
async fn every_form_of_the_delivered_demo_project_is_ready_issued_and_printed() {
    let app = spawn_app().await;
    app.demo(History::WithoutServiceYear).await;
    let projects = app.get("/api/projects", &app.admin).await.expect(200);
    let project = projects["items"]
        .as_array()
        .expect("projects")
        .iter()
        .find(|p| p["code"].as_str().is_some_and(|c| c.ends_with("-JF")))
        .expect("the delivered demo project")
        .clone();
    assert_eq!(project["status"], "delivered", "{project}");
    let id = project["id"].as_i64().expect("id");
    let schedule = app
        .get(&format!("/api/projects/{id}/schedule"), &app.admin)
        .await
        .expect(200);
    let open: Vec<String> = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks"))
        .filter(|t| t["status"] != "done" && t["code"] != "contract-signed")
        .map(|t| format!("{} {}", t["code"], t["status"]))
        .collect();
    assert!(open.is_empty(), "every task of the delivered demo is done: {open:?}");
    let mut docs = Vec::new();
    for form in forms(&app, id).await {
        let key = form["form"].as_str().expect("key").to_string();
        assert_eq!(form["readiness"], "ready", "{form}");
        let reply = app
            .post(
                &format!("/api/projects/{id}/documents/{key}/issue"),
                &app.admin,
                json!({}),
            )
            .await;
        assert!(matches!(reply.status.as_u16(), 200 | 201), "{key}: {}", reply.text);
        let (status, bytes) = download(&app, &format!("/api/projects/{id}/documents/{key}.docx")).await;
        assert_eq!(status, "issued", "{key}");
        docs.push((key, bytes));
    }
    assert_eq!(docs.len(), 27);
    if let Some(printed) = reader::render(&docs) {
        expect_good_print(&docs, &printed);
        let text = |key: &str| printed[docs.iter().position(|(k, _)| k == key).expect("printed")].text();
        expect_text(
            "工程总结报告",
            &text("project-summary"),
            &["工程总结报告", "一次通过率", "培训细致", "王建国", "陈志刚"],
        );
        expect_text(
            "培训考核记录",
            &text("training-assessment"),
            &["刘芳", "不合格", "孙悦"],
        );
    }
}
