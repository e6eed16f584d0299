//! 安装调试 as one table saved at once.
use jiaofu_tests::spawn_app;
use serde_json::json;

use crate::{arrival::project_with_a_shipment, harness};

#[tokio::test]
async fn an_engineer_fills_the_installation_table_a_bad_address_is_explained_on_its_row_and_nothing_is_saved_until_it_is_fixed()
 {
    let app = spawn_app().await;
    let (id, sid) = project_with_a_shipment(&app).await;
    let arrival = app
        .get(&format!("/api/projects/{id}/arrival"), &app.admin)
        .await
        .expect(200);
    let item = |name: &str| {
        arrival["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["name"] == name)
            .map(|i| i["item_id"].clone())
            .expect("item")
    };
    app.post(
        &format!("/api/projects/{id}/shipments/{sid}/units"),
        &app.admin,
        json!({"lines": [{"item_id": item("核心交换机"), "serials": ["HW-CORE-01", "HW-CORE-02"]},
                         {"item_id": item("机柜"), "quantity": 6}]}),
    )
    .await
    .expect(200);
    let Some(browser) = harness::open(&app, "installation_table", 1280, 900).await else {
        return;
    };
    browser.sign_in("li.ming", "li.ming-password-123").await;
    browser.find("#overdue-count").await;
    browser.goto(&format!("/projects/{id}/installation")).await;
    if browser.count("table.installs tbody tr").await != 3 {
        browser.fail("two switches and the cabinets are not three rows").await;
    }
    browser.fill("input[name=location_0]", "机房 A03 机柜 20U").await;
    browser.fill("input[name=ip_0]", "10.20.1.300").await;
    browser.fill("input[name=location_1]", "机房 A03 机柜 22U").await;
    browser.fill("input[name=ip_1]", "10.20.1.16").await;
    browser.click("form.install-table .actions button[type=submit]").await;
    browser
        .wait_for_text("#install-0 .field-error", "IP 地址格式不对")
        .await;
    browser.wait_for_text("#refused", "全部未保存").await;
    let kept = browser
        .client
        .execute("return document.querySelector('input[name=location_1]').value;", vec![])
        .await
        .expect("value");
    if kept != json!("机房 A03 机柜 22U") {
        browser
            .fail(&format!("what was typed on the other row is lost: {kept}"))
            .await;
    }
    let none = app
        .get(&format!("/api/projects/{id}/installations"), &app.admin)
        .await
        .expect(200);
    assert_eq!(none.as_array().map(Vec::len), Some(0), "nothing saved: {none}");
    browser.fill("input[name=ip_0]", "10.20.1.15").await;
    browser.click("form.install-table .actions button[type=submit]").await;
    browser.wait_for_text(".flash", "新登记 2 条").await;
    harness::keep_full_screenshot(&browser, "installation").await;
    browser.click("form.install-table .actions button[type=submit]").await;
    browser.wait_for_text(".flash", "未变 2 条").await;

    // A photo of the first switch as mounted, from its row; a file that is no photo is explained.
    let dir = std::env::temp_dir().join(format!("jiaofu-install-photo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let (photo, wrong) = (dir.join("switch.jpg"), dir.join("switch.heic"));
    std::fs::write(&photo, jiaofu_tests::files::camera_jpeg(320, 240, 1)).expect("written");
    std::fs::write(&wrong, b"\0\0\0\x18ftypheic").expect("written");
    browser.click("#install-0 td.photo-cell a").await;
    browser.wait_for_text("main", "HW-CORE-01").await;
    browser
        .attach("form.add-photo input[type=file]:not([capture])", &wrong)
        .await;
    browser.click("form.add-photo button[type=submit]").await;
    browser
        .wait_for_text("form.add-photo .field-error", "只能上传 JPEG 或 PNG")
        .await;
    browser
        .attach("form.add-photo input[type=file]:not([capture])", &photo)
        .await;
    browser
        .fill("form.add-photo input[name=caption]", "A03 机柜 20U 上架")
        .await;
    browser.click("form.add-photo button[type=submit]").await;
    browser.wait_for_text(".flash", "已保存 1 张照片").await;
    browser.picture_size("#install-0 ul.photos img").await;
    browser.close().await;
    std::fs::remove_dir_all(dir).ok();
}
