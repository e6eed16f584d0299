use jiaofu_tests::{fixture, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn project(app: &jiaofu_tests::TestApp) -> String {
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    format!("/api/projects/{id}/equipment-lists")
}

fn names(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().expect("name").to_string())
        .collect()
}

#[tokio::test]
async fn a_dry_run_previews_the_contract_list_and_writes_nothing() {
    let app = spawn_app().await;
    let path = project(&app).await;
    let preview = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract"), ("dry_run", "true")],
            "courtroom-contract-list.xlsx",
            fixture("courtroom-contract-list.xlsx"),
        )
        .await
        .expect(200);
    assert_eq!(preview["sheet"], "协议设备清单");
    assert_eq!(preview["header_row"], 4);
    assert_eq!(names(&preview).len(), 15);
    assert_eq!(preview["skipped_total_rows"], 1);
    assert!(preview["list"].is_null());
    assert_eq!(preview["items"][0]["category"], "庭审录音录像系统");
    let columns: Vec<(String, String)> = preview["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["field"].as_str().expect("f").into(),
                c["column"].as_str().expect("c").into(),
            )
        })
        .collect();
    assert!(columns.contains(&("quantity".into(), "F".into())), "{columns:?}");
    assert_eq!(app.get(&path, &app.admin).await.expect(200), serde_json::json!([]));
}

#[tokio::test]
async fn every_import_is_a_new_version_and_every_fixture_format_imports() {
    let app = spawn_app().await;
    let path = project(&app).await;
    for (i, name) in [
        "courtroom-contract-list.xlsx",
        "courtroom-contract-list.xls",
        "courtroom-contract-list.ods",
        "courtroom-contract-list-gbk.csv",
    ]
    .iter()
    .enumerate()
    {
        let done = app
            .upload(&path, &app.admin, &[("kind", "contract")], name, fixture(name))
            .await
            .expect(200);
        assert_eq!(done["list"]["version"], i as i64 + 1, "{name}");
        assert_eq!(done["item_count"], 15, "{name}");
        assert!(
            done["items"].as_array().expect("items").is_empty(),
            "a commit answers with counts"
        );
    }
    let lists = app.get(&path, &app.admin).await.expect(200);
    assert_eq!(lists.as_array().expect("lists").len(), 4);
    let first = lists[0]["id"].as_i64().expect("id");
    let one = app.get(&format!("{path}/{first}"), &app.admin).await.expect(200);
    assert_eq!(one["items"][3]["name"], "全向麦克风");
    assert_eq!(one["items"][3]["quantity"], 48.0);
    assert_eq!(one["file_sha256"].as_str().expect("sha").len(), 64);
}

#[tokio::test]
async fn the_purchase_order_is_reconciled_against_the_contract_list() {
    let app = spawn_app().await;
    let path = project(&app).await;
    app.get(&format!("{path}/reconciliation"), &app.admin).await.expect(409);
    app.upload(
        &path,
        &app.admin,
        &[("kind", "contract")],
        "courtroom-contract-list.xlsx",
        fixture("courtroom-contract-list.xlsx"),
    )
    .await
    .expect(200);
    app.upload(
        &path,
        &app.admin,
        &[("kind", "purchase_order")],
        "courtroom-purchase-order.xlsx",
        fixture("courtroom-purchase-order.xlsx"),
    )
    .await
    .expect(200);
    let r = app.get(&format!("{path}/reconciliation"), &app.admin).await.expect(200);
    let found: Vec<(String, String, String)> = r["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().expect("kind").into(),
                d["contract_value"].as_str().unwrap_or_default().into(),
                d["order_value"].as_str().unwrap_or_default().into(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("quantity".into(), "48".into(), "44".into()),
            ("missing".into(), "高清矩阵".into(), String::new()),
            ("model".into(), "S5735-L48T4X-A1".into(), "S5735-L48T4X-A".into()),
            ("extra".into(), String::new(), "UPS 不间断电源".into()),
        ]
    );
    assert_eq!(r["differences"][0]["contract_item"]["name"], "全向麦克风");
    assert_eq!(r["differences"][0]["label"], "数量不一致");
}

