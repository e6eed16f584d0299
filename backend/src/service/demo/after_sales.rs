//! The delivered demo project's after-sales history since its delivery: the designated engineers
//! and the client's report link; a spare-parts store; and tickets at every stage — one archived
//! (repaired, its 上门服务单 signed by both and handed in, visited back), one whose faulty unit was
//! replaced by a spare that stayed (its order signed, not yet handed in), one on site past eight
//! hours with the replacement clock running and a spare borrowed on an oral yes not yet
//! countersigned, one with an engineer on the way, one paused at the client's request, and one
//! just reported from the report link — so the desk, its clocks and the forms show data.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::spare_part;

use super::{CONTACTS, delivered::client_signs};
use crate::{
    domain::types::{FaultCause, Role, SignedDocument, SystemType, TicketChannel, TicketStep},
    error::AppResult,
    service::{
        Actor,
        access::{self, Granted, Manage, RecordWork},
        service_desk::{
            orders::{self, Material, OrderInput},
            patrols, settings, spares,
            tickets::{self, FaultCard, StepInput},
            units::{self, WarrantyUnit},
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

fn order(
    (category, cause): (FaultCause, &str),
    remedy: &str,
    used: Vec<Material>,
    returned: Vec<Material>,
) -> OrderInput {
    OrderInput {
        cause: cause.into(),
        cause_category: Some(category),
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
///
/// Each ticket's story is its own boxed future: in a debug build a poll frame holds every future
/// its body awaits side by side, and the whole history in one function outgrew a test thread's
/// 2 MiB stack.
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
    let tz = state.settings.timezone;
    let as_pm = access::grant::<Manage>(db, &wang, pid).await?;
    let on_site = access::grant::<RecordWork>(db, &li_ming, pid).await?;
    let mut h = History {
        state,
        now,
        today: now.with_timezone(&tz).date_naive(),
        tz,
        pm,
        wang,
        li_ming,
        on_site,
        token: String::new(),
        units: Vec::new(),
        store: Vec::new(),
    };
    settings::set_specialists(state, &as_pm, &[li, zhao], h.days(9, 9)).await?;
    let link = settings::new_report_link(state, &as_pm, h.days(9, 9)).await?;
    h.token = link.rsplit('/').next().unwrap_or_default().to_string();
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
        spares::add(state, &h.wang, input, h.days(9, 10)).await?;
    }
    h.store = spares::list(db, None).await?;
    h.units = {
        let read = access::grant::<access::Read>(db, &h.li_ming, pid).await?;
        let policy = settings::policy_of(db, read.project()).await?;
        units::units(db, &read, &policy).await?
    };
    Box::pin(h.archived()).await?;
    Box::pin(h.replaced()).await?;
    Box::pin(h.past_eight_hours()).await?;
    Box::pin(h.on_the_way()).await?;
    Box::pin(h.paused()).await?;
    Box::pin(h.just_reported()).await?;
    // The warranty's inspection visits, and a call to the client a week after delivery.
    let planned = patrols::plan_delivered(state, now).await?;
    patrols::log_call(
        state,
        &h.on_site,
        patrols::CallInput {
            called_at: Some(h.days(7, 10)),
            contact_name: "陈志刚".into(),
            contact_phone: Some("0574-8765-4321".into()),
            summary: "系统运行稳定；希望下次巡检时顺带检查四号法庭拾音器".into(),
        },
        h.days(7, 10),
    )
    .await?;
    Ok(format!(
        "after-sales: 2 designated engineers, a report link, 4 spares, 6 tickets from archived to just reported, {planned} inspection visits planned, a call to the client"
    ))
}

/// What every ticket's story works with.
struct History<'a> {
    state: &'a AppState,
    now: DateTime<Utc>,
    today: NaiveDate,
    tz: Tz,
    pm: i32,
    wang: Actor,
    li_ming: Actor,
    on_site: Granted<RecordWork>,
    /// The client's report link's token.
    token: String,
    units: Vec<WarrantyUnit>,
    store: Vec<spare_part::Model>,
}

impl History<'_> {
    fn hours(&self, h: i64) -> DateTime<Utc> {
        self.now - Duration::hours(h)
    }

    /// `hour`:00 local time, `d` days ago (the demo's `at` is 09:30).
    fn days(&self, d: u64, hour: i64) -> DateTime<Utc> {
        super::at(self.today - chrono::Days::new(d), self.tz) + Duration::minutes(hour * 60 - 570)
    }

    /// The store's spare with that serial number.
    fn spare(&self, serial: &str) -> i32 {
        self.store
            .iter()
            .find(|s| s.serial.as_deref() == Some(serial))
            .map(|s| s.id)
            .unwrap_or_default()
    }

    /// The `nth` installed unit of that name with a serial number.
    fn unit_nth(&self, name: &str, nth: usize) -> Option<i32> {
        self.units
            .iter()
            .filter(|u| u.name == name && u.serial.is_some())
            .nth(nth)
            .map(|u| u.unit_id)
    }

    fn unit(&self, name: &str) -> Option<i32> {
        self.unit_nth(name, 0)
    }

    /// 1. Archived: a courtroom host without picture, repaired on site, visited back.
    async fn archived(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        use TicketStep::*;
        let from = self.days(8, 9);
        let a = tickets::report(
            state,
            &self.on_site,
            TicketChannel::Phone,
            card(
                0,
                Some("第三审判庭 庭审主机"),
                self.unit("庭审主机"),
                "无图像，指示灯红色常亮",
                from,
            ),
            from,
        )
        .await?;
        steps(
            state,
            &self.li_ming,
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
            &self.li_ming,
            a.id,
            order(
                (FaultCause::Ageing, "编码板电源模块老化击穿"),
                "更换同型号电源模块，重新上电自检并测试录像",
                vec![],
                vec![],
            ),
            from + Duration::minutes(230),
        )
        .await?;
        steps(state, &self.li_ming, a.id, from, &[(240, SiteCleaned, None)]).await?;
        let t = tickets::ticket::<RecordWork>(db, &self.li_ming, a.id).await?;
        orders::hand_in(state, &t, self.days(7, 10)).await?;
        // The desk calls back the next day: satisfied (the 维修后回访 step).
        let t = tickets::ticket::<RecordWork>(db, &self.li_ming, a.id).await?;
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
            self.days(6, 10),
        )
        .await?;
        steps(state, &self.li_ming, a.id, self.days(6, 10), &[(5, Closed, None)]).await?;
        Ok(())
    }

    /// 2. Replaced by a spare that stayed; the order signed, not yet handed in.
    async fn replaced(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        use TicketStep::*;
        let from = self.hours(26);
        let (b, _) = tickets::report_public(
            state,
            &self.token,
            FaultCard {
                reported_at: None,
                ..card(
                    1,
                    Some("第二审判庭 庭审主机"),
                    self.unit_nth("庭审主机", 1),
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
            &self.li_ming,
            b.id,
            from,
            &[(10, CalledBack, None), (20, Dispatched, None), (90, Arrived, None)],
        )
        .await?;
        let t = tickets::ticket::<RecordWork>(db, &self.li_ming, b.id).await?;
        let loan = spares::request(
            state,
            &t,
            self.spare("SP-TR8000-01"),
            Some("主机主板故障，需更换".into()),
            from + Duration::minutes(100),
        )
        .await?;
        let managed = tickets::ticket::<Manage>(db, &self.wang, b.id).await?;
        spares::approve(state, &managed, loan.id, from + Duration::minutes(105)).await?;
        spares::check_out(state, &t, loan.id, from + Duration::minutes(110)).await?;
        let t = tickets::ticket::<RecordWork>(db, &self.li_ming, b.id).await?;
        spares::install(
            state,
            &t,
            loan.id,
            "杭州仓 待修区".into(),
            from + Duration::minutes(150),
        )
        .await?;
        steps(state, &self.li_ming, b.id, from, &[(165, Rechecked, None)]).await?;
        signed_order(
            state,
            &self.li_ming,
            b.id,
            order(
                (FaultCause::Hardware, "主机主板故障"),
                "以备品庭审主机替换，原机返厂检测",
                vec![material("庭审主机", "KDV-TR8000", "SP-TR8000-01", "替换")],
                vec![material("庭审主机", "KDV-TR8000", "原机", "主板故障，返厂")],
            ),
            from + Duration::minutes(175),
        )
        .await?;
        Ok(())
    }

    /// 3. On site past eight hours: the replacement clock runs; a spare lent on an oral yes.
    async fn past_eight_hours(&self) -> AppResult<()> {
        let state = self.state;
        let db = &self.state.db;
        use TicketStep::*;
        let from = self.hours(14);
        let c = tickets::report(
            state,
            &self.on_site,
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
            &self.li_ming,
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
        let t = tickets::ticket::<RecordWork>(db, &self.li_ming, c.id).await?;
        let loan = spares::request(
            state,
            &t,
            self.spare("SP-BLU100-01"),
            Some("处理器主板故障，需备机".into()),
            from + Duration::minutes(310),
        )
        .await?;
        spares::record_oral_approval(
            state,
            &t,
            loan.id,
            self.pm,
            Some(from + Duration::minutes(315)),
            from + Duration::minutes(320),
        )
        .await?;
        Ok(())
    }

    /// 4. An engineer on the way.
    async fn on_the_way(&self) -> AppResult<()> {
        let state = self.state;
        use TicketStep::*;
        let from = self.hours(1) - Duration::minutes(10);
        let d = tickets::report(
            state,
            &self.on_site,
            TicketChannel::Email,
            card(2, Some("五号法庭 拾音器"), None, "拾音器杂音明显", from),
            from,
        )
        .await?;
        steps(
            state,
            &self.li_ming,
            d.id,
            from,
            &[(15, CalledBack, None), (30, Dispatched, None)],
        )
        .await?;
        Ok(())
    }

    /// 5. Paused at the client's request.
    async fn paused(&self) -> AppResult<()> {
        let state = self.state;
        use TicketStep::*;
        let from = self.hours(3);
        let e = tickets::report(
            state,
            &self.on_site,
            TicketChannel::Phone,
            card(1, Some("大法庭 LED 显示屏"), None, "显示屏左下角一块模组不亮", from),
            from,
        )
        .await?;
        steps(
            state,
            &self.li_ming,
            e.id,
            from,
            &[
                (12, CalledBack, None),
                (25, Dispatched, None),
                (60, Paused, Some("客户要求庭审结束后再进场")),
            ],
        )
        .await?;
        Ok(())
    }

    /// 6. Just reported from the report link.
    async fn just_reported(&self) -> AppResult<()> {
        let state = self.state;
        let from = self.now - Duration::minutes(10);
        tickets::report_public(
            state,
            &self.token,
            FaultCard {
                reported_at: None,
                ..card(2, Some("四号法庭 庭审主机"), None, "庭审主机无法开机", from)
            },
            (None, None),
            from,
        )
        .await?;
        Ok(())
    }
}
