//! Phase 2 and 3 end to end: shipments against the approved baseline, serial numbers typed, pasted
//! and imported, receipts, inspections with a deviation, the phase's tasks completing themselves,
//! and the 现场安装一览表.
use jiaofu_tests::{TestApp, fixture, spawn_app};
use serde_json::{Value, json};

/// A project whose approved baseline is the shared contract list (15 lines, the last a service).
pub(crate) async fn with_baseline(app: &TestApp) -> (String, Vec<Value>) {
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
    let list_id = approved["list"]["id"].as_i64().expect("list id");
    app.post(&format!("{lists}/{list_id}/approve"), &app.admin, json!({}))
        .await
        .expect(200);
    let base = format!("/api/projects/{id}");
    let arrival = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    // Nothing has arrived: 0, never "-0.0" (an empty floating-point sum).
    assert!(!arrival.to_string().contains("-0.0"), "{arrival}");
    let items = arrival["items"].as_array().expect("items").clone();
    (base, items)
}

fn item<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no item {name}"))
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().or_else(|| v["item_id"].as_i64()).expect("id")
}

async fn task(app: &TestApp, base: &str, code: &str) -> Value {
    let schedule = app.get(&format!("{base}/schedule"), &app.admin).await.expect(200);
    schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| p["tasks"].as_array().expect("tasks").iter())
        .find(|t| t["code"] == code)
        .unwrap_or_else(|| panic!("no task {code}"))
        .clone()
}

async fn shipment(app: &TestApp, base: &str, reference: &str) -> String {
    let s = app
        .post(
            &format!("{base}/shipments"),
            &app.admin,
            json!({"reference": reference, "dispatched_by": "采购部 陈芳", "carrier": "顺丰速运",
                   "dispatched_on": "2026-03-06", "expected_on": "2026-03-09"}),
        )
        .await
        .expect(200);
    format!("{base}/shipments/{}", id(&s))
}

/// Every goods line arrives in one shipment by quantity and passes both inspections.
pub(crate) async fn arrive_everything(app: &TestApp, base: &str, items: &[Value]) {
    let ship = shipment(app, base, "FH-ALL").await;
    app.patch(&ship, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);
    let goods: Vec<&Value> = items.iter().filter(|i| i["service"] == false).collect();
    let lines: Vec<Value> = goods
        .iter()
        .map(|i| {
            if i["name"] == "核心交换机" {
                json!({"item_id": id(i), "serials": ["HW-CORE-01", "HW-CORE-02"]})
            } else {
                json!({"item_id": id(i), "quantity": i["quantity"]})
            }
        })
        .collect();
    app.post(&format!("{ship}/units"), &app.admin, json!({"lines": lines}))
        .await
        .expect(200);
    app.post(
        &format!("{ship}/receipt"),
        &app.admin,
        json!({"received_by": "法院信息中心 刘洋"}),
    )
    .await
    .expect(200);
    for (round, witness) in [("self", None), ("client", Some("法院信息中心 刘洋"))] {
        let checks: Vec<Value> = goods
            .iter()
            .map(|i| json!({"item_id": id(i), "documents": "pass", "appearance": "pass", "power_on": "pass"}))
            .collect();
        app.post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": round, "witness": witness, "items": checks}),
        )
        .await
        .expect(200);
    }
}