#[tokio::test]
async fn a_problem_deep_in_a_long_list_rolls_back_the_rows_already_written() {
    // Rows are written in chunks of 1,000 while the file is still being read: a bad row after
    // the second chunk must still leave nothing behind, and one with a special character intact.
    let app = spawn_app().await;
    let path = project(&app).await;
    let mut csv = String::from("序号,设备名称,型号,数量,单位,备注\n");
    for n in 1..=2500 {
        let quantity = if n == 2400 {
            "若干".to_string()
        } else {
            (n % 9 + 1).to_string()
        };
        csv.push_str(&format!(
            "{n},\"网络摄像机 \"\"{n}\"\"\",DS-{n:05},{quantity},台,含支架\\吊装\n"
        ));
    }
    let refused = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "long.csv",
            csv.clone().into_bytes(),
        )
        .await
        .expect(422);
    let message = refused["message"].as_str().expect("message");
    assert!(message.contains("long!D2401 数量: '若干' is not a number"), "{message}");
    assert_eq!(app.get(&path, &app.admin).await.expect(200), serde_json::json!([]));

    let done = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract"), ("exclude_rows", "2401")],
            "long.csv",
            csv.into_bytes(),
        )
        .await
        .expect(200);
    assert_eq!(done["item_count"], 2499);
    let list = app
        .get(&format!("{path}/{}", done["list"]["id"]), &app.admin)
        .await
        .expect(200);
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2499);
    assert_eq!(items[2498]["name"], "网络摄像机 \"2500\"");
    assert_eq!(items[2498]["row"], 2501, "in file order, the left-out row missing");
    assert_eq!(items[0]["remark"], "含支架\\吊装");
}

#[tokio::test]
async fn a_file_with_problems_commits_nothing_unless_the_bad_rows_are_left_out() {
    let app = spawn_app().await;
    let path = project(&app).await;
    let csv = "序号,设备名称,型号,数量,单位\n1,交换机,S5735,2,台\n2,硬盘,ST8000,十,块\n3,机柜,G2.6042,6台,\n"
        .as_bytes()
        .to_vec();
    let refused = app
        .upload(&path, &app.admin, &[("kind", "contract")], "list.csv", csv.clone())
        .await
        .expect(422);
    assert_eq!(refused["field"], "file");
    let msg = refused["message"].as_str().expect("message");
    assert!(
        msg.contains("list!D3 数量: '十' is not a number") && msg.contains("exclude_rows=3"),
        "{msg}"
    );
    assert_eq!(app.get(&path, &app.admin).await.expect(200), serde_json::json!([]));

    let done = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract"), ("exclude_rows", "3")],
            "list.csv",
            csv,
        )
        .await
        .expect(200);
    assert_eq!(done["item_count"], 2);
    let list = app
        .get(&format!("{path}/{}", done["list"]["id"]), &app.admin)
        .await
        .expect(200);
    assert_eq!(names(&list), ["交换机", "机柜"]);
    assert_eq!(list["items"][1]["unit"], "台", "a unit glued to the quantity");

    // A mapping that points at an empty column (a wrong letter) is said, not imported as blanks.
    let csv = "设备名称,品牌,数量\n交换机,华为,2\n".as_bytes().to_vec();
    let refused = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract"), ("mapping", r#"{"model": "E"}"#)],
            "order.csv",
            csv,
        )
        .await
        .expect(422);
    let msg = refused["message"].as_str().expect("message");
    assert!(msg.contains("model is mapped to column E"), "{msg}");
}

#[tokio::test]
async fn broken_and_oversized_uploads_get_clear_errors_and_write_nothing() {
    let app = spawn_app_with(|s| s.upload_max_bytes = 1024 * 1024).await;
    let path = project(&app).await;
    let garbage = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "list.xlsx",
            b"PK\x03\x04 not really".to_vec(),
        )
        .await
        .expect(422);
    assert!(
        garbage["message"]
            .as_str()
            .expect("m")
            .starts_with("file: the file cannot be read"),
        "{garbage}"
    );
    let pdf = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "list.pdf",
            b"%PDF-1.7".to_vec(),
        )
        .await
        .expect(422);
    assert!(
        pdf["message"]
            .as_str()
            .expect("m")
            .contains(".xlsx, .xlsm, .xls, .ods or .csv")
    );
    let big = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "big.csv",
            vec![b'a'; 2 * 1024 * 1024],
        )
        .await;
    assert_eq!(big.status, 413);
    assert!(big.body["message"].as_str().expect("m").contains("limited to 1 MB"));
    let kind = app
        .upload(&path, &app.admin, &[("kind", "invoice")], "list.csv", b"a".to_vec())
        .await
        .expect(422);
    assert_eq!(kind["field"], "kind");
    assert_eq!(app.get(&path, &app.admin).await.expect(200), serde_json::json!([]));

    let (_, engineer) = app.user("li.ming", "engineer").await;
    let forbidden = app
        .upload(&path, &engineer, &[("kind", "contract")], "list.csv", b"a".to_vec())
        .await;
    assert_eq!(forbidden.status, 404, "not a member: the project is invisible");
}

