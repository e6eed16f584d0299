//! 到货 on a tablet: a scanner's serial numbers, the inspection checklist, a deviation.
use jiaofu_tests::{TestApp, fixture, spawn_app};
use serde_json::json;

use crate::harness;

/// A project whose approved list is the shared contract list, with 李明 on its team as an engineer
/// and a shipment that arrived today: the project's id and the shipment's.
pub async fn project_with_a_shipment(app: &TestApp) -> (i64, i64) {
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let lists = format!("/api/projects/{id}/equipment-lists");
    let approved = app
        .upload(
            &lists,
            &app.admin,
            &[("kind", "approved")],
            "分项设备清单审定版.xlsx",
            fixture("courtroom-contract-list.xlsx"),
        )
        .await
        .expect(200);
    app.post(
        &format!("{lists}/{}/approve", approved["list"]["id"]),
        &app.admin,
        json!({}),
    )
    .await
    .expect(200);
    let (li, _) = app.user("li.ming", "engineer").await;
    app.add_member(id, li, "engineer").await;
    let shipment = app
        .post(
            &format!("/api/projects/{id}/shipments"),
            &app.admin,
            json!({"reference": "FH-20260309-01", "dispatched_by": "海康威视 厂家直发", "carrier": "顺丰速运"}),
        )
        .await
        .expect(200);
    let sid = shipment["id"].as_i64().expect("id");
    let today = chrono::Utc::now().date_naive().to_string();
    app.patch(
        &format!("/api/projects/{id}/shipments/{sid}"),
        &app.admin,
        json!({"arrived_on": today}),
    )
    .await
    .expect(200);
    (id, sid)
}

const ENTER: char = '\u{e007}';