#[tokio::test]
async fn arrival_with_a_failed_inspection_completes_phase_two_once_the_deviation_is_closed() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    assert_eq!(items.len(), 15);
    assert_eq!(
        items.iter().filter(|i| i["service"] == true).count(),
        1,
        "系统集成及调试 is a service"
    );
    let host = item(&items, "庭审主机");
    let core = item(&items, "核心交换机");
    let mic = item(&items, "全向麦克风");
    let storage = item(&items, "网络存储服务器");

    // Units cannot arrive before their shipment has.
    let first = shipment(&app, &base, "FH-2026-0306-01").await;
    app.post(
        &format!("{first}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(mic), "quantity": 10}]}),
    )
    .await
    .refused(409, "arrived_on");
    let future = app
        .patch(&first, &app.admin, json!({"arrived_on": "2099-01-01"}))
        .await
        .expect(422);
    assert_eq!(future["field"], "arrived_on");
    app.patch(&first, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);

    // Serial numbers typed, and pasted as a column; everything else by quantity.
    let goods: Vec<&Value> = items
        .iter()
        .filter(|i| i["service"] == false && i["name"] != "庭审主机" && i["name"] != "网络存储服务器")
        .collect();
    let mut lines: Vec<Value> = goods
        .iter()
        .map(|i| match i["name"].as_str() {
            Some("核心交换机") => json!({"item_id": id(i), "serials": ["HW-CORE-01", "HW-CORE-02"]}),
            _ => json!({"item_id": id(i), "quantity": i["quantity"]}),
        })
        .collect();
    lines.push(json!({"item_id": id(storage), "serials_text": "HK-NAS-0001\n"}));
    let received = app
        .post(&format!("{first}/units"), &app.admin, json!({"lines": lines}))
        .await
        .expect(200);
    assert!(
        received["units"]
            .as_array()
            .expect("units")
            .iter()
            .any(|u| u["serial"] == "HK-NAS-0001")
    );

    // Too many, a serial twice, a service line: refused, nothing written.
    let before = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    app.post(
        &format!("{first}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(mic), "quantity": 1}]}),
    )
    .await
    .refused(422, "48");
    app.post(
        &format!("{first}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(core), "serials": ["hw-core-01"]}]}),
    )
    .await
    .refused(409, "hw-core-01");
    let service = items.iter().find(|i| i["service"] == true).expect("service line");
    app.post(
        &format!("{first}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(service), "quantity": 1}]}),
    )
    .await
    .expect(422);
    assert_eq!(
        app.get(&format!("{base}/arrival"), &app.admin).await.expect(200),
        before
    );

    let signed = app
        .post(
            &format!("{first}/receipt"),
            &app.admin,
            json!({"received_by": "法院信息中心 刘洋"}),
        )
        .await
        .expect(200);
    assert_eq!(signed["received_by"], "法院信息中心 刘洋");
    app.post(&format!("{first}/receipt"), &app.admin, json!({"received_by": "again"}))
        .await
        .expect(409);

    // The hosts' serial numbers come from the supplier's packing list.
    let second = shipment(&app, &base, "FH-2026-0308-02").await;
    app.patch(&second, &app.admin, json!({"arrived_on": "2026-03-10"}))
        .await
        .expect(200);
    let packing = "设备名称,型号,序列号\n庭审主机,KDV-TR8000,KD8K-001\n庭审主机,KDV-TR8000,KD8K-002\n\
                   庭审主机,KDV-TR8000,KD8K-003\n庭审主机,KDV-TR8000,KD8K-004\n庭审主机,KDV-TR8000,KD8K-005\n\
                   庭审主机,kdv tr8000,KD8K-006\n";
    let imported = app
        .upload(
            &format!("{second}/units/import"),
            &app.admin,
            &[],
            "装箱单.csv",
            packing.as_bytes().to_vec(),
        )
        .await
        .expect(200);
    assert_eq!(imported["units"].as_array().expect("units").len(), 6);
    let unknown = "型号,序列号\nXX-000,SN1\n";
    app.upload(
        &format!("{second}/units/import"),
        &app.admin,
        &[],
        "x.csv",
        unknown.as_bytes().to_vec(),
    )
    .await
    .refused(422, "!2");
    assert_ne!(
        task(&app, &base, "goods-received").await["status"],
        "done",
        "receipt of the second shipment unsigned"
    );
    app.post(
        &format!("{second}/receipt"),
        &app.admin,
        json!({"received_by": "法院信息中心 刘洋"}),
    )
    .await
    .expect(200);
    for code in ["order-and-ship", "goods-received"] {
        let t = task(&app, &base, code).await;
        assert_eq!(t["status"], "done", "{code}");
        let evidence = t["evidence"].as_array().expect("evidence");
        assert_eq!(evidence.len(), 2, "{t}");
        assert!(evidence[0]["label"].as_str().expect("l").contains("FH-2026-0306-01"));
        assert!(
            evidence[1]["href"]
                .as_str()
                .expect("h")
                .ends_with(&second[second.rfind("/shipments").expect("s")..])
        );
    }
    assert_ne!(task(&app, &base, "arrival-inspection").await["status"], "done");

    // The client inspects only after our self-check.
    let goods: Vec<&Value> = items.iter().filter(|i| i["service"] == false).collect();
    let all = |result_for: &dyn Fn(&Value) -> (&'static str, Option<&'static str>)| -> Vec<Value> {
        goods
            .iter()
            .map(|i| {
                let (appearance, note) = result_for(i);
                json!({"item_id": id(i), "documents": "pass", "appearance": appearance, "power_on": "pass", "note": note})
            })
            .collect()
    };
    app.post(
        &format!("{base}/inspections"),
        &app.admin,
        json!({"round": "client", "witness": "刘洋", "items": all(&|_| ("pass", None))}),
    )
    .await
    .refused(409, "self-check");

    // One monitor arrives scratched: a failed check needs a note and opens a deviation.
    let monitor = item(&items, "液晶显示器 55寸");
    let scratched = |i: &Value| {
        if i["name"] == "液晶显示器 55寸" {
            ("fail", Some("1 台屏幕划伤"))
        } else {
            ("pass", None)
        }
    };
    let no_note = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "self", "items": [{"item_id": id(monitor), "documents": "pass", "appearance": "fail", "power_on": "pass"}]}),
        )
        .await
        .expect(422);
    assert_eq!(no_note["field"], "note");
    let recorded = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "self", "items": all(&scratched)}),
        )
        .await
        .expect(200);
    let recorded = recorded.as_array().expect("inspections");
    assert_eq!(recorded.len(), 14);
    let failed = recorded
        .iter()
        .find(|r| r["item_id"] == monitor["item_id"])
        .expect("monitor");
    let deviation_id = failed["deviation_id"].as_i64().expect("a deviation was opened");
    let deviation = app
        .get(&format!("{base}/deviations/{deviation_id}"), &app.admin)
        .await
        .expect(200);
    assert_eq!(deviation["status"], "open");
    assert!(
        deviation["description"].as_str().expect("d").contains("外观检验"),
        "{deviation}"
    );
    let status = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    assert_eq!(
        item(status["items"].as_array().expect("i"), "液晶显示器 55寸")["self_check"],
        "failed"
    );
    assert_eq!(status["open_deviations"], 1);

    // The supplier replaces the screen; our self-check passes again; the client inspects.
    app.post(
        &format!("{base}/deviations/{deviation_id}/close"),
        &app.admin,
        json!({"resolution": "swap", "note": "x"}),
    )
    .await
    .expect(422);
    let closed = app
        .post(
            &format!("{base}/deviations/{deviation_id}/close"),
            &app.admin,
            json!({"resolution": "replace", "note": "厂家 3 月 11 日更换新屏，序列号 QM55-7781"}),
        )
        .await
        .expect(200);
    assert_eq!(closed["status"], "closed");
    let status = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    assert_eq!(
        item(status["items"].as_array().expect("i"), "液晶显示器 55寸")["self_check"],
        "failed",
        "replaced, not yet re-inspected"
    );
    app.post(
        &format!("{base}/inspections"),
        &app.admin,
        json!({"round": "self", "items": [{"item_id": id(monitor), "documents": "pass", "appearance": "pass", "power_on": "pass"}]}),
    )
    .await
    .expect(200);
    let no_witness = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "client", "items": all(&|_| ("pass", None))}),
        )
        .await
        .expect(422);
    assert_eq!(no_witness["field"], "witness");
    app.post(
        &format!("{base}/inspections"),
        &app.admin,
        json!({"round": "client", "witness": "法院信息中心 刘洋", "items": all(&|_| ("pass", None))}),
    )
    .await
    .expect(200);

    let status = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    assert_eq!(status["complete"], true, "{status}");
    assert_eq!(status["accepted"], 15);
    assert_eq!(
        item(status["items"].as_array().expect("i"), "庭审主机")["serials"]
            .as_array()
            .expect("s")
            .len(),
        6
    );
    let inspected = task(&app, &base, "arrival-inspection").await;
    assert_eq!(inspected["status"], "done");
    assert!(
        inspected["note"]
            .as_str()
            .expect("note")
            .contains("14 项设备全部到货并检验合格"),
        "{inspected}"
    );
    let labels: Vec<&str> = inspected["evidence"]
        .as_array()
        .expect("e")
        .iter()
        .filter_map(|e| e["label"].as_str())
        .collect();
    assert!(labels.iter().any(|l| l.contains("设备进场检验记录")), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.contains(&format!("偏差 #{deviation_id}"))),
        "{labels:?}"
    );
    let schedule = app.get(&format!("{base}/schedule"), &app.admin).await.expect(200);
    let phase = schedule["phases"]
        .as_array()
        .expect("p")
        .iter()
        .find(|p| p["code"] == "arrival")
        .expect("arrival")
        .clone();
    assert_eq!(phase["status"], "done");
    assert!(host["quantity"] == 6.0);
}