#[tokio::test]
async fn two_versions_of_a_list_can_be_compared() {
    let app = spawn_app().await;
    let path = project(&app).await;
    let v1 = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "courtroom-contract-list.xlsx",
            fixture("courtroom-contract-list.xlsx"),
        )
        .await
        .expect(200);
    let edited = "序号,设备名称,品牌,型号,规格参数,数量,单位\n1,庭审主机,科达,KDV-TR8000,\"8路高清编码, 双硬盘 4TB\",8,台\n2,UPS 不间断电源,山特,C3KS,3kVA 在线式,6,台\n".as_bytes().to_vec();
    let v2 = app
        .upload(&path, &app.admin, &[("kind", "contract")], "contract-v2.csv", edited)
        .await
        .expect(200);
    assert_eq!(v2["list"]["version"], 2);
    let (a, b) = (
        v1["list"]["id"].as_i64().expect("id"),
        v2["list"]["id"].as_i64().expect("id"),
    );
    let diff = app.get(&format!("{path}/{a}/diff/{b}"), &app.admin).await.expect(200);
    let kinds: Vec<&str> = diff
        .as_array()
        .expect("diff")
        .iter()
        .map(|d| d["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "missing").count(),
        14,
        "14 lines removed: {kinds:?}"
    );
    assert_eq!(diff[0]["kind"], "quantity");
    assert_eq!(
        (diff[0]["contract_value"].as_str(), diff[0]["order_value"].as_str()),
        (Some("6"), Some("8"))
    );
    assert_eq!(kinds.last(), Some(&"extra"));
    // Two versions of one list: nothing here is an order, so no label speaks of one.
    let labels: Vec<&str> = diff
        .as_array()
        .expect("diff")
        .iter()
        .map(|d| d["label"].as_str().expect("label"))
        .collect();
    assert!(labels.iter().all(|l| !l.contains("订购单")), "{labels:?}");
    assert_eq!((labels[0], labels[labels.len() - 1]), ("数量变更", "新版本新增"));
    app.get(&format!("{path}/{a}/diff/999"), &app.admin).await.expect(404);
}

#[tokio::test]
async fn approving_the_itemised_list_completes_the_equipment_list_task() {
    let app = spawn_app().await;
    let path = project(&app).await;
    let contract = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "contract")],
            "courtroom-contract-list.xlsx",
            fixture("courtroom-contract-list.xlsx"),
        )
        .await
        .expect(200);
    let contract_id = contract["list"]["id"].as_i64().expect("id");
    app.post(
        &format!("{path}/{contract_id}/approve"),
        &app.admin,
        serde_json::json!({}),
    )
    .await
    .refused(409, "分项设备清单审定版");

    let approved = app
        .upload(
            &path,
            &app.admin,
            &[("kind", "approved")],
            "审定版.xlsx",
            fixture("courtroom-contract-list.xlsx"),
        )
        .await
        .expect(200);
    let id = approved["list"]["id"].as_i64().expect("id");
    let done = app
        .post(&format!("{path}/{id}/approve"), &app.admin, serde_json::json!({}))
        .await
        .expect(200);
    assert!(done["approved_at"].is_string());
    app.post(&format!("{path}/{id}/approve"), &app.admin, serde_json::json!({}))
        .await
        .expect(409);

    let project_path = path.trim_end_matches("/equipment-lists");
    let schedule = app
        .get(&format!("{project_path}/schedule"), &app.admin)
        .await
        .expect(200);
    let task = schedule["phases"][0]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["code"] == "equipment-list")
        .expect("设备清单确定")
        .clone();
    assert_eq!(task["status"], "done");
    assert_eq!(task["note"], "分项设备清单审定版 v1 已审定");
}

