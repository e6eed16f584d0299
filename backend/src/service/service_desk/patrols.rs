//! 定时巡检: the visits planned over a delivered project's warranty (`domain::patrol`), what each
//! found per unit and check — a problem found opens a ticket of channel 巡检发现 — the reminders
//! before a visit to its engineers and the warning once one is missed; and 定时电话回访, the desk's
//! periodic calls to the client, logged.
use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{patrol, patrol_result, project, service_call, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::{
    settings::{policy_of, specialists, working_calendar},
    tickets::{self, FaultCard, managers},
    units::units,
};
use crate::{
    db::begin_write,
    documents::{Block, Column, Form, Lang, Meta, Party, Row},
    domain::{
        patrol::{self as rule, Checklist},
        plan::ServicePolicy,
        types::{CheckResult, ProjectStatus, SignParty, SignedDocument, TicketChannel, optional_text, required_text},
        warranty,
    },
    email::{messages, outbox},
    error::{AppError, AppResult},
    service::{
        access::{Granted, MayManage, MayRead, MayRecordWork, Read},
        audit,
        auth::sha256_hex,
        projects::timezone_of,
        signing::{self, Signed},
    },
    state::AppState,
};

/// A visit with what it found.
#[derive(Debug, Clone)]
pub struct Visit {
    pub patrol: patrol::Model,
    pub results: Vec<patrol_result::Model>,
    pub done_by: Option<String>,
    /// Not done and its day has passed.
    pub overdue: bool,
}

/// The warranty a project's visits are planned over: from its start for the policy's months.
fn warranty_span(project: &project::Model, policy: &ServicePolicy) -> Option<(NaiveDate, NaiveDate)> {
    let start = project.warranty_starts_on?;
    Some((start, warranty::ends_on(start, policy.warranty_months)))
}

/// Plans a project's visits for the policy in force: the visits done stay; the others are
/// replaced by the plan (a changed number per half-year, a moved warranty start).
pub(super) async fn plan_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    project: &project::Model,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let policy = policy_of(txn, project).await?;
    let Some((start, end)) = warranty_span(project, &policy) else {
        return Ok(0);
    };
    let calendar = working_calendar(state, txn, project).await?;
    patrol::Entity::delete_many()
        .filter(patrol::Column::ProjectId.eq(project.id))
        .filter(patrol::Column::DoneOn.is_null())
        .exec(txn)
        .await?;
    let done: Vec<i32> = patrol::Entity::find()
        .filter(patrol::Column::ProjectId.eq(project.id))
        .all(txn)
        .await?
        .iter()
        .map(|p| p.seq)
        .collect();
    let mut planned = 0;
    for visit in rule::plan(start, end, policy.inspections_per_half_year, |d| {
        calendar.is_working_day(d)
    }) {
        let seq = i32::try_from(visit.seq).unwrap_or(i32::MAX);
        if done.contains(&seq) {
            continue;
        }
        patrol::ActiveModel {
            project_id: Set(project.id),
            seq: Set(seq),
            half_year: Set(i32::try_from(visit.half_year).unwrap_or(i32::MAX)),
            planned_on: Set(visit.planned_on),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        planned += 1;
    }
    Ok(planned)
}

/// Re-plans a project's visits (after its policy changed).
pub async fn replan(state: &AppState, p: &Granted<impl MayManage>, now: DateTime<Utc>) -> AppResult<usize> {
    let txn = begin_write(&state.db).await?;
    let planned = plan_in(state, &txn, p.project(), now).await?;
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "patrols.planned",
        format!("project:{}", p.id()),
        json!({ "planned": planned }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(planned)
}

/// Plans the visits of every delivered project that has none yet (the daily job, so a project
/// finally accepted today has its visits tomorrow at the latest).
pub async fn plan_delivered(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let delivered = project::Entity::find()
        .filter(project::Column::Status.eq(ProjectStatus::Delivered))
        .filter(project::Column::WarrantyStartsOn.is_not_null())
        .all(&state.db)
        .await?;
    let mut planned = 0;
    for project in delivered {
        let any = patrol::Entity::find()
            .filter(patrol::Column::ProjectId.eq(project.id))
            .one(&state.db)
            .await?
            .is_some();
        if any {
            continue;
        }
        let txn = begin_write(&state.db).await?;
        planned += plan_in(state, &txn, &project, now).await?;
        txn.commit().await?;
    }
    Ok(planned)
}

/// A project's visits in order, read on `today`.
pub async fn list(db: &impl ConnectionTrait, p: &Granted<impl MayRead>, today: NaiveDate) -> AppResult<Vec<Visit>> {
    let visits = patrol::Entity::find()
        .filter(patrol::Column::ProjectId.eq(p.id()))
        .order_by_asc(patrol::Column::PlannedOn)
        .order_by_asc(patrol::Column::Seq)
        .all(db)
        .await?;
    let results = patrol_result::Entity::find()
        .filter(patrol_result::Column::PatrolId.is_in(visits.iter().map(|v| v.id)))
        .order_by_asc(patrol_result::Column::Id)
        .all(db)
        .await?;
    let names: std::collections::HashMap<i32, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(visits.iter().filter_map(|v| v.done_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(visits
        .into_iter()
        .map(|v| Visit {
            results: results.iter().filter(|r| r.patrol_id == v.id).cloned().collect(),
            done_by: v.done_by.and_then(|id| names.get(&id).cloned()),
            overdue: rule::overdue(v.planned_on, v.done_on.is_some(), today),
            patrol: v,
        })
        .collect())
}

/// The checklists for a project's system types (in the project's order).
pub fn checklists<'a>(state: &'a AppState, project: &project::Model) -> Vec<&'a Checklist> {
    crate::service::projects::system_types(project)
        .iter()
        .filter_map(|t| state.templates.patrols.iter().find(|c| &c.system_type == t))
        .collect()
}

/// One check as recorded.
#[derive(Debug, Clone)]
pub struct CheckInput {
    /// The unit checked; none for a check of the system.
    pub unit_id: Option<i32>,
    pub item: String,
    pub result: CheckResult,
    pub note: Option<String>,
    /// A problem to repair: opens a ticket (巡检发现) for the unit.
    pub open_ticket: bool,
}

/// What the engineer records at the end of a visit.
#[derive(Debug, Clone)]
pub struct VisitInput {
    /// The day it was done; today by default.
    pub done_on: Option<NaiveDate>,
    pub summary: Option<String>,
    pub checks: Vec<CheckInput>,
    /// Who on the client's side a ticket names as its reporter (the person met on site).
    pub contact_name: String,
    pub contact_phone: String,
}

/// Records a visit as done with its checks; each problem marked to repair opens a ticket, in the
/// same transaction. Done once: a visit recorded is not recorded again.
#[tracing::instrument(skip_all, fields(project_id = p.id(), patrol_id))]
pub async fn record(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    patrol_id: i32,
    input: VisitInput,
    now: DateTime<Utc>,
) -> AppResult<Visit> {
    let project = p.project();
    let tz = timezone_of(project);
    let today = now.with_timezone(&tz).date_naive();
    let done_on = input.done_on.unwrap_or(today);
    if done_on > today {
        return Err(AppError::invalid(
            "done_on",
            "done_on: the visit cannot be done in the future",
        ));
    }
    if input.checks.is_empty() {
        return Err(AppError::invalid("checks", "checks: record at least one check"));
    }
    let summary = optional_text("summary", input.summary.as_deref(), 2000)?;
    let policy = policy_of(&state.db, project).await?;
    let read = Granted::<Read>::vouched(project.clone(), p.actor());
    let installed = units(&state.db, &read, &policy).await?;
    let mut checks = Vec::new();
    for (i, c) in input.checks.iter().enumerate() {
        let item = required_text(&format!("checks[{i}].item"), &c.item, 500)?;
        let note = optional_text(&format!("checks[{i}].note"), c.note.as_deref(), 2000)?;
        if let Some(id) = c.unit_id
            && !installed.iter().any(|u| u.unit_id == id)
        {
            return Err(AppError::invalid(
                format!("checks[{i}].unit_id"),
                format!("checks[{i}].unit_id: {id} is not an installed unit of {}", project.code),
            ));
        }
        if c.open_ticket && c.result != CheckResult::Fail {
            return Err(AppError::invalid(
                format!("checks[{i}].open_ticket"),
                format!("checks[{i}].open_ticket: only a failed check opens a ticket"),
            ));
        }
        checks.push((c, item, note));
    }
    let txn = begin_write(&state.db).await?;
    let visit = patrol::Entity::find_by_id(patrol_id)
        .filter(patrol::Column::ProjectId.eq(project.id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no inspection visit {patrol_id} on {}", project.code)))?;
    if visit.done_on.is_some() {
        return Err(AppError::Conflict(format!(
            "inspection visit {} was recorded on {} already",
            visit.seq,
            visit.done_on.map(|d| d.to_string()).unwrap_or_default()
        )));
    }
    for (c, item, note) in checks {
        let ticket = if c.open_ticket {
            let unit = c.unit_id.and_then(|id| installed.iter().find(|u| u.unit_id == id));
            let card = FaultCard {
                reporter_name: input.contact_name.clone(),
                reporter_phone: input.contact_phone.clone(),
                unit_id: c.unit_id,
                device: unit.is_none().then(|| item.clone()),
                symptom: match &note {
                    Some(n) => format!("定时巡检发现：{item}。{n}"),
                    None => format!("定时巡检发现：{item}"),
                },
                ..Default::default()
            };
            Some(tickets::open_in(state, &txn, &read, TicketChannel::Inspection, card, None, now).await?)
        } else {
            None
        };
        patrol_result::ActiveModel {
            patrol_id: Set(visit.id),
            unit_id: Set(c.unit_id),
            item: Set(item),
            result: Set(c.result),
            note: Set(note),
            ticket_id: Set(ticket.map(|t| t.id)),
            recorded_by: Set(p.actor().id),
            recorded_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let mut active: patrol::ActiveModel = visit.into();
    active.done_on = Set(Some(done_on));
    active.done_by = Set(p.actor().id);
    active.summary = Set(summary);
    active.contact_name = Set(Some(input.contact_name.trim().to_string()).filter(|n| !n.is_empty()));
    active.contact_phone = Set(Some(input.contact_phone.trim().to_string()).filter(|n| !n.is_empty()));
    active.updated_at = Set(now);
    let visit = active.update(&txn).await?;
    audit::project_event(
        &txn,
        p.actor(),
        project.id,
        "patrol.recorded",
        format!("patrol:{}", visit.id),
        json!({ "seq": visit.seq, "done_on": done_on }),
        now,
    )
    .await?;
    txn.commit().await?;
    list(&state.db, p, today)
        .await?
        .into_iter()
        .find(|v| v.patrol.id == patrol_id)
        .ok_or_else(|| AppError::not_found(format!("no inspection visit {patrol_id}")))
}

/// Reminds the engineers of a visit `inspection_notice_days` before it, and tells the PMs and the
/// service managers once it was missed; each message once (the outbox's key).
pub async fn notify(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let db = &state.db;
    let open = patrol::Entity::find()
        .filter(patrol::Column::DoneOn.is_null())
        .order_by_asc(patrol::Column::PlannedOn)
        .all(db)
        .await?;
    let mut queued = 0;
    let mut projects: std::collections::HashMap<i32, project::Model> = std::collections::HashMap::new();
    for visit in open {
        if !projects.contains_key(&visit.project_id) {
            let Some(found) = project::Entity::find_by_id(visit.project_id).one(db).await? else {
                continue;
            };
            projects.insert(found.id, found);
        }
        let Some(project) = projects.get(&visit.project_id) else {
            continue;
        };
        let today = now.with_timezone(&timezone_of(project)).date_naive();
        let days_left = (visit.planned_on - today).num_days();
        let policy = policy_of(db, project).await?;
        let (what, mut people): (String, Vec<user::Model>) = if days_left < 0 {
            let people = managers(db, project.id).await?.into_iter().map(|(_, u)| u).collect();
            ("overdue".into(), people)
        } else if let Some(before) = policy
            .inspection_notice_days
            .iter()
            .filter(|d| i64::from(**d) >= days_left)
            .min()
        {
            let mut people = specialists(db, project.id).await?;
            if people.is_empty() {
                people = managers(db, project.id).await?.into_iter().map(|(_, u)| u).collect();
            }
            (format!("before:{before}"), people)
        } else {
            continue;
        };
        people.retain(|u| !u.disabled && u.email.is_some());
        let mut to: Vec<(String, String)> = people
            .iter()
            .filter_map(|u| u.email.clone().map(|e| (e, u.display_name.clone())))
            .collect();
        if what == "overdue" {
            for address in &state.settings.service_desk.service_managers {
                to.push((address.clone(), "服务经理".into()));
            }
        }
        for (address, name) in to {
            let ctx = minijinja::context! {
                name => name,
                overdue => what == "overdue",
                days_left => days_left,
                seq => visit.seq,
                half_year => visit.half_year,
                planned_on => visit.planned_on.to_string(),
                project_code => project.code,
                project_name => project.name,
                site => project.site_address,
                link => format!("{}/projects/{}/service#patrols", state.settings.base_url(), project.id),
            };
            let env = &state.templates.env;
            let render = |t: &str| messages::render(env, t, &ctx);
            let fresh = outbox::enqueue(
                db,
                outbox::NewEmail {
                    key: format!("patrol_due:{}:{what}:{address}", visit.id),
                    kind: "patrol_due".into(),
                    project_id: Some(project.id),
                    to_address: address,
                    to_name: Some(name),
                    subject: render("patrol_due.subject.txt")?,
                    text: render("patrol_due.txt")?,
                    html: None,
                    calendar: None,
                },
                Duration::hours(state.settings.mail_retry_horizon_hours),
                now,
            )
            .await?;
            queued += usize::from(fresh.is_some());
        }
    }
    Ok(queued)
}

/// A 定时电话回访 as logged.
#[derive(Debug, Clone)]
pub struct CallInput {
    /// When the call was made; now by default.
    pub called_at: Option<DateTime<Utc>>,
    pub contact_name: String,
    pub contact_phone: Option<String>,
    pub summary: String,
}

/// Logs a call to the client.
pub async fn log_call(
    state: &AppState,
    p: &Granted<impl MayRecordWork>,
    input: CallInput,
    now: DateTime<Utc>,
) -> AppResult<service_call::Model> {
    let contact_name = required_text("contact_name", &input.contact_name, 100)?;
    let contact_phone = optional_text("contact_phone", input.contact_phone.as_deref(), 40)?;
    let summary = required_text("summary", &input.summary, 2000)?;
    let called_at = input.called_at.unwrap_or(now);
    if called_at > now + Duration::minutes(5) {
        return Err(AppError::invalid(
            "called_at",
            "called_at: the call cannot be in the future",
        ));
    }
    let txn = begin_write(&state.db).await?;
    let call = service_call::ActiveModel {
        project_id: Set(p.id()),
        called_at: Set(called_at),
        contact_name: Set(contact_name),
        contact_phone: Set(contact_phone),
        summary: Set(summary),
        called_by: Set(p.actor().id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::project_event(
        &txn,
        p.actor(),
        p.id(),
        "service_call.logged",
        format!("service_call:{}", call.id),
        json!({ "contact": call.contact_name }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(call)
}

/// A project's calls, newest first.
pub async fn calls(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<service_call::Model>> {
    Ok(service_call::Entity::find()
        .filter(service_call::Column::ProjectId.eq(p.id()))
        .order_by_desc(service_call::Column::CalledAt)
        .all(db)
        .await?)
}

/// The 巡检报告 has one part to sign.
pub const REPORT: i32 = 1;

/// A visit's 巡检报告: what was checked and found, signed by the engineer and the client.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub project: project::Model,
    pub visit: Visit,
    /// The units checked, by id: their label (name, model, serial, place).
    pub units: std::collections::HashMap<i32, String>,
    /// The numbers of the tickets the visit opened, by id.
    pub tickets: std::collections::HashMap<i32, String>,
    pub signatures: Vec<entity::signature::Model>,
}

impl ReportData {
    fn fields(&self) -> Vec<(String, String)> {
        let v = &self.visit.patrol;
        vec![
            ("工程名称".into(), self.project.name.clone()),
            ("工程地址".into(), self.project.site_address.clone()),
            ("建设单位".into(), self.project.client_name.clone()),
            (
                "巡检次序".into(),
                format!("第 {} 次（质保第 {} 个半年）", v.seq, v.half_year),
            ),
            ("计划日期".into(), v.planned_on.to_string()),
            ("巡检日期".into(), v.done_on.map(|d| d.to_string()).unwrap_or_default()),
            ("巡检人".into(), self.visit.done_by.clone().unwrap_or_default()),
            ("甲方陪同人员".into(), v.contact_name.clone().unwrap_or_default()),
            ("巡检结论".into(), v.summary.clone().unwrap_or_else(|| "无".into())),
        ]
    }

    /// The checks as printed: 检查项目, 设备, 结果, 情况说明, 处理.
    fn check_rows(&self) -> Vec<Vec<String>> {
        self.visit
            .results
            .iter()
            .map(|r| {
                vec![
                    r.item.clone(),
                    r.unit_id
                        .and_then(|id| self.units.get(&id).cloned())
                        .unwrap_or_else(|| "系统".into()),
                    match r.result {
                        CheckResult::Pass => "正常",
                        CheckResult::Fail => "异常",
                        CheckResult::NotApplicable => "不适用",
                    }
                    .into(),
                    r.note.clone().unwrap_or_default(),
                    r.ticket_id
                        .and_then(|id| self.tickets.get(&id).cloned())
                        .map(|n| format!("已报修 {n}"))
                        .unwrap_or_default(),
                ]
            })
            .collect()
    }

    fn content(&self) -> String {
        json!({ "fields": self.fields(), "checks": self.check_rows() }).to_string()
    }
}

const CHECK_COLUMNS: [(&str, u32); 5] = [("检查项目", 4), ("设备", 4), ("结果", 1), ("情况说明", 4), ("处理", 3)];

impl Signed for ReportData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::PatrolReport, self.visit.patrol.id)
    }

    fn title(&self) -> String {
        format!("巡检报告（第 {} 次定时巡检）", self.visit.patrol.seq)
    }

    fn part_label(&self, _part: i32, _lang: Lang) -> String {
        "巡检报告".into()
    }

    fn part_table(&self, _part: i32, _lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        let mut rows: Vec<Vec<String>> = self.fields().into_iter().map(|(k, v)| vec![k, v]).collect();
        for check in self.check_rows() {
            let item = check[0].clone();
            let rest: Vec<String> = check[1..].iter().filter(|c| !c.is_empty()).cloned().collect();
            rows.push(vec![item, rest.join(" / ")]);
        }
        (vec!["项目".into(), "内容".into()], rows)
    }

    fn part_size(&self, _part: i32) -> Option<usize> {
        Some(self.visit.results.len())
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        (part == REPORT).then(|| sha256_hex(self.content().as_bytes()))
    }

    fn refuse(&self, part: i32, party: SignParty) -> Option<String> {
        if self.visit.patrol.done_on.is_none() {
            return Some("the visit is not recorded yet".into());
        }
        signing::one_part_refusal(self, "巡检报告", REPORT, part, party)
    }

    fn signatures(&self) -> &[entity::signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, _part: i32) -> String {
        format!("patrol:{}", self.visit.patrol.id)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (self.visit.patrol.contact_name.clone(), None)
    }

    fn statement(&self, client: &str, _parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：本次定时巡检已按上述项目完成，巡检结果属实。本电子签字与本人手写签字、盖章具有同等效力。"
        )
    }

    fn request_intro(&self) -> String {
        "我方工程师已完成本次定时巡检。请打开下面的链接，核对《巡检报告》所列的检查项目和结果后签字确认。".into()
    }

    fn part_unit(&self) -> &'static str {
        "份"
    }
}

/// The report of visit `id` of `project`, or 404.
pub async fn load(db: &impl ConnectionTrait, project: project::Model, id: i32) -> AppResult<ReportData> {
    let read = Granted::<Read>::vouched(project.clone(), &crate::service::Actor::system());
    let today = Utc::now().with_timezone(&timezone_of(&project)).date_naive();
    let visit = list(db, &read, today)
        .await?
        .into_iter()
        .find(|v| v.patrol.id == id)
        .ok_or_else(|| AppError::not_found(format!("no inspection visit {id} on {}", project.code)))?;
    let policy = policy_of(db, &project).await?;
    let units = units(db, &read, &policy)
        .await?
        .into_iter()
        .map(|u| (u.unit_id, u.label()))
        .collect();
    let tickets = entity::service_ticket::Entity::find()
        .filter(entity::service_ticket::Column::Id.is_in(visit.results.iter().filter_map(|r| r.ticket_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number.unwrap_or_default()))
        .collect();
    let signatures = signing::signatures_of(db, SignedDocument::PatrolReport, id).await?;
    Ok(ReportData {
        project,
        visit,
        units,
        tickets,
        signatures,
    })
}

/// The 巡检报告 as a Word form (草稿 across it until the client signed).
pub fn form(d: &ReportData) -> Form {
    let mut blocks = vec![Block::Fields(d.fields())];
    blocks.push(Block::Heading("检查项目".into()));
    let rows = d.check_rows();
    blocks.push(Block::Table {
        columns: CHECK_COLUMNS.iter().map(|(l, w)| Column::new(*l, *w)).collect(),
        rows: if rows.is_empty() {
            vec![Row::Span("无".into())]
        } else {
            rows.into_iter().map(Row::Cells).collect()
        },
    });
    let signed = |party: SignParty| d.signatures.iter().find(|s| s.party == party);
    let (ours, client) = (signed(SignParty::Ours), signed(SignParty::Client));
    let party = |side: &str, name: String, s: Option<&entity::signature::Model>, seal: bool| Party {
        side: side.into(),
        name,
        signed_by: s.map(|s| s.signer_name.clone()),
        signed_on: s.map(|s| signing::signed_minute(s).to_string()),
        seal,
        details: Vec::new(),
        verify_code: s.map(|s| s.verify_code.clone()),
    };
    blocks.push(Block::Signatures(vec![
        party(
            "巡检人（乙方）",
            d.visit.done_by.clone().unwrap_or_default(),
            ours,
            false,
        ),
        party("用户签章（甲方）", d.project.client_name.clone(), client, true),
    ]));
    Form {
        meta: Meta {
            title: "巡检报告".into(),
            number: Some(format!("{}-XJ-{:02}", d.project.code, d.visit.patrol.seq)),
            version: 1,
            verify_code: None,
            landscape: false,
            draft: client.is_none(),
            made_at: Some(d.visit.patrol.updated_at),
            dated: d.visit.patrol.done_on.map(|d| d.to_string()),
        },
        blocks,
        pictures: Default::default(),
    }
}

/// The signatures in force on the reports of `visits`.
pub async fn report_signatures(
    db: &impl ConnectionTrait,
    visits: &[Visit],
) -> AppResult<Vec<entity::signature::Model>> {
    use entity::signature;
    Ok(signature::Entity::find()
        .filter(signature::Column::Document.eq(SignedDocument::PatrolReport))
        .filter(signature::Column::DocumentId.is_in(visits.iter().map(|v| v.patrol.id)))
        .filter(signature::Column::VoidedAt.is_null())
        .all(db)
        .await?)
}
