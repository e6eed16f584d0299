//! `jiaofu demo`: a realistic digital-courtroom project signed 22 days ago, with its people, its
//! equipment lists reconciled and approved, everything arrived and inspected (one deviation on
//! the way), installed and commissioned, and a work log: every delivery form has its data.
use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

mod after_sales;
mod delivered;
mod service_year;

use super::{
    Actor, arrival, auth, documents, equipment,
    installation::{self, InstallationInput},
    projects,
    schedule::{self, TaskAction, TaskUpdate},
    test_plans, users,
};
use crate::{
    domain::{schedule::local_today, types::Role},
    error::AppError,
    state::AppState,
};

/// How long ago the demo contract was signed: phases 1 and 2 are behind it, phase 3 is due in 3 days.
const SIGNED_DAYS_AGO: u64 = 22;

struct DemoUser {
    username: &'static str,
    name: &'static str,
    email: &'static str,
    role: Role,
    project_role: &'static str,
}

const PEOPLE: &[DemoUser] = &[
    DemoUser {
        username: "wang.jianguo",
        name: "王建国",
        email: "wang.jianguo@example.com",
        role: Role::Manager,
        project_role: "pm",
    },
    DemoUser {
        username: "li.ming",
        name: "李明",
        email: "li.ming@example.com",
        role: Role::Engineer,
        project_role: "engineer",
    },
    DemoUser {
        username: "zhao.lei",
        name: "赵磊",
        email: "zhao.lei@example.com",
        role: Role::Engineer,
        project_role: "engineer",
    },
];

const CONTACTS: &[(&str, &str, &str, &str)] = &[
    (
        "陈志刚",
        "chen.zhigang@court.example.cn",
        "0571-8765-4321",
        "甲方项目负责人",
    ),
    ("刘芳", "liu.fang@court.example.cn", "0571-8765-4388", "甲方测试工程师"),
    ("周文涛", "zhou.wentao@court.example.cn", "0571-8765-4300", "签字代表"),
];

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// How much after-sales history the demo writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// Everything, as `jiaofu demo` writes it: with a year on four more courts for the statistics.
    Full,
    /// Without the year on four more courts: for tests that do not read the statistics, which
    /// it would slow by seconds each.
    WithoutServiceYear,
}