#[tokio::test]
async fn the_change_notice_needs_every_decision_and_reaches_both_parties_by_email() {
    use jiaofu::{config::Secret, jobs::delivery};
    let sink = jiaofu_tests::SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |s| s.smtp_url = Some(Secret::new(url))).await;
    let (pm, pm_token) = app.user("wang.jianguo", "manager").await;
    app.patch(
        &format!("/api/users/{pm}"),
        &app.admin,
        serde_json::json!({"display_name": "王建国"}),
    )
    .await
    .expect(200);
    let created = app
        .post(
            "/api/projects",
            &pm_token,
            serde_json::json!({"code": "ZJFY-2026-018", "name": "数字法庭建设项目", "client_name": "某市中级人民法院", "contract_signed_on": "2026-03-02"}),
        )
        .await
        .expect(200);
    let id = created["id"].as_i64().expect("id");
    app.post(
        &format!("/api/projects/{id}/contacts"),
        &pm_token,
        serde_json::json!({"name": "陈志刚", "email": "chen@court.example.cn", "role": "甲方项目负责人"}),
    )
    .await
    .expect(200);
    let path = format!("/api/projects/{id}/equipment-lists");
    app.upload(
        &path,
        &pm_token,
        &[("kind", "contract")],
        "c.xlsx",
        fixture("courtroom-contract-list.xlsx"),
    )
    .await
    .expect(200);
    app.upload(
        &path,
        &pm_token,
        &[("kind", "purchase_order")],
        "po.xlsx",
        fixture("courtroom-purchase-order.xlsx"),
    )
    .await
    .expect(200);

    let undecided = app
        .post(&format!("{path}/change-notices"), &pm_token, serde_json::json!({}))
        .await
        .expect(422);
    assert!(
        undecided["message"]
            .as_str()
            .expect("m")
            .contains("数量不一致 全向麦克风"),
        "{undecided}"
    );

    let r = app.get(&format!("{path}/reconciliation"), &pm_token).await.expect(200);
    let decisions = [
        ("甲方调整庭审座位，减少 4 只", "按订购单 44 只执行"),
        ("矩阵改由庭审主机内置切换", "取消订购，甲方确认"),
        ("厂家型号更新（A1 停产）", "按新型号 S5735-L48T4X-A 订购"),
        ("甲方要求增加不间断电源", "增补 6 台，另签补充协议"),
    ];
    for (d, (reason, decision)) in r["differences"].as_array().expect("differences").iter().zip(decisions) {
        let key = d["key"].as_str().expect("key");
        app.put(
            &format!("{path}/reconciliation/decisions"),
            &pm_token,
            serde_json::json!({"key": key, "reason": reason, "decision": decision}),
        )
        .await
        .expect(204);
    }
    let bad = app
        .put(
            &format!("{path}/reconciliation/decisions"),
            &pm_token,
            serde_json::json!({"key": "nope", "reason": "x", "decision": "y"}),
        )
        .await
        .expect(422);
    assert_eq!(bad["field"], "key");

    let notice = app
        .post(&format!("{path}/change-notices"), &pm_token, serde_json::json!({}))
        .await
        .expect(200);
    assert_eq!(notice["number"], "ZJFY-2026-018-BG-01");
    assert_eq!(notice["recipients"], 2);

    delivery::run_once(&app.state, &app.state.mailer, "w", chrono::Utc::now())
        .await
        .expect("delivery");
    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    let to: Vec<&str> = mails.iter().map(|m| m.envelope_to.as_str()).collect();
    assert!(
        to.contains(&"chen@court.example.cn") && to.contains(&"wang.jianguo@example.com"),
        "{to:?}"
    );
    let client = mails
        .iter()
        .find(|m| m.envelope_to == "chen@court.example.cn")
        .expect("client mail");
    assert_eq!(
        client.subject,
        "【设备清单变更通知】ZJFY-2026-018 第 ZJFY-2026-018-BG-01 号"
    );
    assert!(client.text.starts_with("陈志刚，您好"));
    assert!(client.text.contains("[数量不一致] 全向麦克风"));
    assert!(client.text.contains("协议清单：48　订购单：44"));
    assert!(client.text.contains("处理意见：增补 6 台，另签补充协议"));
}