#[tokio::test]
async fn a_concession_accepted_by_the_client_lets_a_failed_item_pass() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    let rack = item(&items, "机柜");
    let ship = shipment(&app, &base, "FH-RACK").await;
    app.patch(&ship, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);
    app.post(
        &format!("{ship}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(rack), "quantity": 6}]}),
    )
    .await
    .expect(200);
    let failed = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "self", "items": [{"item_id": id(rack), "documents": "fail", "appearance": "pass",
                   "power_on": "na", "note": "缺少合格证 1 份"}]}),
        )
        .await
        .expect(200);
    let deviation = failed[0]["deviation_id"].as_i64().expect("deviation");
    let close = format!("{base}/deviations/{deviation}/close");
    let unnamed = app
        .post(
            &close,
            &app.admin,
            json!({"resolution": "concession", "note": "合格证后补"}),
        )
        .await
        .expect(422);
    assert_eq!(unnamed["field"], "client_approver");
    app.post(
        &close,
        &app.admin,
        json!({"resolution": "concession", "note": "合格证后补", "client_approver": "刘洋"}),
    )
    .await
    .expect(200);
    app.post(
        &close,
        &app.admin,
        json!({"resolution": "concession", "note": "again", "client_approver": "刘洋"}),
    )
    .await
    .expect(409);
    let status = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    let rack = item(status["items"].as_array().expect("i"), "机柜");
    assert_eq!(rack["self_check"], "conceded");
    assert_eq!(rack["open_deviations"], 0);

    // A viewer reads but cannot record.
    let (_, viewer) = app.user("guest", "viewer").await;
    app.get(&format!("{base}/inspections"), &viewer).await.expect(200);
    app.post(
        &format!("{base}/shipments"),
        &viewer,
        json!({"reference": "x", "dispatched_by": "y"}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn installation_records_make_the_site_installation_list_and_complete_phase_three_tasks() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    // Nothing can be installed before it arrives.
    let core = item(&items, "核心交换机");
    let installs = format!("{base}/installations");
    let early = app
        .post(
            &installs,
            &app.admin,
            json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "机房", "installed_on": "2026-03-12"}),
        )
        .await
        .expect(422);
    assert_eq!(early["field"], "serial");
    arrive_everything(&app, &base, &items).await;
    assert_eq!(task(&app, &base, "arrival-inspection").await["status"], "done");
    let (engineer_id, engineer) = app.user("li.ming", "engineer").await;
    app.post(
        &format!("{base}/members"),
        &app.admin,
        json!({"user_id": engineer_id, "role": "engineer"}),
    )
    .await
    .expect(200);

    let bad_ip = app
        .post(
            &installs,
            &engineer,
            json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "机房", "installed_on": "2026-03-12", "ip_address": "10.1.300.1"}),
        )
        .await
        .expect(422);
    assert_eq!(bad_ip["field"], "ip_address");
    app.post(
        &installs,
        &engineer,
        json!({"item_id": id(core), "location": "机房", "installed_on": "2026-03-12"}),
    )
    .await
    .refused(422, "serial");
    let failing = app
        .post(
            &installs,
            &engineer,
            json!({"item_id": id(core), "serial": "HW-CORE-02", "location": "信息中心机房 A03 机柜 20U",
                   "installed_on": "2026-03-12", "ip_address": "10.1.0.2", "commissioning": "fail"}),
        )
        .await
        .expect(422);
    assert_eq!(failing["field"], "commissioning_note");

    // Every goods line installed: the cores unit by unit, the rest by quantity.
    for (n, serial) in ["HW-CORE-01", "HW-CORE-02"].iter().enumerate() {
        app.post(
            &installs,
            &engineer,
            json!({"item_id": id(core), "serial": serial, "location": format!("信息中心机房 A03 机柜 {}U", 20 + n * 2),
                   "installed_on": "2026-03-12", "ip_address": format!("10.1.0.{}", n + 1),
                   "firmware": "V200R022C00SPC500", "config_notes": "VRRP 主备", "commissioning": "pass"}),
        )
        .await
        .expect(200);
    }
    app.post(
        &installs,
        &engineer,
        json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "x", "installed_on": "2026-03-12"}),
    )
    .await
    .expect(409);
    let mut pending = Vec::new();
    for i in items
        .iter()
        .filter(|i| i["service"] == false && i["name"] != "核心交换机")
    {
        let created = app
            .post(
                &installs,
                &engineer,
                json!({"item_id": id(i), "location": "第一审判庭", "installed_on": "2026-03-13"}),
            )
            .await
            .expect(200);
        assert_eq!(created["commissioning"], "pending");
        assert_eq!(created["quantity"], i["quantity"]);
        pending.push(id(&created));
    }
    app.post(
        &installs,
        &engineer,
        json!({"item_id": id(item(&items, "机柜")), "location": "x", "installed_on": "2026-03-13"}),
    )
    .await
    .refused(422, "nothing left");
    assert_eq!(task(&app, &base, "installation").await["status"], "done");
    assert_ne!(task(&app, &base, "commissioning").await["status"], "done");

    for record in &pending {
        app.patch(
            &format!("{installs}/{record}"),
            &engineer,
            json!({"commissioning": "pass", "commissioned_on": "2026-03-16"}),
        )
        .await
        .expect(200);
    }
    let commissioning = task(&app, &base, "commissioning").await;
    assert_eq!(commissioning["status"], "done");
    assert!(
        commissioning["evidence"][0]["label"]
            .as_str()
            .expect("l")
            .contains("现场安装一览表")
    );

    let list = app.get(&installs, &engineer).await.expect(200);
    let list = list.as_array().expect("rows");
    assert_eq!(list.len(), 15, "2 core switches + 13 other goods lines");
    assert_eq!(list[0]["name"], "庭审主机", "in baseline order");
    let first_core = list.iter().find(|r| r["serial"] == "HW-CORE-01").expect("core 1");
    assert_eq!(first_core["ip_address"], "10.1.0.1");
    assert_eq!(first_core["firmware"], "V200R022C00SPC500");
    assert_eq!(first_core["engineer"], "li.ming");
    assert_eq!(first_core["engineer_id"], engineer_id);
    assert!(list.iter().all(|r| r["commissioning"] == "pass"));
}