/// Creates the demo project (once per day) and returns a summary to print.
pub async fn create(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<String> {
    Box::pin(create_with(state, now, History::Full)).await
}

/// Creates the demo project (once per day) with as much history as asked.
#[tracing::instrument(skip_all)]
pub async fn create_with(state: &AppState, now: DateTime<Utc>, history: History) -> anyhow::Result<String> {
    let db = &state.db;
    let tz: Tz = state.settings.timezone;
    let today = local_today(now, tz);
    let signed = today - Days::new(SIGNED_DAYS_AGO);
    let code = format!("ZJFY-DEMO-{}", today.format("%Y%m%d"));
    let system = Actor::system();
    let mut out = String::new();

    let mut ids = Vec::new();
    for p in PEOPLE {
        let user = match users::find_by_username(db, p.username).await.map_err(err)? {
            Some(u) => u,
            None => {
                let password = auth::random_password();
                let u = users::create(
                    db,
                    &system,
                    users::NewUser {
                        username: p.username.into(),
                        display_name: Some(p.name.into()),
                        email: Some(p.email.into()),
                        role: p.role.as_str().into(),
                        password: password.clone(),
                        mail: None,
                    },
                    now,
                )
                .await
                .map_err(err)?;
                out.push_str(&format!(
                    "user {:<14} {} ({}), password: {password}\n",
                    p.username, p.name, p.role
                ));
                u
            }
        };
        ids.push((user.id, p.project_role));
    }

    let team = (ids[0].0, ids[1].0, ids[2].0);
    let today_demo = Courtroom {
        code: code.clone(),
        name: "杭州市中级人民法院数字法庭建设项目",
        client: "杭州市中级人民法院",
        site: "浙江省杭州市上城区之江路 1 号 审判楼 3–5 层",
        contract_number: "HZZY-XX-2026-031",
        region: "浙江杭州",
        signed,
        delivery_after: 30,
    };
    let Some(pid) = courtroom(state, &system, &today_demo, &ids, tz, now)
        .await
        .map_err(err)?
    else {
        out.push_str(&format!("demo project {code} exists already (one per day)\n"));
        return Ok(out);
    };
    // Boxed: each step's state is large, and a test thread's stack is 2 MiB.
    Box::pin(delivery(state, &system, pid, signed, tz, team, now))
        .await
        .map_err(err)?;
    Box::pin(functional_test(state, &system, pid, now)).await.map_err(err)?;
    out.push_str(&format!(
        "demo project {code} (id {pid}) 杭州市中级人民法院数字法庭建设项目, signed {signed}: \
         前期准备 due {}, 设备到货 due {}, 工程安装 and 项目验收 due {}\n\
         equipment lists reconciled and approved, a change notice issued, everything arrived and \
         inspected (one deviation, closed), installed and commissioned, a work log of 5 days; the \
         functional test plan (数字法庭 + 音响扩声) made, its conditions confirmed by both sides, ready for results\n",
        signed + Days::new(7),
        signed + Days::new(15),
        signed + Days::new(25),
    ));

    // The same delivery 80 days back, carried through phase 4 to its summary.
    let signed = today - Days::new(delivered::SIGNED_DAYS_AGO);
    let done = Courtroom {
        code: format!("{code}-JF"),
        name: "宁波市鄞州区人民法院数字法庭建设项目",
        client: "宁波市鄞州区人民法院",
        site: "浙江省宁波市鄞州区天童南路 588 号 审判楼 2–4 层",
        contract_number: "NBYZ-XX-2026-012",
        region: "浙江宁波",
        signed,
        delivery_after: 70,
    };
    if let Some(pid) = courtroom(state, &system, &done, &ids, tz, now).await.map_err(err)? {
        // Phases 1–3 as they were then: what they complete is dated the day after their last event.
        let then = at(signed + Days::new(SIGNED_DAYS_AGO + 1), tz);
        Box::pin(delivery(state, &system, pid, signed, tz, team, then))
            .await
            .map_err(err)?;
        let said = Box::pin(delivered::phase_four(state, pid, signed, tz, (team.0, team.1)))
            .await
            .map_err(err)?;
        out.push_str(&format!(
            "demo project {} (id {pid}) {}, signed {signed}: {said}\n",
            done.code, done.name
        ));
        let delivered = <entity::project::Entity as sea_orm::EntityTrait>::find_by_id(pid)
            .one(db)
            .await?
            .and_then(|p| p.delivered_on);
        if delivered.is_some() {
            let said = Box::pin(after_sales::history(state, pid, team, now))
                .await
                .map_err(err)?;
            out.push_str(&format!("  {said}\n"));
        }
        if delivered.is_some() && history == History::Full {
            let said = Box::pin(service_year::year(state, &code, team, now))
                .await
                .map_err(err)?;
            out.push_str(&format!("{said}\n"));
        }
    }
    Ok(out)
}

/// A demo project's particulars.
struct Courtroom {
    code: String,
    name: &'static str,
    client: &'static str,
    site: &'static str,
    contract_number: &'static str,
    region: &'static str,
    signed: NaiveDate,
    /// The contractual delivery date, days after the signing.
    delivery_after: u64,
}

/// Creates a demo courtroom project with the demo's people and the client's contacts; `None`
/// when a project with its code exists (one per day).
async fn courtroom(
    state: &AppState,
    system: &Actor,
    c: &Courtroom,
    ids: &[(i32, &'static str)],
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Option<i32>, AppError> {
    let db = &state.db;
    let project = match projects::create(
        db,
        &state.templates,
        tz,
        system,
        projects::NewProject {
            code: c.code.clone(),
            name: c.name.into(),
            client_name: c.client.into(),
            site_address: Some(c.site.into()),
            contract_number: Some(c.contract_number.into()),
            supervisor: Some("浙江求实工程监理有限公司".into()),
            region: Some(c.region.into()),
            category: Some("政法系统集成".into()),
            system_types: vec!["数字法庭".into(), "音响扩声".into()],
            contract_signed_on: c.signed.to_string(),
            delivery_due_on: Some((c.signed + Days::new(c.delivery_after)).to_string()),
            plan: None,
            timezone: None,
            status: None,
        },
        now,
    )
    .await
    {
        Ok(p) => p,
        Err(AppError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let granted = super::access::grant::<super::access::Manage>(db, system, project.id).await?;
    for (user_id, role) in ids {
        projects::add_member(db, &granted, projects::Person::Id(*user_id), role, now).await?;
    }
    // Engineers do the site work; their reminders go to them instead of the PM.
    let (_, tasks) = super::schedule::load(db, &granted).await?;
    for (code, engineer) in [
        ("site-survey", 1),
        ("installation", 1),
        ("commissioning", 2),
        ("functional-test", 1),
    ] {
        if let Some(t) = tasks.iter().find(|t| t.code == code) {
            super::schedule::assign(db, &granted, t.id, Some(ids[engineer].0), now).await?;
        }
    }
    for (name, email, phone, role) in CONTACTS {
        projects::save_contact(
            db,
            &granted,
            None,
            projects::ContactInput {
                name: Some((*name).into()),
                email: Some(Some((*email).into())),
                phone: Some(Some((*phone).into())),
                role: Some((*role).into()),
            },
            now,
        )
        .await?;
    }
    Ok(Some(project.id))
}

/// 09:30 local time on `day` of the project.
fn at(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let local = day.and_hms_opt(9, 30, 0).unwrap_or_default();
    tz.from_local_datetime(&local)
        .earliest()
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

fn upload(kind: &str, name: &str, bytes: &[u8]) -> equipment::ImportRequest {
    equipment::ImportRequest {
        kind: kind.into(),
        file_name: name.into(),
        bytes: bytes.to_vec(),
        sheet: None,
        mapping: Vec::new(),
        mapping_is_whole: false,
        dry_run: false,
        exclude_rows: Vec::new(),
    }
}

/// Phases 1 and 2 done the way the seed describes them, and phase 3 begun.
async fn delivery(
    state: &AppState,
    system: &Actor,
    pid: i32,
    signed: NaiveDate,
    tz: Tz,
    (pm, li, zhao): (i32, i32, i32),
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let db = &state.db;
    let p = super::access::grant::<super::access::Manage>(db, system, pid).await?;
    let day = |n: u64| signed + Days::new(n);
    let (_, tasks) = schedule::load(db, &p).await?;
    // 协议签定 was completed when the project was created with its signing date.
    for (code, n) in [
        ("team-established", 1),
        ("construction-design", 3),
        ("early-work-plan", 3),
        ("site-survey", 4),
        ("data-plan", 5),
    ] {
        if let Some(t) = tasks.iter().find(|t| t.code == code) {
            let update = TaskUpdate {
                action: TaskAction::Complete,
                note: None,
                at: Some(at(day(n), tz)),
            };
            schedule::act_on_task(db, &p, t.id, update, now).await?;
        }
    }

    // 设备清单确定: the order is checked against the contract list, every difference decided and
    // notified, and the itemised list approved as the baseline.
    let contract = include_bytes!("../../../templates/demo/contract-list.csv");
    let order = include_bytes!("../../../templates/demo/purchase-order.csv");
    equipment::import(db, &p, upload("contract", "协议设备清单.csv", contract), now).await?;
    let placed = equipment::import(db, &p, upload("purchase_order", "设备订购单.csv", order), now).await?;
    if let Some(order) = placed.committed {
        let terms = equipment::OrderTerms {
            supplier: "浙江华数智联科技有限公司".into(),
            ordered_on: Some(day(5)),
            delivery_due_on: Some(day(12)),
            delivery_place: "审判楼一层设备间".into(),
        };
        equipment::set_order_terms(db, &p, order.id, terms, now).await?;
    }
    let r = equipment::reconciliation(db, &p).await?;
    for d in &r.differences {
        let (reason, decision) = match d.kind.as_str() {
            "quantity" => ("2 只由法院现有设备利旧", "按订购单 30 只执行，甲方确认"),
            "model" => (
                "厂家型号更新，原型号停产，性能不低于原型号",
                "按新型号 S5735-L48T4X-A 订购",
            ),
            "missing" => ("甲方决定保留现有高清矩阵", "取消订购，费用冲抵 UPS"),
            "extra" => ("机房无 UPS，断电时庭审录像中断", "增购 2 台，甲方确认"),
            _ => ("规格调整", "按订购单执行"),
        };
        let adopt = Some(crate::domain::types::Adopt::Order);
        equipment::decide(db, &p, &r.key(d), reason, decision, adopt, now).await?;
    }
    equipment::issue_change_notice(state, &p, now).await?;
    let approved = equipment::build_approved_list(db, &p, now).await?;
    // 王建国, the PM, approves it: the 审定版 names him as its 审定人.
    let wang = Actor {
        id: Some(pm),
        username: "wang.jianguo".into(),
        name: "王建国".into(),
        role: Role::Manager,
    };
    let as_pm = super::access::grant::<super::access::Manage>(db, &wang, pid).await?;
    equipment::approve(db, &as_pm, approved.id, now).await?;

    // 设备到货: two shipments, serial numbers for the units that have them, signed receipts.
    let base = super::baseline::current(db, &p).await?;
    let item = |name: &str| {
        base.items
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.id)
            .unwrap_or_default()
    };
    let serials = |prefix: &str, n: usize| (1..=n).map(|i| format!("{prefix}{i:04}")).collect::<Vec<_>>();
    let shipments = [
        (
            "FH-20260301-01",
            "科达 / 海康威视 厂家直发",
            day(11),
            vec!["庭审主机", "高清球型摄像机", "全向麦克风", "数字音频处理器"],
        ),
        (
            "FH-20260301-02",
            "公司采购部 陈芳",
            day(12),
            vec!["液晶显示器 55寸", "核心交换机", "接入交换机", "机柜", "不间断电源"],
        ),
    ];
    for (reference, by, arrived, names) in shipments {
        let s = arrival::create_shipment(
            db,
            &p,
            arrival::ShipmentInput {
                reference: reference.into(),
                dispatched_by: by.into(),
                carrier: Some("顺丰速运".into()),
                dispatched_on: Some(arrived - Days::new(2)),
                expected_on: Some(arrived),
                note: None,
            },
            now,
        )
        .await?;
        let patch = arrival::ShipmentPatch {
            arrived_on: Some(arrived),
            ..Default::default()
        };
        arrival::update_shipment(db, &p, s.id, patch, now).await?;
        let lines = names
            .iter()
            .filter_map(|n| base.items.iter().find(|i| i.name == *n))
            .map(|i| match i.name.as_str() {
                "庭审主机" => arrival::UnitLine {
                    item_id: i.id,
                    serials: serials("KD8K26", 4),
                    quantity: None,
                },
                "核心交换机" => arrival::UnitLine {
                    item_id: i.id,
                    serials: serials("HW5735A", 2),
                    quantity: None,
                },
                "数字音频处理器" => arrival::UnitLine {
                    item_id: i.id,
                    serials: serials("BLU100-", 4),
                    quantity: None,
                },
                _ => arrival::UnitLine {
                    item_id: i.id,
                    serials: Vec::new(),
                    quantity: i.quantity,
                },
            })
            .collect();
        arrival::receive(db, &p, s.id, lines, now).await?;
        arrival::sign_receipt(db, &p, s.id, "陈志刚", Some(at(arrived, tz)), now).await?;
    }

    // 到货检验: our self-check finds a scratched screen; it is replaced and passes; then the court's.
    let goods: Vec<i32> = base
        .items
        .iter()
        .filter(|i| !arrival::is_service(i))
        .map(|i| i.id)
        .collect();
    let monitor = item("液晶显示器 55寸");
    let check = |id: i32, appearance: &str, note: Option<&str>| arrival::CheckInput {
        item_id: id,
        documents: "pass".into(),
        appearance: appearance.into(),
        power_on: "pass".into(),
        note: note.map(str::to_string),
    };
    let own = arrival::InspectionInput {
        round: "self".into(),
        witness: None,
        inspected_at: Some(at(day(12), tz)),
        items: goods
            .iter()
            .map(|&id| {
                if id == monitor {
                    check(id, "fail", Some("1 台屏幕右下角划伤"))
                } else {
                    check(id, "pass", None)
                }
            })
            .collect(),
    };
    // 李明 inspects on site: the 进场检验记录 names him as its 检验人.
    let li_ming = Actor {
        id: Some(li),
        username: "li.ming".into(),
        name: "李明".into(),
        role: Role::Engineer,
    };
    let on_site = super::access::grant::<super::access::RecordWork>(db, &li_ming, pid).await?;
    let recorded = arrival::inspect(db, &on_site, own, now).await?;
    if let Some((scratched, _)) = recorded.iter().find(|(_, d)| d.is_some()) {
        let photo = super::photos::Upload {
            file_name: Some("IMG_0412.JPG".into()),
            bytes: site_photo(Scene::ScratchedScreen),
        };
        let of = super::photos::PhotoOf::parse("inspection", scratched.id, Some("屏幕右下角划伤"))?;
        super::photos::add(db, &state.files, &on_site, of, vec![photo], now).await?;
    }
    if let Some(d) = recorded.iter().find_map(|(_, d)| d.as_ref()) {
        let close = arrival::CloseInput {
            resolution: "replace".into(),
            note: "三星厂家更换新屏，序列号 QM55R-0A7781".into(),
            client_approver: None,
        };
        arrival::close_deviation(db, &p, d.id, close, now).await?;
    }
    let again = arrival::InspectionInput {
        round: "self".into(),
        witness: None,
        inspected_at: Some(at(day(13), tz)),
        items: vec![check(monitor, "pass", None)],
    };
    arrival::inspect(db, &on_site, again, now).await?;
    let client = arrival::InspectionInput {
        round: "client".into(),
        witness: Some("刘芳".into()),
        inspected_at: Some(at(day(14), tz)),
        items: goods.iter().map(|&id| check(id, "pass", None)).collect(),
    };
    arrival::inspect(db, &on_site, client, now).await?;

    // 工程安装: every goods line installed (unit by unit where there are serial numbers) and
    // commissioned; the functional tests are next.
    struct Site {
        item: &'static str,
        location: &'static str,
        /// Addresses end in the unit's number.
        ip_prefix: Option<&'static str>,
        engineer: i32,
        /// Empty where the goods have none.
        firmware: &'static str,
    }
    let installs = [
        Site {
            item: "庭审主机",
            location: "第{n}审判庭 设备间 机柜 A",
            ip_prefix: Some("10.20.1.1"),
            engineer: li,
            firmware: "V6.1.2",
        },
        Site {
            item: "核心交换机",
            location: "信息中心机房 A03 机柜 {n}0U",
            ip_prefix: Some("10.20.0."),
            engineer: zhao,
            firmware: "V200R022C00SPC500",
        },
        Site {
            item: "数字音频处理器",
            location: "第{n}审判庭 设备间 机柜 B",
            ip_prefix: None,
            engineer: li,
            firmware: "Audio Architect 4.9",
        },
        Site {
            item: "高清球型摄像机",
            location: "第一至第四审判庭 吊顶",
            ip_prefix: None,
            engineer: zhao,
            firmware: "V5.7.3",
        },
        Site {
            item: "全向麦克风",
            location: "第一至第四审判庭 审判台、原被告席、书记员席",
            ip_prefix: None,
            engineer: li,
            firmware: "",
        },
        Site {
            item: "液晶显示器 55寸",
            location: "第一至第四审判庭 墙面挂架",
            ip_prefix: None,
            engineer: li,
            firmware: "",
        },
        Site {
            item: "接入交换机",
            location: "审判楼 3–5 层弱电间",
            ip_prefix: None,
            engineer: zhao,
            firmware: "V200R022C00SPC500",
        },
        Site {
            item: "机柜",
            location: "各审判庭设备间、信息中心机房",
            ip_prefix: None,
            engineer: li,
            firmware: "",
        },
        Site {
            item: "不间断电源",
            location: "信息中心机房 A03",
            ip_prefix: None,
            engineer: zhao,
            firmware: "",
        },
    ];
    let units = arrival::units(db, &p).await?;
    for site in installs {
        let id = item(site.item);
        for (n, unit) in units.iter().filter(|u| u.item_id == id).enumerate() {
            let input = InstallationInput {
                item_id: Some(id),
                serial: unit.serial.clone(),
                location: Some(site.location.replace("{n}", &(n + 1).to_string())),
                installed_on: Some(day(16 + n as u64)),
                engineer_id: Some(site.engineer),
                ip_address: site.ip_prefix.map(|p| format!("{p}{}", n + 1)),
                firmware: (!site.firmware.is_empty()).then(|| site.firmware.to_string()),
                config_notes: (site.item == "核心交换机").then(|| "VRRP 主备，VLAN 10/20/30".to_string()),
                commissioning: Some("pass".into()),
                commissioning_note: Some("开机自检正常，业务联调通过".into()),
                commissioned_on: Some(day(20)),
                ..Default::default()
            };
            installation::create(db, &p, input, now).await?;
        }
    }

    // 工作记录单: what the site team did on the days that mattered.
    for (n, people, work_done, problems) in [
        (
            4,
            "王建国、李明",
            "现场勘察：审判楼 3–5 层各审判庭、信息中心机房，核对点位与管线路由",
            Some("第三审判庭吊顶检修口尺寸不足，需甲方协调物业扩孔"),
        ),
        (
            12,
            "李明、赵磊",
            "设备到货开箱，随机资料、外观、通电自检；第二审判庭液晶显示屏屏幕划伤",
            Some("划伤显示屏已通知厂家更换"),
        ),
        (16, "李明", "第一、第二审判庭庭审主机上架、接线、配置 IP 地址", None),
        (
            18,
            "赵磊",
            "信息中心机房核心交换机上架，VRRP 主备与 VLAN 10/20/30 配置",
            None,
        ),
        (
            20,
            "李明、赵磊",
            "数字音频处理器安装，全部设备开机调试，业务联调通过",
            None,
        ),
    ] {
        let entry = documents::WorkLogInput {
            work_date: day(n).to_string(),
            people: people.into(),
            work_done: work_done.into(),
            problems: problems.map(str::to_string),
        };
        let logged = documents::add_work_log(db, &p, entry, now).await?;
        if n == 20 {
            let photo = super::photos::Upload {
                file_name: Some("IMG_0533.JPG".into()),
                bytes: site_photo(Scene::Racks),
            };
            let of = super::photos::PhotoOf::parse("work_log", logged.id, Some("信息中心机房机柜上架完成"))?;
            super::photos::add(db, &state.files, &p, of, vec![photo], now).await?;
        }
    }
    Ok(())
}

/// What the demo's photos show.
enum Scene {
    ScratchedScreen,
    Racks,
}

/// A picture drawn for the demo (no photograph ships with the binary): a display with a scratch
/// across its corner, or a row of racks with their lights.
fn site_photo(scene: Scene) -> Vec<u8> {
    let (w, h) = (1200u32, 900u32);
    let picture = image::RgbImage::from_fn(w, h, |x, y| {
        let wall = image::Rgb([208, 212, 216]);
        match scene {
            Scene::ScratchedScreen => {
                let on_screen = (100..1100).contains(&x) && (120..760).contains(&y);
                // A scratch from the lower right corner up and to the left.
                let scratch = (i64::from(x) - 1040 + (i64::from(y) - 700) * 2).abs() < 4 && (560..740).contains(&y);
                match (on_screen, scratch) {
                    (true, true) => image::Rgb([236, 236, 228]),
                    (true, false) => image::Rgb([24, 28, 34]),
                    _ if (560..640).contains(&x) && y >= 760 => image::Rgb([60, 60, 64]),
                    _ => wall,
                }
            }
            Scene::Racks => {
                let rack = (x % 300) >= 40 && (x % 300) < 260 && (100..860).contains(&y);
                let light = rack && (x % 300) > 220 && (x % 300) < 232 && y % 60 < 8 && y < 700;
                match (rack, light) {
                    (_, true) => image::Rgb([40, 200, 90]),
                    (true, false) if y % 60 < 3 => image::Rgb([70, 74, 80]),
                    (true, false) => image::Rgb([34, 36, 40]),
                    _ => wall,
                }
            }
        }
    });
    let mut jpeg = Vec::new();
    // Encoding a picture we drew cannot fail short of running out of memory; the demo has none then.
    let _ = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&picture);
    jpeg
}

/// The courtroom plan with its PA system, the test conditions confirmed by both sides and the
/// first two pages tested: the engineers sign those and go on from page 3.
async fn functional_test(state: &AppState, system: &Actor, pid: i32, now: DateTime<Utc>) -> Result<(), AppError> {
    let p = super::access::grant::<super::access::Manage>(&state.db, system, pid).await?;
    let plan = test_plans::create(
        &state.db,
        &state.templates,
        &p,
        test_plans::NewPlan {
            templates: vec!["digital_courtroom".into(), "public_address".into()],
            title: None,
            items_per_page: None,
            again: false,
        },
        now,
    )
    .await?;
    for (party, engineers, signer) in [("ours", "李明、赵磊", None), ("client", "刘芳", Some(CONTACTS[2]))] {
        test_plans::confirm_conditions(
            &state.db,
            &p,
            plan.plan.id,
            test_plans::Conditions {
                party: party.into(),
                engineers: engineers.into(),
                confirmed_by: signer.map(|_| CONTACTS[0].0.into()),
                signer_name: signer.map(|c| c.0.into()),
                signer_email: signer.map(|c| c.1.into()),
            },
            now,
        )
        .await?;
    }
    let results = plan
        .items
        .iter()
        .filter(|i| i.page <= 2)
        .map(|i| {
            let input = test_plans::ResultInput {
                actual: String::new(),
                passed: true,
                note: None,
                remark: None,
            };
            (i.id, input)
        })
        .collect();
    test_plans::record_results(&state.db, &p, plan.plan.id, results, now).await?;
    Ok(())
}
