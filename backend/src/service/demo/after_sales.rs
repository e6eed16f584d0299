//! The delivered demo project's after-sales history since its delivery: the designated engineers
//! and the client's report link; a spare-parts store; and tickets at every stage — one archived
//! (repaired, its 上门服务单 signed by both and handed in, visited back), one whose faulty unit was
//! replaced by a spare that stayed (its order signed, not yet handed in), one on site past eight
//! hours with the replacement clock running and a spare borrowed on an oral yes not yet
//! countersigned, one with an engineer on the way, one paused at the client's request, and one
//! just reported from the report link — so the desk, its clocks and the forms show data.
use chrono::{DateTime, Duration, Utc};

use super::{CONTACTS, delivered::client_signs};
use crate::{
    domain::types::{Role, SignedDocument, SystemType, TicketChannel, TicketStep},
    error::AppResult,
    service::{
        Actor,
        access::{self, Manage, RecordWork},
        service_desk::{
            orders::{self, Material, OrderInput},
            settings, spares,
            tickets::{self, FaultCard, StepInput},
        },
        signing,
    },
    state::AppState,
};

fn card(reporter: usize, device: Option<&str>, unit_id: Option<i32>, symptom: &str, at: DateTime<Utc>) -> FaultCard {
    let (name, email, phone, _) = CONTACTS[reporter];
    FaultCard {
        reporter_name: name.into(),
        reporter_phone: phone.into(),
        reporter_email: Some(email.into()),
        system_type: Some(SystemType::DigitalCourtroom),
        unit_id,
        serial: None,
        device: device.map(Into::into),
        symptom: symptom.into(),
        fault_started_at: Some(at - Duration::minutes(20)),
        reported_at: Some(at),
    }
}

/// Records `steps` (minutes after `from`) on ticket `id` as `who`.
async fn steps(
    state: &AppState,
    who: &Actor,
    id: i32,
    from: DateTime<Utc>,
    list: &[(i64, TicketStep, Option<&str>)],
) -> AppResult<()> {
    for (minutes, step, note) in list {
        let at = from + Duration::minutes(*minutes);
        let t = tickets::ticket::<RecordWork>(&state.db, who, id).await?;
        let reason = (*step == TicketStep::Paused).then(|| note.unwrap_or_default().to_string());
        let input = StepInput {
            step: *step,
            at: Some(at),
            note: note.filter(|_| *step != TicketStep::Paused).map(Into::into),
            reason,
        };
        tickets::record(state, &t, input, at).await?;
    }
    Ok(())
}

fn order(cause: &str, remedy: &str, used: Vec<Material>, returned: Vec<Material>) -> OrderInput {
    OrderInput {
        cause: cause.into(),
        remedy: remedy.into(),
        used,
        returned,
        result: "系统恢复正常，功能测试通过".into(),
        client_opinion: Some("响应及时，处理专业，满意。".into()),
        ..OrderInput::default()
    }
}

fn material(name: &str, model: &str, serial: &str, remark: &str) -> Material {
    Material {
        name: name.into(),
        model: Some(model.into()),
        quantity: 1.0,
        serial: Some(serial.into()),
        in_warranty: true,
        remark: Some(remark.into()),
    }
}

/// The order filled, signed by the repairer and by the client on the tablet.
async fn signed_order(state: &AppState, who: &Actor, id: i32, input: OrderInput, at: DateTime<Utc>) -> AppResult<i32> {
    let t = tickets::ticket::<RecordWork>(&state.db, who, id).await?;
    let data = orders::save(state, &t, input, at).await?;
    let doc = SignedDocument::ServiceOrder;
    signing::sign_in_app(
        &state.db,
        &t.granted,
        doc,
        data.order.id,
        orders::ORDER,
        Default::default(),
        at,
    )
    .await?;
    client_signs(
        state,
        &t.granted,
        doc,
        data.order.id,
        vec![orders::ORDER],
        at + Duration::minutes(2),
    )
    .await?;
    Ok(data.order.id)
}