#[tokio::test]
async fn a_shipment_made_by_mistake_is_deleted_while_empty_and_kept_once_units_arrived() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    let mistake = shipment(&app, &base, "FH-MISTAKE").await;
    app.delete(&mistake, &app.admin).await.expect(400);
    let (_, engineer) = app.user("li.ming", "engineer").await;
    app.delete(&format!("{mistake}?reason=x"), &engineer).await.expect(404);
    // 误建, percent-encoded.
    app.delete(&format!("{mistake}?reason=%E8%AF%AF%E5%BB%BA"), &app.admin)
        .await
        .expect(204);
    app.get(&mistake, &app.admin).await.expect(404);
    let history = app.get(&format!("{base}/history"), &app.admin).await.expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["entity"] == "shipment" && h["action"] == "deleted" && h["reason"] == "误建"),
        "{history}"
    );

    // Once a unit is recorded on a shipment, it stays.
    let real = shipment(&app, &base, "FH-001").await;
    app.patch(&real, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);
    let mic = item(&items, "全向麦克风");
    app.post(
        &format!("{real}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(mic), "quantity": 1}]}),
    )
    .await
    .expect(200);
    app.delete(&format!("{real}?reason=x"), &app.admin)
        .await
        .refused(409, "units recorded");
}

#[tokio::test]
async fn an_installation_recorded_under_the_wrong_serial_is_corrected_with_its_reason() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    arrive_everything(&app, &base, &items).await;
    let core = item(&items, "核心交换机");
    let installs = format!("{base}/installations");
    // The engineer installed HW-CORE-02 but typed the first serial on the label sheet.
    let record = app
        .post(
            &installs,
            &app.admin,
            json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "机房 A03 20U", "installed_on": "2026-03-12"}),
        )
        .await
        .expect(200);
    let path = format!("{installs}/{}", id(&record));
    app.patch(&path, &app.admin, json!({"serial": "HW-CORE-02"}))
        .await
        .refused(422, "reason");
    app.patch(
        &path,
        &app.admin,
        json!({"serial": "HW-CORE-99", "reason": "序列号录入错误"}),
    )
    .await
    .refused(422, "HW-CORE-99");
    let corrected = app
        .patch(
            &path,
            &app.admin,
            json!({"serial": "HW-CORE-02", "reason": "序列号录入错误"}),
        )
        .await
        .expect(200);
    assert_eq!(corrected["serial"], "HW-CORE-02", "{corrected}");
    // The first unit is free again; once it is installed, nothing can be corrected onto it.
    app.post(
        &installs,
        &app.admin,
        json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "机房 A03 22U", "installed_on": "2026-03-12"}),
    )
    .await
    .expect(200);
    app.patch(&path, &app.admin, json!({"serial": "HW-CORE-01", "reason": "再次更正"}))
        .await
        .refused(409, "HW-CORE-01");
    let history = app.get(&format!("{base}/history"), &app.admin).await.expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["field"] == "serial"
                && h["old_value"] == "HW-CORE-01"
                && h["new_value"] == "HW-CORE-02"
                && h["reason"] == "序列号录入错误"),
        "{history}"
    );
}