#[tokio::test]
async fn hostile_files_are_refused_with_what_is_wrong_and_nothing_is_written() {
    use jiaofu_tests::files::{TWO_CELLS, declare_uncompressed, ods, ods_row, xls_with_dimensions, xlsx};
    let app = spawn_app().await;
    let path = project(&app).await;
    let far_cell = format!(r#"{TWO_CELLS}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#);
    let whole = xlsx("A1:B2", TWO_CELLS, None);
    let mut locked = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    locked.extend(vec![0u8; 504]);
    locked.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let ods_bomb = ods(&format!(
        r#"{}<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#,
        ods_row(&["设备名称", "数量"])
    ));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "declared.xlsx",
            xlsx("A1:XFD1048576", TWO_CELLS, None),
            "1048576 rows × 16384 columns",
        ),
        ("far.xlsx", xlsx("A1:B2", &far_cell, None), "too large to import"),
        (
            "bomb.xlsx",
            declare_uncompressed(
                xlsx("A1:B2", TWO_CELLS, Some(("xl/media/pad.bin", 1024))),
                "xl/media/pad.bin",
                3_000_000_000,
            ),
            "unpacks to 2861 MB",
        ),
        (
            "truncated.xlsx",
            whole[..whole.len() / 2].to_vec(),
            "cannot be read as a spreadsheet",
        ),
        ("locked.xlsx", locked, "password-protected"),
        (
            "long.csv",
            format!("名称,数量\n{},2\n", "长".repeat(32_768)).into_bytes(),
            "!A2 holds more than 32767 characters",
        ),
        ("repeats.ods", ods_bomb, "spans 1000001 rows × 100 columns"),
        (
            "declared.xls",
            xls_with_dimensions(fixture("courtroom-contract-list.xls"), |d| d[1] = 4_000_000_000),
            "4000000000 rows",
        ),
    ];
    for (name, bytes, says) in cases {
        let refused = app
            .upload(&path, &app.admin, &[("kind", "contract")], name, bytes)
            .await
            .expect(422);
        assert_eq!(refused["field"], "file", "{name}");
        let message = refused["message"].as_str().expect("message");
        assert!(message.starts_with("file: "), "{name}: {message}");
        assert!(message.contains(says), "{name}: {message}");
    }
    assert_eq!(app.get(&path, &app.admin).await.expect(200), serde_json::json!([]));
}

