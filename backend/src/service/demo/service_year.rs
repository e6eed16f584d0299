//! A year of after-sales history, so every statistic, chart and monthly form has data: four
//! courts whose systems were delivered fourteen months ago, in four regions and the four system
//! types, each with a few faults a month — most answered and repaired within their promises,
//! some not, one repaired on a second visit now and then — their 回访 (mostly 满意, a few
//! 不满意, two complaints), spares lent and brought back, and their half-yearly inspections, one
//! missed. Tickets are written with their events and folded by the same code as live ones (the
//! clocks, the statistics' facts); what is deterministic is drawn from a fixed seed.
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};
use entity::{patrol, return_visit, service_order, service_ticket, spare_loan, ticket_event};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use super::CONTACTS;
use crate::{
    db::begin_write,
    domain::{
        statistics::Month,
        types::{
            FaultCause, LoanApproval, LoanStatus, ProjectStatus, Satisfaction, SystemType, TicketChannel, TicketStatus,
            TicketStep, VisitChannel, VisitStage,
        },
    },
    error::AppResult,
    service::{
        Actor, access, projects,
        service_desk::{patrols, policy_of, spares, statistics::month_counts, tickets},
    },
    state::AppState,
};

struct Court {
    suffix: &'static str,
    name: &'static str,
    client: &'static str,
    region: &'static str,
    types: &'static [SystemType],
}

const COURTS: [Court; 4] = [
    Court {
        suffix: "HZ",
        name: "杭州市西湖区人民法院科技法庭改造项目",
        client: "杭州市西湖区人民法院",
        region: "浙江杭州",
        types: &[SystemType::DigitalCourtroom, SystemType::PublicAddress],
    },
    Court {
        suffix: "WZ",
        name: "温州市中级人民法院远程视频会议系统项目",
        client: "温州市中级人民法院",
        region: "浙江温州",
        types: &[SystemType::VideoConference],
    },
    Court {
        suffix: "HU",
        name: "湖州市吴兴区人民法院安防监控报警系统项目",
        client: "湖州市吴兴区人民法院",
        region: "浙江湖州",
        types: &[SystemType::SurveillanceAlarm],
    },
    Court {
        suffix: "NB",
        name: "宁波市海曙区人民法院数字法庭建设项目",
        client: "宁波市海曙区人民法院",
        region: "浙江宁波",
        types: &[SystemType::DigitalCourtroom, SystemType::SurveillanceAlarm],
    },
];

const SYMPTOMS: [(&str, &str); 6] = [
    ("庭审主机", "无图像，指示灯红色常亮"),
    ("高清球型摄像机", "画面花屏，云台不转"),
    ("数字音频处理器", "扩声无声，面板报警"),
    ("视频会议终端", "呼叫远端失败"),
    ("报警主机", "防区误报"),
    ("硬盘录像机", "录像丢失，硬盘告警"),
];

/// What each of the symptoms above came from, as the service order classes it, and the remedy.
const CAUSES: [(FaultCause, &str, &str); 6] = [
    (
        FaultCause::Ageing,
        "编码板电源模块老化",
        "更换电源模块，重新上电自检并测试录像",
    ),
    (
        FaultCause::Network,
        "视频线接头松动，网线水晶头氧化",
        "重做水晶头，紧固接头，测试画面与云台",
    ),
    (
        FaultCause::Power,
        "机柜电源插排接触不良",
        "更换插排，整理电源线，测试各分区扩声",
    ),
    (
        FaultCause::Software,
        "终端注册信息丢失",
        "重新配置注册参数并备份配置，测试呼叫",
    ),
    (FaultCause::Hardware, "红外探测器灵敏度漂移", "更换探测器并调试防区"),
    (FaultCause::Hardware, "硬盘出现坏道", "更换硬盘，恢复录像计划"),
];

/// A small deterministic generator (xorshift): the same history every time.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn local(day: NaiveDate, minutes: i64, tz: chrono_tz::Tz) -> DateTime<Utc> {
    super::at(day, tz) + Duration::minutes(minutes - 570)
}