#[tokio::test]
async fn a_serial_typed_wrong_on_arrival_is_corrected_with_its_reason_until_the_receipt_is_signed() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    let ship = shipment(&app, &base, "FH-002").await;
    app.patch(&ship, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);
    let core = item(&items, "核心交换机");
    let received = app
        .post(
            &format!("{ship}/units"),
            &app.admin,
            json!({"lines": [{"item_id": id(core), "serials": ["HW-C0RE-01", "HW-CORE-02"]}]}),
        )
        .await
        .expect(200);
    let typo = received["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["serial"] == "HW-C0RE-01")
        .expect("the unit typed with a zero")
        .clone();
    let unit = format!("{ship}/units/{}", id(&typo));
    app.patch(&unit, &app.admin, json!({"serial": "HW-CORE-01", "reason": " "}))
        .await
        .refused(422, "reason");
    app.patch(&unit, &app.admin, json!({"serial": "HW-CORE-02", "reason": "录入错误"}))
        .await
        .refused(409, "another unit");
    let fixed = app
        .patch(
            &unit,
            &app.admin,
            json!({"serial": "HW-CORE-01", "reason": "字母 O 录成数字 0"}),
        )
        .await
        .expect(200);
    assert!(
        fixed["units"]
            .as_array()
            .expect("units")
            .iter()
            .any(|u| u["id"] == typo["id"] && u["serial"] == "HW-CORE-01"),
        "{fixed}"
    );
    let history = app.get(&format!("{base}/history"), &app.admin).await.expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["field"] == "serial" && h["old_value"] == "HW-C0RE-01" && h["reason"] == "字母 O 录成数字 0"),
        "{history}"
    );
    // Once the receipt is signed, the serials it printed stay.
    app.post(
        &format!("{ship}/receipt"),
        &app.admin,
        json!({"received_by": "法院信息中心 刘洋"}),
    )
    .await
    .expect(200);
    app.patch(&unit, &app.admin, json!({"serial": "HW-CORE-09", "reason": "再改"}))
        .await
        .refused(409, "signed");
}