/// The history, told as of `now`. Returns a line for the summary.
pub(super) async fn history(
    state: &AppState,
    pid: i32,
    (pm, li, zhao): (i32, i32, i32),
    now: DateTime<Utc>,
) -> AppResult<String> {
    let db = &state.db;
    let person = |id: i32, username: &str, name: &str, role: Role| Actor {
        id: Some(id),
        username: username.into(),
        name: name.into(),
        role,
    };
    let wang = person(pm, "wang.jianguo", "王建国", Role::Manager);
    let li_ming = person(li, "li.ming", "李明", Role::Engineer);
    let hours = |h: i64| now - Duration::hours(h);
    let tz = state.settings.timezone;
    let today = now.with_timezone(&tz).date_naive();
    // `hour`:00 local time, `d` days ago (the demo's `at` is 09:30).
    let days = |d: u64, hour: i64| super::at(today - chrono::Days::new(d), tz) + Duration::minutes(hour * 60 - 570);
    let as_pm = access::grant::<Manage>(db, &wang, pid).await?;
    let on_site = access::grant::<RecordWork>(db, &li_ming, pid).await?;
    settings::set_specialists(state, &as_pm, &[li, zhao], days(9, 9)).await?;
    let link = settings::new_report_link(state, &as_pm, days(9, 9)).await?;
    let token = link.rsplit('/').next().unwrap_or_default().to_string();
    for (name, model, serial, place) in [
        ("庭审主机", "KDV-TR8000", "SP-TR8000-01", "杭州仓 A-1"),
        ("高清球型摄像机", "DS-2DE4425IW-DE", "SP-2DE4425-01", "杭州仓 A-2"),
        ("高清球型摄像机", "DS-2DE4425IW-DE", "SP-2DE4425-02", "杭州仓 A-2"),
        ("数字音频处理器", "BSS BLU-100", "SP-BLU100-01", "杭州仓 B-1"),
    ] {
        let input = spares::SpareInput {
            name: name.into(),
            model: Some(model.into()),
            serial: Some(serial.into()),
            location: place.into(),
            notes: None,
        };
        spares::add(state, &wang, input, days(9, 10)).await?;
    }
    let store = spares::list(db, None).await?;
    let spare = |serial: &str| {
        store
            .iter()
            .find(|s| s.serial.as_deref() == Some(serial))
            .map(|s| s.id)
            .unwrap_or_default()
    };
    let units = {
        let read = access::grant::<access::Read>(db, &li_ming, pid).await?;
        let policy = settings::policy_of(db, read.project()).await?;
        crate::service::service_desk::units::units(db, &read, &policy).await?
    };
    // The `nth` installed unit of that name with a serial number.
    let unit_nth = |name: &str, nth: usize| {
        units
            .iter()
            .filter(|u| u.name == name && u.serial.is_some())
            .nth(nth)
            .map(|u| u.unit_id)
    };
    let unit = |name: &str| unit_nth(name, 0);
    use TicketStep::*;

    // 1. Archived: a courtroom host without picture, repaired on site, visited back.
    let from = days(8, 9);
    let a = tickets::report(
        state,
        &on_site,
        TicketChannel::Phone,
        card(
            0,
            Some("第三审判庭 庭审主机"),
            unit("庭审主机"),
            "无图像，指示灯红色常亮",
            from,
        ),
        from,
    )
    .await?;
    steps(
        state,
        &li_ming,
        a.id,
        from,
        &[
            (5, ArchivePulled, None),
            (10, Analysed, Some("疑似编码板供电异常")),
            (15, CalledBack, Some("与陈志刚确认：三号庭主机无图像，其余正常")),
            (20, MeasureProposed, Some("上门检查编码板与电源")),
            (25, Dispatched, None),
            (95, Arrived, None),
            (200, Repaired, Some("更换编码板电源模块")),
            (215, Rechecked, Some("录像、直播、点播测试通过")),
        ],
    )
    .await?;
    signed_order(
        state,
        &li_ming,
        a.id,
        order(
            "编码板电源模块老化击穿",
            "更换同型号电源模块，重新上电自检并测试录像",
            vec![],
            vec![],
        ),
        from + Duration::minutes(230),
    )
    .await?;
    steps(state, &li_ming, a.id, from, &[(240, SiteCleaned, None)]).await?;
    let t = tickets::ticket::<RecordWork>(db, &li_ming, a.id).await?;
    orders::hand_in(state, &t, days(7, 10)).await?;
    // The desk calls back the next day: satisfied (the 维修后回访 step).
    let t = tickets::ticket::<RecordWork>(db, &li_ming, a.id).await?;
    let satisfied = crate::domain::types::Satisfaction::Satisfied;
    crate::service::service_desk::return_visits::record_call(
        state,
        &t,
        crate::domain::types::VisitStage::After,
        crate::service::service_desk::return_visits::Answers {
            response: satisfied,
            attitude: satisfied,
            quality: satisfied,
            overall: satisfied,
            comment: Some("响应很快，工程师很专业".into()),
            complaint: false,
            respondent: Some("陈志刚".into()),
        },
        days(6, 10),
    )
    .await?;
    steps(state, &li_ming, a.id, days(6, 10), &[(5, Closed, None)]).await?;

    // 2. Replaced by a spare that stayed; the order signed, not yet handed in.
    let from = hours(26);
    let (b, _) = tickets::report_public(
        state,
        &token,
        FaultCard {
            reported_at: None,
            ..card(
                1,
                Some("第二审判庭 庭审主机"),
                unit_nth("庭审主机", 1),
                "庭审主机无视频输出，重启无效",
                from,
            )
        },
        (None, None),
        from,
    )
    .await?;
    steps(
        state,
        &li_ming,
        b.id,
        from,
        &[(10, CalledBack, None), (20, Dispatched, None), (90, Arrived, None)],
    )
    .await?;
    let t = tickets::ticket::<RecordWork>(db, &li_ming, b.id).await?;
    let loan = spares::request(
        state,
        &t,
        spare("SP-TR8000-01"),
        Some("主机主板故障，需更换".into()),
        from + Duration::minutes(100),
    )
    .await?;
    let managed = tickets::ticket::<Manage>(db, &wang, b.id).await?;
    spares::approve(state, &managed, loan.id, from + Duration::minutes(105)).await?;
    spares::check_out(state, &t, loan.id, from + Duration::minutes(110)).await?;
    let t = tickets::ticket::<RecordWork>(db, &li_ming, b.id).await?;
    spares::install(
        state,
        &t,
        loan.id,
        "杭州仓 待修区".into(),
        from + Duration::minutes(150),
    )
    .await?;
    steps(state, &li_ming, b.id, from, &[(165, Rechecked, None)]).await?;
    signed_order(
        state,
        &li_ming,
        b.id,
        order(
            "主机主板故障",
            "以备品庭审主机替换，原机返厂检测",
            vec![material("庭审主机", "KDV-TR8000", "SP-TR8000-01", "替换")],
            vec![material("庭审主机", "KDV-TR8000", "原机", "主板故障，返厂")],
        ),
        from + Duration::minutes(175),
    )
    .await?;

    // 3. On site past eight hours: the replacement clock runs; a spare lent on an oral yes.
    let from = hours(14);
    let c = tickets::report(
        state,
        &on_site,
        TicketChannel::Phone,
        card(
            0,
            Some("第二审判庭 数字音频处理器"),
            None,
            "扩声无声，处理器面板报警",
            from,
        ),
        from,
    )
    .await?;
    steps(
        state,
        &li_ming,
        c.id,
        from,
        &[
            (10, CalledBack, None),
            (20, Dispatched, None),
            (100, Arrived, None),
            (300, RepairFailed, Some("更换电源模块后仍报警，疑似主板故障")),
        ],
    )
    .await?;
    let t = tickets::ticket::<RecordWork>(db, &li_ming, c.id).await?;
    let loan = spares::request(
        state,
        &t,
        spare("SP-BLU100-01"),
        Some("处理器主板故障，需备机".into()),
        from + Duration::minutes(310),
    )
    .await?;
    spares::record_oral_approval(
        state,
        &t,
        loan.id,
        pm,
        Some(from + Duration::minutes(315)),
        from + Duration::minutes(320),
    )
    .await?;

    // 4. An engineer on the way.
    let from = hours(1) - Duration::minutes(10);
    let d = tickets::report(
        state,
        &on_site,
        TicketChannel::Email,
        card(2, Some("五号法庭 拾音器"), None, "拾音器杂音明显", from),
        from,
    )
    .await?;
    steps(
        state,
        &li_ming,
        d.id,
        from,
        &[(15, CalledBack, None), (30, Dispatched, None)],
    )
    .await?;

    // 5. Paused at the client's request.
    let from = hours(3);
    let e = tickets::report(
        state,
        &on_site,
        TicketChannel::Phone,
        card(1, Some("大法庭 LED 显示屏"), None, "显示屏左下角一块模组不亮", from),
        from,
    )
    .await?;
    steps(
        state,
        &li_ming,
        e.id,
        from,
        &[
            (12, CalledBack, None),
            (25, Dispatched, None),
            (60, Paused, Some("客户要求庭审结束后再进场")),
        ],
    )
    .await?;

    // 6. Just reported from the report link.
    let from = now - Duration::minutes(10);
    tickets::report_public(
        state,
        &token,
        FaultCard {
            reported_at: None,
            ..card(2, Some("四号法庭 庭审主机"), None, "庭审主机无法开机", from)
        },
        (None, None),
        from,
    )
    .await?;
    // The warranty's inspection visits, and a call to the client a week after delivery.
    let planned = crate::service::service_desk::patrols::plan_delivered(state, now).await?;
    crate::service::service_desk::patrols::log_call(
        state,
        &on_site,
        crate::service::service_desk::patrols::CallInput {
            called_at: Some(days(7, 10)),
            contact_name: "陈志刚".into(),
            contact_phone: Some("0574-8765-4321".into()),
            summary: "系统运行稳定；希望下次巡检时顺带检查四号法庭拾音器".into(),
        },
        days(7, 10),
    )
    .await?;
    Ok(format!(
        "after-sales: 2 designated engineers, a report link, 4 spares, 6 tickets from archived to just reported, {planned} inspection visits planned, a call to the client"
    ))
}