#[tokio::test]
async fn the_approved_list_is_built_from_the_contract_list_and_the_decisions_then_approved() {
    let app = spawn_app().await;
    let path = project(&app).await;
    for (kind, file) in [
        ("contract", "courtroom-contract-list.xlsx"),
        ("purchase_order", "courtroom-purchase-order.xlsx"),
    ] {
        app.upload(&path, &app.admin, &[("kind", kind)], file, fixture(file))
            .await
            .expect(200);
    }
    let build = format!("{path}/build-approved");
    let r = app.get(&format!("{path}/reconciliation"), &app.admin).await.expect(200);
    let differences = r["differences"].as_array().expect("differences").clone();
    let contract = app
        .get(&format!("{path}/{}", r["contract"]["id"]), &app.admin)
        .await
        .expect(200);
    // 48 → 44 microphones and the UPS follow the order; the matrix stays although the order lacks
    // it; the switch keeps the contract's model.
    let choices = [
        ("甲方调整庭审座位，减少 4 只", "按订购单 44 只执行", Some("order")),
        ("矩阵由甲方另行采购前保留", "保留，补订", Some("contract")),
        ("订购单笔误", "按合同型号 A1 订购", Some("contract")),
        ("甲方要求增加不间断电源", "增补 6 台", None),
    ];
    let decide = |key: &str, (reason, decision, adopt): (&str, &str, Option<&str>)| serde_json::json!({"key": key, "reason": reason, "decision": decision, "adopt": adopt});
    for (d, choice) in differences.iter().zip(choices) {
        app.put(
            &format!("{path}/reconciliation/decisions"),
            &app.admin,
            decide(d["key"].as_str().expect("key"), choice),
        )
        .await
        .expect(204);
    }
    let undecided = app
        .post(&build, &app.admin, serde_json::json!({}))
        .await
        .refused(422, "订购单多出 UPS 不间断电源");
    assert_eq!(undecided["field"], "differences");
    let extra_key = differences[3]["key"].as_str().expect("key");
    app.put(
        &format!("{path}/reconciliation/decisions"),
        &app.admin,
        decide(extra_key, ("甲方要求增加不间断电源", "增补 6 台", Some("both"))),
    )
    .await
    .refused(422, "order, contract");
    app.put(
        &format!("{path}/reconciliation/decisions"),
        &app.admin,
        decide(extra_key, ("甲方要求增加不间断电源", "增补 6 台", Some("order"))),
    )
    .await
    .expect(204);
    app.post(&build, &app.admin, serde_json::json!({}))
        .await
        .refused(409, "设备清单变更通知");
    app.post(&format!("{path}/change-notices"), &app.admin, serde_json::json!({}))
        .await
        .expect(200);

    let built = app.post(&build, &app.admin, serde_json::json!({})).await.expect(200);
    assert_eq!(built["kind"], "approved", "{built}");
    assert_eq!(built["version"], 1);
    let items = built["items"].as_array().expect("items");
    let find = |name: &str| {
        items
            .iter()
            .find(|i| i["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {built}"))
    };
    let contract_items = contract["items"].as_array().expect("items");
    assert_eq!(items.len(), contract_items.len() + 1, "every contract line and the UPS");
    let microphone = find("全向麦克风");
    assert_eq!(microphone["quantity"], 44.0);
    let price = microphone["unit_price"].as_f64().expect("the contract's price stays");
    assert_eq!(microphone["amount"].as_f64(), Some(price * 44.0));
    find("高清矩阵");
    assert!(items.iter().any(|i| i["model"] == "S5735-L48T4X-A1"), "{built}");
    let ups = items.last().expect("the added line comes last");
    assert_eq!(ups["name"], "UPS 不间断电源");
    assert!(
        ups["unit_price"].is_null(),
        "our purchase price is not the client's: {ups}"
    );

    let list_id = built["id"].as_i64().expect("id");
    app.post(&format!("{path}/{list_id}/approve"), &app.admin, serde_json::json!({}))
        .await
        .expect(200);
    let project_path = path.trim_end_matches("/equipment-lists");
    let arrival = app
        .get(&format!("{project_path}/arrival"), &app.admin)
        .await
        .expect(200);
    assert!(
        arrival["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|i| i["name"] == "UPS 不间断电源"),
        "the built list is the baseline: {arrival}"
    );
}

#[tokio::test]
async fn a_purchase_orders_terms_are_stated_on_it_and_carried_to_its_next_version() {
    let app = spawn_app().await;
    let path = project(&app).await;
    let import = |kind: &'static str, name: &'static str| {
        let (app, path) = (&app, &path);
        async move {
            let body = app
                .upload(path, &app.admin, &[("kind", kind)], name, fixture(name))
                .await
                .expect(200);
            body["list"]["id"].as_i64().expect("list id")
        }
    };
    let contract = import("contract", "courtroom-contract-list.xlsx").await;
    let first = import("purchase_order", "courtroom-purchase-order.xlsx").await;
    let one = app.get(&format!("{path}/{first}"), &app.admin).await.expect(200);
    assert_eq!(one["order_terms"]["supplier"], Value::Null, "nothing stated yet");

    let terms = json!({
        "supplier": "杭州某某科技有限公司",
        "ordered_on": "2026-03-09",
        "delivery_due_on": "2026-03-20",
        "delivery_place": "审判楼一层设备间",
    });
    app.put(&format!("{path}/{contract}/order-terms"), &app.admin, terms.clone())
        .await
        .refused(409, "only a 设备订购单");
    app.put(
        &format!("{path}/{first}/order-terms"),
        &app.admin,
        json!({"supplier": "x", "ordered_on": "2026-02-30"}),
    )
    .await
    .refused(422, "ordered_on");
    app.put(&format!("{path}/{first}/order-terms"), &app.admin, terms.clone())
        .await
        .expect(200);

    let second = import("purchase_order", "courtroom-purchase-order.xlsx").await;
    let two = app.get(&format!("{path}/{second}"), &app.admin).await.expect(200);
    assert_eq!(two["version"], 2);
    assert_eq!(two["order_terms"], terms, "the next version starts with the terms");
    let contract_list = app.get(&format!("{path}/{contract}"), &app.admin).await.expect(200);
    assert_eq!(contract_list["order_terms"], Value::Null, "a contract list has none");
}