#[tokio::test]
async fn a_replacement_unit_takes_the_place_of_the_unit_it_replaces_on_the_record_and_the_forms() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    arrive_everything(&app, &base, &items).await;
    let core = item(&items, "核心交换机");
    let installs = format!("{base}/installations");
    let installed = app
        .post(
            &installs,
            &app.admin,
            json!({"item_id": id(core), "serial": "HW-CORE-01", "location": "机房 A03 20U", "installed_on": "2026-03-12"}),
        )
        .await
        .expect(200);
    // The client's re-check finds HW-CORE-01 dead on power-on: a deviation, closed as replace.
    let failed = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "client", "witness": "法院信息中心 刘洋",
                   "items": [{"item_id": id(core), "documents": "pass", "appearance": "pass", "power_on": "fail", "note": "HW-CORE-01 无法开机"}]}),
        )
        .await
        .expect(200);
    let deviation_id = failed[0]["deviation_id"].as_i64().expect("a deviation");
    let ship = shipment(&app, &base, "FH-RMA-01").await;
    app.patch(&ship, &app.admin, json!({"arrived_on": "2026-03-10"}))
        .await
        .expect(200);
    let all_units = app.get(&format!("{base}/shipments"), &app.admin).await.expect(200);
    let first = all_units
        .as_array()
        .expect("shipments")
        .iter()
        .find(|s| s["reference"] == "FH-ALL")
        .expect("the first shipment")
        .clone();
    let first = app
        .get(&format!("{base}/shipments/{}", id(&first)), &app.admin)
        .await
        .expect(200);
    let broken = first["units"]
        .as_array()
        .expect("units")
        .iter()
        .find(|u| u["serial"] == "HW-CORE-01")
        .expect("HW-CORE-01")
        .clone();
    // What the dead end was: a new serial is one more unit than the baseline has.
    app.post(
        &format!("{ship}/units"),
        &app.admin,
        json!({"lines": [{"item_id": id(core), "serials": ["HW-CORE-11"]}]}),
    )
    .await
    .refused(422, "arrived already");
    let replacements = format!("{ship}/replacements");
    let body = |serial: Option<&str>| json!({"unit_id": id(&broken), "serial": serial, "reason": "无法开机，厂家换货"});
    app.post(&replacements, &app.admin, body(Some("HW-CORE-11")))
        .await
        .refused(409, "closed as replace");
    app.post(
        &format!("{base}/deviations/{deviation_id}/close"),
        &app.admin,
        json!({"resolution": "replace", "note": "厂家 3 月 10 日换货"}),
    )
    .await
    .expect(200);
    app.post(&replacements, &app.admin, body(None))
        .await
        .refused(422, "serial");
    app.post(&replacements, &app.admin, body(Some("HW-CORE-02")))
        .await
        .refused(409, "recorded already");
    let replaced = app
        .post(&replacements, &app.admin, body(Some("HW-CORE-11")))
        .await
        .expect(200);
    let new_unit = replaced["units"][0].clone();
    assert_eq!(new_unit["serial"], "HW-CORE-11", "{replaced}");
    assert_eq!(new_unit["replaces_unit_id"], broken["id"], "{replaced}");
    app.post(&replacements, &app.admin, body(Some("HW-CORE-12")))
        .await
        .refused(409, "replaced already");
    let first = app
        .get(&format!("{base}/shipments/{}", id(&first)), &app.admin)
        .await
        .expect(200);
    assert!(
        first["units"]
            .as_array()
            .expect("units")
            .iter()
            .any(|u| u["id"] == broken["id"] && u["replaced_by_unit_id"] == new_unit["id"]),
        "both stay on record: {first}"
    );

    // The replacement is the unit in place: counted, installed and printed.
    let status = app.get(&format!("{base}/arrival"), &app.admin).await.expect(200);
    let switch = item(status["items"].as_array().expect("items"), "核心交换机");
    assert_eq!(switch["received"], 2.0, "{switch}");
    assert_eq!(switch["serials"], json!(["HW-CORE-02", "HW-CORE-11"]), "{switch}");
    let records = app.get(&installs, &app.admin).await.expect(200);
    let record = records
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["id"] == installed["id"])
        .expect("the installation record")
        .clone();
    assert_eq!(
        record["serial"], "HW-CORE-11",
        "the installation moved to the replacement: {record}"
    );
    let history = app.get(&format!("{base}/history"), &app.admin).await.expect(200);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .any(|h| h["action"] == "replaced"
                && h["old_value"] == "HW-CORE-01"
                && h["new_value"] == "HW-CORE-11"
                && h["reason"] == "无法开机，厂家换货"),
        "{history}"
    );
    app.post(
        &format!("{ship}/receipt"),
        &app.admin,
        json!({"received_by": "法院信息中心 刘洋"}),
    )
    .await
    .expect(200);
    let project = base.rsplit('/').next().expect("id");
    let mut docs = Vec::new();
    for key in ["inspection-record", "installation-list", "receipt"] {
        let (_, docx) = crate::forms::download(&app, &format!("/api/projects/{project}/documents/{key}.docx")).await;
        docs.push((key.to_string(), docx));
    }
    let Some(printed) = jiaofu_tests::reader::render(&docs) else {
        return;
    };
    // The inspection record names both; the installation list only the unit installed; the
    // replacement's own 设备签收单 says what it replaced.
    let inspection_record = printed[0].text();
    crate::forms::expect_text(
        "inspection-record",
        &inspection_record,
        &["HW-CORE-11（替换 HW-CORE-01）", "HW-CORE-02"],
    );
    let list = jiaofu_tests::reader::compact(&printed[1].text());
    assert!(list.contains("HWCORE11") && !list.contains("HWCORE01"), "{list}");
    crate::forms::expect_text(
        "receipt",
        &printed[2].text(),
        &["FH-RMA-01", "HW-CORE-11（替换 HW-CORE-01）"],
    );
}