/// Writes the history; returns a line for the summary.
pub(super) async fn year(
    state: &AppState,
    code: &str,
    (pm, li, zhao): (i32, i32, i32),
    now: DateTime<Utc>,
) -> AppResult<String> {
    let db = &state.db;
    let tz = state.settings.timezone;
    let today = now.with_timezone(&tz).date_naive();
    let delivered_on = Month::of(today).plus(-14).first_day() + Days::new(9);
    let system = Actor::system();
    let store = spares::list(db, None).await?;
    let mut tickets_written = 0;
    let mut visits_written = 0;
    for (k, court) in COURTS.iter().enumerate() {
        let p = Box::pin(projects::create(
            db,
            &state.templates,
            tz,
            &system,
            projects::NewProject {
                code: format!("{code}-{}", court.suffix),
                name: court.name.into(),
                client_name: court.client.into(),
                site_address: None,
                contract_number: None,
                supervisor: None,
                region: Some(court.region.into()),
                category: Some("政法系统集成".into()),
                system_types: court.types.iter().map(|t| t.as_str().to_string()).collect(),
                contract_signed_on: (delivered_on - Days::new(90)).to_string(),
                delivery_due_on: None,
                plan: None,
                timezone: None,
                status: None,
            },
            now,
        ))
        .await?;
        let manage = access::grant::<access::Manage>(db, &system, p.id).await?;
        for (who, role) in [(pm, "pm"), (li, "engineer"), (zhao, "engineer")] {
            projects::add_member(db, &manage, projects::Person::Id(who), role, now).await?;
        }
        // Taken over delivered: its warranty runs from its delivery.
        let mut active: entity::project::ActiveModel = manage.project().clone().into();
        active.status = Set(ProjectStatus::Delivered);
        active.delivered_on = Set(Some(delivered_on));
        active.warranty_starts_on = Set(Some(delivered_on));
        let project = Box::pin(active.update(db)).await?;
        let manage = access::grant::<access::Manage>(db, &system, p.id).await?;
        Box::pin(patrols::replan(state, &manage, now)).await?;
        let policy = policy_of(db, &project).await?;
        let mut draw = Draw(0x9E37_79B9_7F4A_7C15 ^ (k as u64 + 1));

        let txn = begin_write(db).await?;
        // Inspections: made within a few days of their day, but for the last one due in Hangzhou.
        let due = patrol::Entity::find()
            .filter(patrol::Column::ProjectId.eq(p.id))
            .filter(patrol::Column::PlannedOn.lt(today))
            .all(&txn)
            .await?;
        let last = due.iter().map(|v| v.planned_on).max();
        for visit in due {
            if k == 0 && Some(visit.planned_on) == last {
                continue;
            }
            let done_on = visit.planned_on + Days::new(draw.range(0, 2) as u64);
            let mut v: patrol::ActiveModel = visit.into();
            v.done_on = Set(Some(done_on.min(today)));
            v.done_by = Set(Some(li));
            v.summary = Set(Some("系统运行正常，设备清洁除尘，配置已备份".into()));
            v.contact_name = Set(Some(CONTACTS[0].0.into()));
            v.contact_phone = Set(Some(CONTACTS[0].2.into()));
            Box::pin(v.update(&txn)).await?;
        }

        // Faults from the month after delivery until two days ago.
        let mut day = delivered_on + Days::new(20);
        while day + Days::new(2) < today {
            day = day + Days::new(draw.range(6, 16) as u64);
            if day + Days::new(2) >= today {
                break;
            }
            let kind = draw.range(0, SYMPTOMS.len() as i64 - 1) as usize;
            let (device, symptom) = SYMPTOMS[kind];
            let system_type = court.types[draw.range(0, court.types.len() as i64 - 1) as usize];
            let reported = local(day, draw.range(8 * 60, 17 * 60), tz);
            let (name, email, phone, _) = CONTACTS[draw.range(0, 2) as usize];
            let row = Box::pin(
                service_ticket::ActiveModel {
                    project_id: Set(p.id),
                    number: Set(None),
                    channel: Set(if draw.chance(70) {
                        TicketChannel::Phone
                    } else {
                        TicketChannel::Email
                    }),
                    status: Set(TicketStatus::Closed),
                    reporter_name: Set(name.into()),
                    reporter_phone: Set(phone.into()),
                    reporter_email: Set(Some(email.into())),
                    system_type: Set(Some(system_type)),
                    unit_id: Set(None),
                    device: Set(Some(format!("{} 号法庭 {device}", draw.range(1, 6)))),
                    symptom: Set(symptom.into()),
                    fault_started_at: Set(Some(reported - Duration::minutes(15))),
                    reported_at: Set(reported),
                    in_warranty: Set(true),
                    warranty_ends_on: Set(project.warranty_starts_on.map(|d| d + Days::new(3 * 365))),
                    human_damage: Set(false),
                    paid: Set(false),
                    major_quality: Set(false),
                    failed_repairs: Set(0),
                    clock_log: Set("{}".into()),
                    breached: Set(false),
                    paused: Set(false),
                    created_by: Set(Some(pm)),
                    created_at: Set(reported),
                    updated_at: Set(reported),
                    ..Default::default()
                }
                .insert(&txn),
            )
            .await?;
            // The timeline: the answer within about an hour (a few late), then by phone or on
            // site; repaired within the day mostly, on a second visit sometimes.
            let mut at = reported
                + Duration::minutes(if draw.chance(12) {
                    draw.range(62, 110)
                } else {
                    draw.range(8, 55)
                });
            let mut events = vec![(TicketStep::Reported, reported), (TicketStep::CalledBack, at)];
            let mut failed = 0;
            let mut repaired_after = 0;
            if draw.chance(30) {
                at += Duration::minutes(draw.range(10, 40));
                events.push((TicketStep::SolvedRemotely, at));
            } else {
                at += Duration::minutes(5);
                events.push((TicketStep::Dispatched, at));
                at += Duration::minutes(if draw.chance(8) {
                    draw.range(125, 170)
                } else {
                    draw.range(35, 110)
                });
                events.push((TicketStep::Arrived, at));
                let arrived = at;
                if draw.chance(12) {
                    at += Duration::minutes(draw.range(90, 180));
                    events.push((TicketStep::RepairFailed, at));
                    failed = 1;
                    at += Duration::minutes(20);
                    events.push((TicketStep::Dispatched, at));
                    at += Duration::hours(draw.range(14, 18));
                    events.push((TicketStep::Arrived, at));
                }
                at += Duration::minutes(if draw.chance(10) {
                    draw.range(8 * 60 + 20, 11 * 60)
                } else {
                    draw.range(40, 6 * 60)
                });
                events.push((TicketStep::Repaired, at));
                repaired_after = (at - arrived).num_minutes();
                at += Duration::minutes(30);
                events.push((TicketStep::ServiceOrderFilled, at));
            }
            let closed = at + Duration::hours(draw.range(20, 40));
            events.push((TicketStep::Closed, closed));
            Box::pin(
                ticket_event::Entity::insert_many(events.iter().map(|(step, when)| ticket_event::ActiveModel {
                    ticket_id: Set(row.id),
                    step: Set(*step),
                    at: Set(*when),
                    actor_id: Set(Some(if *step == TicketStep::Reported { pm } else { li })),
                    recorded_at: Set(*when),
                    ..Default::default()
                }))
                .exec(&txn),
            )
            .await?;
            let mut active: service_ticket::ActiveModel = row.into();
            active.number = Set(Some(format!(
                "BX-{}-{:05}",
                reported.with_timezone(&tz).year(),
                *active.id.as_ref()
            )));
            active.failed_repairs = Set(failed);
            active.closed_at = Set(Some(closed));
            let row = Box::pin(active.update(&txn)).await?;
            let row = Box::pin(tickets::refresh(&txn, &project, row, &policy, closed)).await?;
            tickets_written += 1;
            // Repaired on site: its 上门服务单, classed, handed in the next day.
            if repaired_after > 0 {
                let (category, cause, remedy) = CAUSES[kind];
                let filled = at - Duration::minutes(30);
                Box::pin(
                    service_order::ActiveModel {
                        ticket_id: Set(row.id),
                        cause: Set(cause.into()),
                        cause_category: Set(Some(category)),
                        remedy: Set(remedy.into()),
                        used_materials: Set("[]".into()),
                        returned_materials: Set("[]".into()),
                        fee_fen: Set(0),
                        repairers: Set("李明".into()),
                        repaired_on: Set(filled.with_timezone(&tz).date_naive()),
                        result: Set("系统恢复正常，功能测试通过".into()),
                        handed_in_at: Set(Some(filled + Duration::hours(20))),
                        handed_in_by: Set(Some(li)),
                        filled_by: Set(Some(li)),
                        created_at: Set(filled),
                        updated_at: Set(filled),
                        ..Default::default()
                    }
                    .insert(&txn),
                )
                .await?;
            }
            // A spare lent for the longer repairs, brought back.
            if repaired_after > 4 * 60
                && let Some(spare) = store.get(draw.range(0, store.len().max(1) as i64 - 1) as usize)
            {
                Box::pin(
                    spare_loan::ActiveModel {
                        ticket_id: Set(row.id),
                        spare_id: Set(spare.id),
                        status: Set(LoanStatus::Returned),
                        requested_by: Set(Some(li)),
                        requested_at: Set(reported + Duration::hours(1)),
                        approval: Set(Some(LoanApproval::InApp)),
                        approved_by: Set(Some(pm)),
                        approved_at: Set(Some(reported + Duration::hours(1))),
                        checked_out_at: Set(Some(reported + Duration::hours(2))),
                        returned_at: Set(Some(closed)),
                        ..Default::default()
                    }
                    .insert(&txn),
                )
                .await?;
            }
            // 回访 after most repairs: mostly 满意; now and then 不满意, twice a complaint.
            if draw.chance(65) {
                let unhappy = draw.chance(3);
                let complaint = unhappy && tickets_written % 3 == 0;
                let rate = |d: &mut Draw| {
                    if unhappy {
                        Satisfaction::Unsatisfied
                    } else if d.chance(15) {
                        Satisfaction::Basically
                    } else {
                        Satisfaction::Satisfied
                    }
                };
                let answered = closed + Duration::hours(draw.range(2, 48));
                let answered_on = answered.with_timezone(&tz).date_naive();
                Box::pin(
                    return_visit::ActiveModel {
                        ticket_id: Set(row.id),
                        stage: Set(VisitStage::After),
                        channel: Set(VisitChannel::Phone),
                        asked_at: Set(answered),
                        answered_at: Set(Some(answered)),
                        response: Set(Some(rate(&mut draw))),
                        attitude: Set(Some(Satisfaction::Satisfied)),
                        quality: Set(Some(rate(&mut draw))),
                        overall: Set(Some(rate(&mut draw))),
                        comment: Set(unhappy.then(|| "等待时间太长，影响开庭".to_string())),
                        complaint: Set(complaint),
                        respondent: Set(Some(name.into())),
                        follow_up: Set(unhappy),
                        followed_up_at: Set(unhappy.then(|| answered + Duration::days(1))),
                        followed_up_by: Set(unhappy.then_some(pm)),
                        follow_up_note: Set(unhappy.then(|| "已致电致歉，调整值班安排".to_string())),
                        recorded_by: Set(Some(pm)),
                        answered_month: Set(Some(Month::of(answered_on).key())),
                        ..Default::default()
                    }
                    .insert(&txn),
                )
                .await?;
                visits_written += 1;
            }
        }
        // The loans and 回访 went in beside the live code: the court's sums are counted again.
        month_counts::recount_project(&txn, p.id).await?;
        txn.commit().await?;
    }
    Ok(format!(
        "a year of after-sales history on four courts delivered {delivered_on} ({tickets_written} archived tickets, {visits_written} 回访, their inspections)"
    ))
}