#[tokio::test]
async fn an_engineer_on_a_tablet_scans_eight_serials_sees_one_scanned_twice_flagged_inspects_photographs_a_scratched_screen_and_records_a_deviation()
 {
    let app = spawn_app().await;
    let (id, sid) = project_with_a_shipment(&app).await;
    // What the tablet's camera takes: a scratched housing, turned a quarter, with its position.
    let dir = std::env::temp_dir().join(format!("jiaofu-photo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let photo = dir.join("IMG_0412.JPG");
    std::fs::write(&photo, jiaofu_tests::files::camera_jpeg(640, 480, 6)).expect("written");
    let Some(browser) = harness::open(&app, "arrival_tablet", 768, 1024).await else {
        return;
    };
    browser.sign_in("li.ming", "li.ming-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/arrival/shipments/{sid}")).await;
    browser
        .choose(
            "select[name=item_id]",
            "2 高清球型摄像机（DS-2DE4425IW-DE）（已到 0/24 台）",
        )
        .await;
    for n in 1..=8 {
        browser
            .find("#scan")
            .await
            .send_keys(&format!("DS2DE-{n:04}{ENTER}"))
            .await
            .expect("scanned");
        if n == 3 {
            // The scanner reads the third label again.
            browser
                .find("#scan")
                .await
                .send_keys(&format!("DS2DE-{n:04}{ENTER}"))
                .await
                .expect("scanned");
            browser.wait_for_text("#scan-said", "重复：DS2DE-0003").await;
        }
    }
    browser.wait_for_text("#scan-said", "已扫描 8 个").await;
    if browser.count("#scanned li").await != 8 {
        browser.fail("eight serials are not listed").await;
    }
    let focused = browser
        .client
        .execute("return document.activeElement && document.activeElement.id;", vec![])
        .await
        .expect("focus");
    if focused != json!("scan") {
        browser
            .fail(&format!("the scanner's field lost its focus to {focused}"))
            .await;
    }
    harness::keep_screenshot(&browser, "arrival-scan").await;
    browser.click("#receive button[type=submit]").await;
    browser.wait_for_text(".flash", "已登记 8 件").await;
    // Scanning one of them again on another day is flagged from the record.
    browser
        .choose(
            "select[name=item_id]",
            "2 高清球型摄像机（DS-2DE4425IW-DE）（已到 8/24 台）",
        )
        .await;
    browser
        .find("#scan")
        .await
        .send_keys(&format!("DS2DE-0005{ENTER}"))
        .await
        .expect("scanned");
    browser.wait_for_text("#scan-said", "已经登记过").await;

    // The self-check: all three checks pass but the appearance: one camera is scratched.
    browser
        .goto(&format!("/projects/{id}/arrival/inspect?round=self"))
        .await;
    let item = browser.find("fieldset.check-item").await;
    item.find(fantoccini::Locator::Css("[data-all-pass]"))
        .await
        .expect("button")
        .click()
        .await
        .expect("tapped");
    item.find(fantoccini::Locator::Css("label.toggle.fail input[name^=appearance]"))
        .await
        .expect("fail")
        .click()
        .await
        .expect("tapped");
    item.find(fantoccini::Locator::Css(".note input"))
        .await
        .expect("note")
        .send_keys("DS2DE-0004 外壳划伤")
        .await
        .expect("typed");
    browser
        .attach("fieldset.check-item .item-photos input[capture]", &photo)
        .await;
    harness::keep_screenshot(&browser, "arrival-inspect").await;
    browser.click("form.checklist button[type=submit]").await;
    browser.wait_for_text(".flash", "1 项不合格，已登记偏差").await;
    browser.wait_for_text(".flash", "照片 1 张已保存").await;
    browser.wait_for_text("#deviations", "DS2DE-0004 外壳划伤").await;
    // The deviation shows the photo, upright: a thumbnail taller than it is wide.
    let (w, h) = browser.picture_size("#deviations ul.photos img").await;
    if h <= w {
        browser.fail(&format!("the photo is shown on its side: {w}×{h}")).await;
    }
    browser.fits_width("the arrival page on a tablet").await;
    harness::keep_full_screenshot(&browser, "arrival").await;
    browser.close().await;

    let status = app
        .get(&format!("/api/projects/{id}/arrival"), &app.admin)
        .await
        .expect(200);
    assert_eq!(status["open_deviations"], 1, "{status}");
    let photos = app
        .get(&format!("/api/projects/{id}/photos?subject=inspection"), &app.admin)
        .await
        .expect(200);
    assert_eq!(photos[0]["file_name"], "IMG_0412.JPG", "{photos}");
    assert_eq!(
        (photos[0]["width"].as_i64(), photos[0]["height"].as_i64()),
        (Some(480), Some(640))
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn an_engineer_imports_the_serial_numbers_from_the_suppliers_packing_list() {
    let app = spawn_app().await;
    let (id, sid) = project_with_a_shipment(&app).await;
    let dir = std::env::temp_dir().join(format!("jiaofu-serials-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let file = dir.join("装箱单.csv");
    std::fs::write(
        &file,
        "型号,序列号\nS5735-L48T4X-A1,HW-CORE-01\nS5735-L48T4X-A1,HW-CORE-02\n",
    )
    .expect("written");
    let wrong = dir.join("说明.csv");
    std::fs::write(&wrong, "项目,说明\n交换机,两台\n").expect("written");
    let Some(browser) = harness::open(&app, "arrival_serial_file", 1280, 900).await else {
        return;
    };
    browser.sign_in("li.ming", "li.ming-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/arrival/shipments/{sid}")).await;
    browser.attach("#serials-file input[type=file]", &wrong).await;
    browser.click("#serials-file button[type=submit]").await;
    browser
        .wait_for_text("#serials-file .field-error", "找不到序列号列")
        .await;
    browser.attach("#serials-file input[type=file]", &file).await;
    browser.click("#serials-file button[type=submit]").await;
    browser.wait_for_text(".flash", "已从文件登记 2 件").await;
    browser.wait_for_text("#units", "HW-CORE-02").await;
    browser.close().await;
}