#[tokio::test]
async fn the_installation_table_is_saved_in_one_call_all_or_nothing_with_each_problem_on_its_row() {
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    arrive_everything(&app, &base, &items).await;
    let table = format!("{base}/installations/table");
    let goods: Vec<&Value> = items.iter().filter(|i| i["service"] == false).collect();
    let mut rows: Vec<Value> = Vec::new();
    for (n, i) in goods.iter().enumerate() {
        let at = format!("第一审判庭 机柜 A 第 {}U", n + 1);
        if i["name"] == "核心交换机" {
            for serial in ["HW-CORE-01", "HW-CORE-02"] {
                rows.push(json!({"item_id": id(i), "serial": serial, "location": at, "installed_on": "2026-03-12", "commissioning": "pass"}));
            }
        } else {
            rows.push(json!({"item_id": id(i), "location": at, "installed_on": "2026-03-12", "commissioning": "pass"}));
        }
    }
    let core_row = rows
        .iter()
        .position(|r| r["serial"] == "HW-CORE-02")
        .expect("the second switch");
    // The second switch typed with the first one's serial, a bad IP address and a bad date.
    let mut bad = rows.clone();
    bad[core_row]["serial"] = json!("HW-CORE-01");
    bad[0]["ip_address"] = json!("10.0.0.300");
    bad[2]["installed_on"] = json!("2026-03-32");
    let dates = app
        .put(&table, &app.admin, json!({"records": bad.clone()}))
        .await
        .expect(422);
    assert_eq!(dates["problems"][0]["row"], 3, "{dates}");
    bad[2]["installed_on"] = json!("2026-03-12");
    let refused = app.put(&table, &app.admin, json!({"records": bad})).await.expect(422);
    let rows_named: Vec<i64> = refused["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["row"].as_i64().expect("row"))
        .collect();
    assert_eq!(rows_named, [1, core_row as i64 + 1], "{refused}");
    assert_eq!(refused["problems"][0]["field"], "ip_address");
    assert!(
        refused["problems"][1]["message"]
            .as_str()
            .expect("m")
            .contains("HW-CORE-01"),
        "{refused}"
    );
    let none = app.get(&format!("{base}/installations"), &app.admin).await.expect(200);
    assert_eq!(none.as_array().expect("records").len(), 0, "nothing was saved");

    let saved = app.put(&table, &app.admin, json!({"records": rows})).await.expect(200);
    assert_eq!(saved, json!({"created": goods.len() + 1, "updated": 0, "unchanged": 0}));
    assert_eq!(task(&app, &base, "installation").await["status"], "done");
    assert_eq!(task(&app, &base, "commissioning").await["status"], "done");

    // The table saved again with one location changed: one update, the rest left alone.
    let records = app.get(&format!("{base}/installations"), &app.admin).await.expect(200);
    let again: Vec<Value> = records
        .as_array()
        .expect("records")
        .iter()
        .enumerate()
        .map(|(n, r)| {
            let location = if n == 0 {
                "第二审判庭 机柜 B 第 1U".into()
            } else {
                r["location"].clone()
            };
            json!({"id": r["id"], "location": location, "installed_on": r["installed_on"]})
        })
        .collect();
    let saved = app.put(&table, &app.admin, json!({"records": again})).await.expect(200);
    assert_eq!(saved, json!({"created": 0, "updated": 1, "unchanged": goods.len()}));
}

#[tokio::test]
async fn each_shipment_prints_its_own_receipt_to_sign_on_delivery() {
    let app = spawn_app().await;
    let (base, _, _) = crate::photos::with_a_failed_inspection(&app).await;
    let shipments = app.get(&format!("{base}/shipments"), &app.admin).await.expect(200);
    let sid = shipments[0]["id"].as_i64().expect("shipment");
    let other = app
        .post(
            &format!("{base}/shipments"),
            &app.admin,
            json!({"reference": "FH-OTHER", "dispatched_by": "采购部 陈芳"}),
        )
        .await
        .expect(200);
    let (status, content_type, docx) =
        crate::photos::bytes(&app, &format!("{base}/shipments/{sid}/receipt.docx"), &app.admin).await;
    assert_eq!(status, 200);
    assert!(content_type.contains("wordprocessingml"), "{content_type}");
    let (status, _, _) = crate::photos::bytes(&app, &format!("{base}/shipments/999999/receipt.docx"), &app.admin).await;
    assert_eq!(status, 404);
    let (_, outsider) = app.user("li.ming", "engineer").await;
    let (status, _, _) = crate::photos::bytes(&app, &format!("{base}/shipments/{sid}/receipt.docx"), &outsider).await;
    assert_eq!(status, 404, "not a member");
    let Some(printed) = jiaofu_tests::reader::render(&[("receipt".into(), docx)]) else {
        return;
    };
    let text = jiaofu_tests::reader::compact(&printed[0].text());
    assert!(
        text.contains("设备签收单") && text.contains("FHRACK") && text.contains("机柜"),
        "{text}"
    );
    assert!(
        !text.contains(&other["reference"].as_str().expect("ref").replace('-', "")),
        "only this shipment: {text}"
    );
    assert!(!text.contains("草稿"), "a form to sign is not marked draft: {text}");
    assert_eq!(printed[0].pages.len(), 1, "one page for one shipment");
}

#[tokio::test]
async fn an_installation_dated_today_on_site_is_taken_while_it_is_still_yesterday_in_utc() {
    use jiaofu::service::{Actor, access, installation};
    let app = spawn_app().await;
    let (base, items) = with_baseline(&app).await;
    arrive_everything(&app, &base, &items).await;
    let project_id: i32 = base.rsplit('/').next().expect("id").parse().expect("a number");
    let rack = items.iter().find(|i| i["name"] == "机柜").expect("机柜")["item_id"]
        .as_i64()
        .expect("id") as i32;
    let p = access::grant::<access::Manage>(&app.state.db, &Actor::system(), project_id)
        .await
        .expect("granted");
    // 01:00 on 10 March in Shanghai, the project's time zone, is 17:00 on 9 March in UTC.
    let now = chrono::DateTime::parse_from_rfc3339("2026-03-09T17:00:00Z")
        .expect("instant")
        .with_timezone(&chrono::Utc);
    let on = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let input = |day: &str| installation::InstallationInput {
        item_id: Some(rack),
        quantity: Some(1.0),
        location: Some("信息中心机房 A03".into()),
        installed_on: on(day),
        ..Default::default()
    };
    let saved = installation::create(&app.state.db, &p, input("2026-03-10"), now)
        .await
        .expect("the site's today is not the future");
    assert_eq!(saved.installed_on.to_string(), "2026-03-10");
    let refused = installation::create(&app.state.db, &p, input("2026-03-11"), now).await;
    assert!(refused.is_err(), "tomorrow on site is");
}
