//! 设备清单 in the browser: upload, preview with problems on their cells, reconciliation, the
//! change notice and the 审定版 built and approved.
use std::path::PathBuf;

use jiaofu_tests::{ADMIN_PASSWORD, spawn_app};

use crate::harness;

/// The demo's list as a file in a fresh directory, changed by `edit`.
fn list_file(name: &str, demo: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../templates/demo")
        .join(demo);
    let text = std::fs::read_to_string(source).expect("demo list");
    let dir = std::env::temp_dir().join(format!("jiaofu-lists-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("directory");
    let file = dir.join(name);
    std::fs::write(&file, edit(&text)).expect("written");
    file
}

#[tokio::test]
async fn an_admin_uploads_the_contract_list_fixes_a_bad_quantity_by_excluding_its_row_reconciles_the_order_and_approves_the_built_list()
 {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let Some(browser) = harness::open(&app, "equipment_lists", 1280, 900).await else {
        return;
    };
    browser.sign_in("admin", ADMIN_PASSWORD).await;
    browser.goto(&format!("/projects/{id}/equipment")).await;
    browser
        .wait_for_text("#reconciliation", "导入协议设备清单和设备订购单后")
        .await;

    // The cameras' quantity typed as a word: the preview pins it to its cell.
    let contract = list_file("协议设备清单.csv", "contract-list.csv", |t| {
        t.replace("400万像素 25倍光学变焦,16,", "400万像素 25倍光学变焦,十六,")
    });
    browser.choose("select[name=kind]", "协议设备清单").await;
    browser.attach(".upload-form input[type=file]", &contract).await;
    browser.click(".upload-form button[type=submit]").await;
    browser.wait_for_text("#problems", "1 处问题").await;
    let cell = browser.text("td.problem").await;
    if !(cell.contains("十六") && cell.contains("「十六」不是数字")) {
        browser
            .fail(&format!("the bad cell is not highlighted with its message: {cell}"))
            .await;
    }
    harness::keep_full_screenshot(&browser, "equipment-preview").await;
    // Committing with the problem is refused; with its row left out, the rest is imported.
    browser.click("button[formaction$='/equipment/import']").await;
    browser.wait_for_text("#refused", "没有导入").await;
    browser.click("#row-6 input[name=exclude]").await;
    browser.click("form.preview button.secondary").await;
    browser.wait_for_text(".flash", "没有发现问题").await;
    browser.click("button[formaction$='/equipment/import']").await;
    browser
        .wait_for_text(".flash", "已导入协议设备清单 第 1 版，共 9 项")
        .await;

    // The order: its differences with the contract list, each decided for the order.
    browser.goto(&format!("/projects/{id}/equipment")).await;
    let order = list_file("设备订购单.csv", "purchase-order.csv", |t| t.to_string());
    browser.choose("select[name=kind]", "设备订购单").await;
    browser.attach(".upload-form input[type=file]", &order).await;
    browser.click(".upload-form button[type=submit]").await;
    browser.wait_for_text(".flash", "没有发现问题").await;
    browser.click("button[formaction$='/equipment/import']").await;
    browser.wait_for_text(".flash", "已导入设备订购单 第 1 版").await;
    // The order's own terms, stated on its page: a due day before the order day is refused
    // beside its field, and what was typed stays.
    let lists = app
        .get(&format!("/api/projects/{id}/equipment-lists"), &app.admin)
        .await
        .expect(200);
    let order_id = lists
        .as_array()
        .and_then(|l| l.iter().find(|l| l["kind"] == "purchase_order"))
        .and_then(|l| l["id"].as_i64())
        .expect("the order");
    browser
        .goto(&format!("/projects/{id}/equipment/lists/{order_id}"))
        .await;
    browser.fill("#supplier", "浙江华数智联科技有限公司").await;
    browser.set_value("#ordered_on", "2026-03-09").await;
    browser.set_value("#delivery_due_on", "2026-03-01").await;
    browser.fill("#delivery_place", "审判楼一层设备间").await;
    browser.click("#save-terms").await;
    browser
        .wait_for_text("#delivery_due_on-error", "交货期不能早于订购日期")
        .await;
    browser.set_value("#delivery_due_on", "2026-03-20").await;
    browser.click("#save-terms").await;
    browser.wait_for_text(".flash", "订购信息已保存").await;
    harness::keep_screenshot(&browser, "equipment-order-terms").await;
    let order = app
        .get(&format!("/api/projects/{id}/equipment-lists/{order_id}"), &app.admin)
        .await
        .expect(200);
    assert_eq!(
        order["order_terms"],
        serde_json::json!({
            "supplier": "浙江华数智联科技有限公司",
            "ordered_on": "2026-03-09",
            "delivery_due_on": "2026-03-20",
            "delivery_place": "审判楼一层设备间",
        })
    );
    browser.goto(&format!("/projects/{id}/equipment")).await;
    let differences = browser.count("article.difference").await;
    if differences < 2 {
        browser.fail("the reconciliation lists no differences").await;
    }
    // Building before anything is decided says what is missing, next to the buttons.
    browser.click("form[action$='/equipment/build'] button").await;
    browser.wait_for_text("#actions .field-error", "每项差异都要选择").await;
    for n in 1..=differences {
        let at = format!("#d{n}");
        browser
            .fill(&format!("{at} input[name=reason]"), "甲方确认按订购单执行")
            .await;
        browser
            .fill(&format!("{at} input[name=decision]"), "以订购单为准")
            .await;
        browser.click(&format!("{at} input[name=adopt][value=order]")).await;
        browser.click(&format!("{at} form.decision button")).await;
        browser.wait_for_text(".flash", "处理意见已保存").await;
    }
    harness::keep_full_screenshot(&browser, "equipment-reconciliation").await;
    browser.agree_to_confirmations().await;
    browser.click("form[action$='/equipment/notice'] button").await;
    browser.wait_for_text(".flash", "ZJFY-2026-018-BG-01 已签发").await;
    browser.click("form[action$='/equipment/build'] button").await;
    browser
        .wait_for_text(".flash", "已按处理意见生成分项设备清单审定版 第 1 版")
        .await;
    browser.agree_to_confirmations().await;
    browser.click("#approve").await;
    browser.wait_for_text(".flash", "已审定，作为到货验收的依据").await;
    harness::keep_full_screenshot(&browser, "equipment-approved").await;
    browser.close().await;

    let arrival = app
        .get(&format!("/api/projects/{id}/arrival"), &app.admin)
        .await
        .expect(200);
    assert!(arrival["items"].as_array().is_some_and(|i| !i.is_empty()), "{arrival}");
}
