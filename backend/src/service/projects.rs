//! Projects, their schedule instantiation, our members and the client's contacts.
use super::access::{Granted, MayManage, MayRead};
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::{client_contact, phase, plan, project, project_member, task, user};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, ExprTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, Query},
};

use super::{
    Actor,
    access::{self},
    history::{self, Change},
    plans, schedule,
};
use crate::{
    db::begin_write,
    domain::{
        calendar::HolidayCalendar,
        plan::{PlanDefinition, due_date},
        schedule::{deadline, zone},
        types::{
            EmailAddress, MemberRole, ProjectCode, ProjectStatus, Role, SystemType, TaskStatus, optional_date,
            optional_text, parse_date, required_text,
        },
    },
    error::{AppError, AppResult},
    templates::Templates,
};

pub struct NewProject {
    pub code: String,
    pub name: String,
    pub client_name: String,
    pub site_address: Option<String>,
    pub contract_number: Option<String>,
    pub supervisor: Option<String>,
    pub region: Option<String>,
    pub category: Option<String>,
    pub system_types: Vec<String>,
    pub contract_signed_on: String,
    pub delivery_due_on: Option<String>,
    pub plan: Option<String>,
    pub timezone: Option<String>,
    pub status: Option<String>,
}

/// Whom to add to a project: an account's id or its username.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    Id(i32),
    Username(&'a str),
}

#[derive(Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub client_name: Option<String>,
    pub site_address: Option<String>,
    pub contract_number: Option<String>,
    pub supervisor: Option<String>,
    pub region: Option<String>,
    pub category: Option<String>,
    pub system_types: Option<Vec<String>>,
    pub contract_signed_on: Option<String>,
    /// `Some(None)` clears the date.
    pub delivery_due_on: Option<Option<String>>,
    pub status: Option<String>,
    pub timezone: Option<String>,
}

pub fn system_types(model: &project::Model) -> Vec<String> {
    serde_json::from_str(&model.system_types).unwrap_or_default()
}

fn parse_system_types(values: &[String]) -> AppResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        let t = SystemType::parse_any(v)?.as_str().to_string();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

fn parse_timezone(value: &str) -> AppResult<Tz> {
    value.trim().parse().map_err(|_| {
        AppError::invalid(
            "timezone",
            format!("timezone: '{value}' is not an IANA time zone such as Asia/Shanghai"),
        )
    })
}

/// The project's time zone, in which its deadlines end.
pub fn timezone_of(model: &project::Model) -> Tz {
    zone(&model.timezone)
}

fn check_delivery(signed: NaiveDate, delivery: Option<NaiveDate>) -> AppResult<()> {
    match delivery {
        Some(d) if d < signed => Err(AppError::invalid(
            "delivery_due_on",
            format!("delivery_due_on: {d} is before the contract was signed ({signed})"),
        )),
        _ => Ok(()),
    }
}

/// What looks wrong about a project but is accepted: a contract dated ahead of today (in the
/// project's time zone) is usually a typing mistake — its 协议签定 is recorded as done today.
pub fn warnings(model: &project::Model, now: DateTime<Utc>) -> Vec<String> {
    let today = crate::domain::schedule::local_today(now, timezone_of(model));
    let mut found = Vec::new();
    if model.contract_signed_on > today {
        found.push(format!(
            "contract_signed_on: {} is after today ({today}); check the date",
            model.contract_signed_on
        ));
    }
    found
}

/// The holiday calendar a plan counts working days on.
pub fn plan_calendar<'a>(templates: &'a Templates, def: &PlanDefinition) -> AppResult<Option<&'a HolidayCalendar>> {
    match &def.calendar {
        Some(code) => templates.calendars.get(code).map(Some).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "plan '{}' needs calendar '{code}', which is not installed",
                def.code
            ))
        }),
        None => Ok(None),
    }
}

#[tracing::instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    templates: &Templates,
    default_tz: Tz,
    actor: &Actor,
    input: NewProject,
    now: DateTime<Utc>,
) -> AppResult<project::Model> {
    access::can_create_projects(actor)?;
    let code = ProjectCode::parse(&input.code)?.into_inner();
    let name = required_text("name", &input.name, 200)?;
    let client_name = required_text("client_name", &input.client_name, 200)?;
    let site_address = optional_text("site_address", input.site_address.as_deref(), 300)?.unwrap_or_default();
    let contract_number = optional_text("contract_number", input.contract_number.as_deref(), 100)?.unwrap_or_default();
    let supervisor = optional_text("supervisor", input.supervisor.as_deref(), 200)?.unwrap_or_default();
    let region = optional_text("region", input.region.as_deref(), 60)?.unwrap_or_default();
    let category = optional_text("category", input.category.as_deref(), 60)?.unwrap_or_default();
    let system_types = parse_system_types(&input.system_types)?;
    let signed = parse_date("contract_signed_on", &input.contract_signed_on)?;
    let delivery = optional_date("delivery_due_on", input.delivery_due_on.as_deref())?;
    check_delivery(signed, delivery)?;
    let tz = input
        .timezone
        .as_deref()
        .map(parse_timezone)
        .transpose()?
        .unwrap_or(default_tz);
    let status = ProjectStatus::parse(input.status.as_deref().unwrap_or("active"))?;
    let plan_code = input.plan.unwrap_or_else(|| "default".into());

    let txn = begin_write(db).await?;
    let plan = plans::find(&txn, &plan_code).await?.ok_or_else(|| {
        AppError::invalid(
            "plan",
            format!("plan: no plan '{plan_code}' (GET /api/plans lists them)"),
        )
    })?;
    let def = plans::definition(&plan)?;
    let calendar = plan_calendar(templates, &def)?;
    if project::Entity::find()
        .filter(project::Column::Code.eq(&code))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!("a project with code '{code}' exists")));
    }
    let created = project::ActiveModel {
        code: Set(code.clone()),
        name: Set(name),
        client_name: Set(client_name),
        site_address: Set(site_address),
        contract_number: Set(contract_number),
        supervisor: Set(supervisor),
        region: Set(region),
        category: Set(category),
        system_types: Set(serde_json::to_string(&system_types).map_err(anyhow::Error::from)?),
        contract_signed_on: Set(signed),
        delivery_due_on: Set(delivery),
        status: Set(status),
        timezone: Set(tz.name().into()),
        plan_id: Set(plan.id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    instantiate_schedule(&txn, &created, &def, calendar).await?;
    super::milestones::contract_signed(&txn, actor, &created, now).await?;
    let mut log = vec![
        Change::new(Some(created.id), "project", Some(created.id), "created")
            .field("code", None, Some(code))
            .reason(Some(format!("plan {}", plan.code))),
    ];
    if let (Role::Manager, Some(user_id)) = (actor.role, actor.id) {
        let member = insert_member(&txn, created.id, user_id, MemberRole::Pm).await?;
        log.push(Change::new(Some(created.id), "member", Some(member.id), "added").field(
            "role",
            None,
            Some(format!("{} {}", actor.username, MemberRole::Pm)),
        ));
    }
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(created)
}

async fn instantiate_schedule(
    txn: &DatabaseTransaction,
    project: &project::Model,
    def: &PlanDefinition,
    calendar: Option<&HolidayCalendar>,
) -> AppResult<()> {
    let signed = project.contract_signed_on;
    let tz = timezone_of(project);
    for (i, p) in def.phases.iter().enumerate() {
        let phase = phase::ActiveModel {
            project_id: Set(project.id),
            seq: Set(i as i32 + 1),
            code: Set(p.code.clone()),
            name: Set(p.name.clone()),
            offset_days: Set(p.offset_days as i32),
            planned_due_on: Set(due_date(signed, p.offset_days, def.day_basis, calendar)),
            override_due_on: Set(None),
            override_reason: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let tasks = p.tasks.iter().enumerate().map(|(j, t)| {
            let offset = t.offset_days.unwrap_or(p.offset_days);
            let planned = due_date(signed, offset, def.day_basis, calendar);
            task::ActiveModel {
                project_id: Set(project.id),
                phase_id: Set(phase.id),
                phase_code: Set(p.code.clone()),
                project_active: Set(project.status == ProjectStatus::Active),
                seq: Set(j as i32 + 1),
                code: Set(t.code.clone()),
                name: Set(t.name.clone()),
                offset_days: Set(offset as i32),
                planned_due_on: Set(planned),
                override_due_on: Set(None),
                override_reason: Set(None),
                due_on: Set(planned),
                due_at: Set(deadline(planned, tz)),
                waits_on_client: Set(t.waits_on_client),
                assignee_id: Set(None),
                status: Set(TaskStatus::NotStarted),
                started_at: Set(None),
                finished_at: Set(None),
                completed_by: Set(None),
                note: Set(None),
                ..Default::default()
            }
        });
        task::Entity::insert_many(tasks).exec(txn).await?;
    }
    Ok(())
}

/// Recomputes every planned due date from the contract date; overrides stay as they are.
async fn replan(txn: &DatabaseTransaction, templates: &Templates, project: &project::Model) -> AppResult<Vec<Change>> {
    let plan = plan::Entity::find_by_id(project.plan_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("project {} has no plan", project.id)))?;
    let def = plans::definition(&plan)?;
    let calendar = plan_calendar(templates, &def)?;
    let due = |offset: i32| {
        due_date(
            project.contract_signed_on,
            Ord::max(offset, 0) as u32,
            def.day_basis,
            calendar,
        )
    };
    let mut log = Vec::new();
    for p in phase::Entity::find()
        .filter(phase::Column::ProjectId.eq(project.id))
        .all(txn)
        .await?
    {
        let new = due(p.offset_days);
        if new != p.planned_due_on {
            log.push(Change::new(Some(project.id), "phase", Some(p.id), "replanned").field(
                "planned_due_on",
                Some(p.planned_due_on.to_string()),
                Some(new.to_string()),
            ));
            let mut m: phase::ActiveModel = p.into();
            m.planned_due_on = Set(new);
            m.update(txn).await?;
        }
    }
    for t in task::Entity::find()
        .filter(task::Column::ProjectId.eq(project.id))
        .all(txn)
        .await?
    {
        let new = due(t.offset_days);
        if new != t.planned_due_on {
            log.push(Change::new(Some(project.id), "task", Some(t.id), "replanned").field(
                "planned_due_on",
                Some(t.planned_due_on.to_string()),
                Some(new.to_string()),
            ));
            let mut m: task::ActiveModel = t.into();
            m.planned_due_on = Set(new);
            m.update(txn).await?;
        }
    }
    Ok(log)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update(
    db: &DatabaseConnection,
    templates: &Templates,
    p: &Granted<impl MayManage>,
    changes: ProjectChanges,
    now: DateTime<Utc>,
) -> AppResult<project::Model> {
    let (actor, id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    // The row as it is now, under the write lock: the changes are recorded against it.
    let current = project::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no project {id}")))?;
    let base = Change::new(Some(id), "project", Some(id), "updated");
    let mut log = Vec::new();
    let mut m: project::ActiveModel = current.clone().into();
    macro_rules! text_field {
        ($field:ident, $name:literal, $max:expr, $required:expr) => {
            if let Some(v) = changes.$field {
                let v = if $required {
                    required_text($name, &v, $max)?
                } else {
                    optional_text($name, Some(&v), $max)?.unwrap_or_default()
                };
                history::diff(&mut log, &base, $name, &current.$field, &v);
                m.$field = Set(v);
            }
        };
    }
    text_field!(name, "name", 200, true);
    text_field!(client_name, "client_name", 200, true);
    text_field!(site_address, "site_address", 300, false);
    text_field!(contract_number, "contract_number", 100, false);
    text_field!(supervisor, "supervisor", 200, false);
    text_field!(region, "region", 60, false);
    text_field!(category, "category", 60, false);
    if let Some(types) = changes.system_types {
        let json = serde_json::to_string(&parse_system_types(&types)?).map_err(anyhow::Error::from)?;
        history::diff(&mut log, &base, "system_types", &current.system_types, &json);
        m.system_types = Set(json);
    }
    if let Some(status) = changes.status {
        let status = ProjectStatus::parse(&status)?;
        history::diff(&mut log, &base, "status", &current.status, &status);
        m.status = Set(status);
    }
    if let Some(tz) = changes.timezone {
        let tz = parse_timezone(&tz)?.name().to_string();
        history::diff(&mut log, &base, "timezone", &current.timezone, &tz);
        m.timezone = Set(tz);
    }
    let signed = match changes.contract_signed_on {
        Some(s) => parse_date("contract_signed_on", &s)?,
        None => current.contract_signed_on,
    };
    let delivery = match changes.delivery_due_on {
        Some(Some(d)) if !d.trim().is_empty() => Some(parse_date("delivery_due_on", &d)?),
        Some(_) => None,
        None => current.delivery_due_on,
    };
    check_delivery(signed, delivery)?;
    history::diff(
        &mut log,
        &base,
        "contract_signed_on",
        &current.contract_signed_on,
        &signed,
    );
    let show = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    history::diff(
        &mut log,
        &base,
        "delivery_due_on",
        &show(current.delivery_due_on),
        &show(delivery),
    );
    m.contract_signed_on = Set(signed);
    m.delivery_due_on = Set(delivery);
    if log.is_empty() {
        txn.commit().await?;
        return Ok(current);
    }
    m.updated_at = Set(now);
    let updated = m.update(&txn).await?;
    if signed != current.contract_signed_on {
        log.extend(replan(&txn, templates, &updated).await?);
    }
    if signed != current.contract_signed_on || updated.timezone != current.timezone {
        schedule::restamp_deadlines(&txn, &updated).await?;
    }
    if updated.status != current.status {
        task::Entity::update_many()
            .col_expr(
                task::Column::ProjectActive,
                (updated.status == ProjectStatus::Active).into(),
            )
            .filter(task::Column::ProjectId.eq(updated.id))
            .exec(&txn)
            .await?;
    }
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The furthest "due within N days" a project filter asks about: ten years.
pub const MAX_HORIZON_DAYS: u32 = 3650;

pub struct ProjectFilter {
    pub status: Option<String>,
    pub region: Option<String>,
    pub system_type: Option<String>,
    pub overdue: Option<bool>,
    pub due_within_days: Option<u32>,
    pub q: Option<String>,
    pub page: u64,
    pub per_page: u64,
}

/// A project in a list, with where its open tasks stand.
pub struct ProjectSummary {
    pub project: project::Model,
    pub open_tasks: u32,
    pub overdue_tasks: u32,
    pub next_due_on: Option<NaiveDate>,
}

#[tracing::instrument(skip_all)]
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: ProjectFilter,
    now: DateTime<Utc>,
) -> AppResult<(Vec<ProjectSummary>, u64)> {
    let mut cond = Condition::all();
    if let Some(visible) = access::visible_projects(actor) {
        cond = cond.add(visible);
    }
    if let Some(s) = filter.status.as_deref() {
        cond = cond.add(project::Column::Status.eq(ProjectStatus::parse(s)?));
    }
    if let Some(r) = filter.region.as_deref().filter(|r| !r.trim().is_empty()) {
        cond = cond.add(project::Column::Region.eq(r.trim()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let like = |col: project::Column| super::contains(col, q);
        cond = cond.add(
            Condition::any()
                .add(like(project::Column::Code))
                .add(like(project::Column::Name))
                .add(like(project::Column::ClientName))
                .add(like(project::Column::SiteAddress)),
        );
    }
    if let Some(t) = filter.system_type.as_deref().map(SystemType::parse_any).transpose()? {
        // A JSON array of codes; a code is plain lower-case ASCII, so it matches only itself.
        cond = cond.add(project::Column::SystemTypes.like(format!("%\"{}\"%", t.as_str())));
    }
    let open_task = |when: Expr| {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(task::Entity)
                .and_where(
                    Expr::col((task::Entity, task::Column::ProjectId)).equals((project::Entity, project::Column::Id)),
                )
                .and_where(schedule::open_task())
                .and_where(when)
                .to_owned(),
        )
    };
    let overdue = || Expr::col((task::Entity, task::Column::DueAt)).lte(now);
    match filter.overdue {
        Some(true) => cond = cond.add(open_task(overdue())),
        Some(false) => cond = cond.add(open_task(overdue()).not()),
        None => {}
    }
    if let Some(n) = filter.due_within_days {
        if n > MAX_HORIZON_DAYS {
            return Err(AppError::invalid(
                "due_within_days",
                format!("due_within_days: 0 to {MAX_HORIZON_DAYS}"),
            ));
        }
        let due = Expr::col((task::Entity, task::Column::DueAt));
        cond = cond.add(open_task(
            due.clone().gt(now).and(due.lte(schedule::horizon_end(now, n))),
        ));
    }
    let query = project::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let page = query
        .order_by_asc(project::Column::Code)
        .offset((Ord::max(filter.page, 1) - 1).saturating_mul(filter.per_page))
        .limit(filter.per_page)
        .all(db)
        .await?;
    let mut counts: HashMap<i32, OpenCounts> = task::Entity::find()
        .select_only()
        .column(task::Column::ProjectId)
        .column_as(task::Column::Id.count(), "open_tasks")
        .column_as(
            Expr::expr(Expr::case(task::Column::DueAt.lte(now), 1).finally(0)).sum(),
            "overdue_tasks",
        )
        .column_as(task::Column::DueOn.min(), "next_due_on")
        .filter(task::Column::ProjectId.is_in(page.iter().map(|p| p.id)))
        .filter(schedule::open_task())
        .group_by(task::Column::ProjectId)
        .into_model::<OpenCounts>()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.project_id, c))
        .collect();
    let items = page
        .into_iter()
        .map(|project| {
            let c = counts.remove(&project.id);
            ProjectSummary {
                open_tasks: c.as_ref().map_or(0, |c| c.open_tasks as u32),
                overdue_tasks: c.as_ref().map_or(0, |c| c.overdue_tasks as u32),
                next_due_on: c.and_then(|c| c.next_due_on),
                project,
            }
        })
        .collect();
    Ok((items, total))
}

#[derive(FromQueryResult)]
struct OpenCounts {
    project_id: i32,
    open_tasks: i64,
    overdue_tasks: i64,
    next_due_on: Option<NaiveDate>,
}

#[tracing::instrument(skip_all)]
pub async fn plan_of(db: &impl ConnectionTrait, project: &project::Model) -> AppResult<plan::Model> {
    plan::Entity::find_by_id(project.plan_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("project {} has no plan", project.id)))
}

// ---- members ----

async fn insert_member(
    txn: &DatabaseTransaction,
    project_id: i32,
    user_id: i32,
    role: MemberRole,
) -> AppResult<project_member::Model> {
    Ok(project_member::ActiveModel {
        project_id: Set(project_id),
        user_id: Set(user_id),
        role: Set(role),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn members(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
) -> AppResult<Vec<(project_member::Model, user::Model)>> {
    let project_id = p.id();
    let rows = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .order_by_asc(project_member::Column::Id)
        .all(db)
        .await?;
    let users: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|m| users.get(&m.user_id).cloned().map(|u| (m, u)))
        .collect())
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_member(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    who: Person<'_>,
    role: &str,
    now: DateTime<Utc>,
) -> AppResult<project_member::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // Access first: a caller who may not do this learns nothing from validation.
    let txn = begin_write(db).await?;
    let role = MemberRole::parse(role)?;
    let user = match who {
        Person::Id(id) => user::Entity::find_by_id(id).one(&txn).await?,
        Person::Username(name) => {
            user::Entity::find()
                .filter(user::Column::Username.eq(name.trim().to_lowercase()))
                .one(&txn)
                .await?
        }
    }
    .filter(|u| !u.disabled)
    .ok_or_else(|| match who {
        Person::Id(id) => AppError::invalid("user_id", format!("user_id: no active user {id}")),
        Person::Username(name) => AppError::invalid("username", format!("username: no active user '{name}'")),
    })?;
    let user_id = user.id;
    let exists = project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    if exists.is_some() {
        return Err(AppError::Conflict(format!(
            "{} is already a member of this project",
            user.username
        )));
    }
    let member = insert_member(&txn, project_id, user_id, role).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![Change::new(Some(project_id), "member", Some(member.id), "added").field(
            "role",
            None,
            Some(format!("{} {role}", user.username)),
        )],
    )
    .await?;
    txn.commit().await?;
    Ok(member)
}

async fn member_of(txn: &DatabaseTransaction, project_id: i32, member_id: i32) -> AppResult<project_member::Model> {
    project_member::Entity::find_by_id(member_id)
        .one(txn)
        .await?
        .filter(|m| m.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no member {member_id} on project {project_id}")))
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update_member(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    member_id: i32,
    role: &str,
    now: DateTime<Utc>,
) -> AppResult<project_member::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    // Access first: a caller who may not do this learns nothing from validation.
    let txn = begin_write(db).await?;
    let role = MemberRole::parse(role)?;
    let member = member_of(&txn, project_id, member_id).await?;
    let mut log = Vec::new();
    let base = Change::new(Some(project_id), "member", Some(member_id), "updated");
    history::diff(&mut log, &base, "role", &member.role, &role);
    let mut m: project_member::ActiveModel = member.into();
    m.role = Set(role);
    let updated = m.update(&txn).await?;
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(updated)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn remove_member(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    member_id: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let member = member_of(&txn, project_id, member_id).await?;
    project_member::Entity::delete_by_id(member_id).exec(&txn).await?;
    // Their tasks go back to the PMs.
    task::Entity::update_many()
        .col_expr(task::Column::AssigneeId, Option::<i32>::None.into())
        .filter(task::Column::ProjectId.eq(project_id))
        .filter(task::Column::AssigneeId.eq(member.user_id))
        .exec(&txn)
        .await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "member", Some(member_id), "removed").field(
                "role",
                Some(format!("user {} {}", member.user_id, member.role)),
                None,
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- client contacts ----

pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub role: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn contacts(db: &impl ConnectionTrait, p: &Granted<impl MayRead>) -> AppResult<Vec<client_contact::Model>> {
    let project_id = p.id();
    Ok(client_contact::Entity::find()
        .filter(client_contact::Column::ProjectId.eq(project_id))
        .order_by_asc(client_contact::Column::Id)
        .all(db)
        .await?)
}

fn contact_email(v: Option<&str>) -> AppResult<Option<String>> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| EmailAddress::parse("email", v).map(EmailAddress::into_inner))
        .transpose()
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn save_contact(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    contact_id: Option<i32>,
    input: ContactInput,
    now: DateTime<Utc>,
) -> AppResult<client_contact::Model> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let current = match contact_id {
        Some(id) => Some(
            client_contact::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .filter(|c| c.project_id == project_id)
                .ok_or_else(|| AppError::not_found(format!("no contact {id} on project {project_id}")))?,
        ),
        None => None,
    };
    let old = current.clone();
    let name = match (input.name, &old) {
        (Some(n), _) => required_text("name", &n, 60)?,
        (None, Some(c)) => c.name.clone(),
        (None, None) => return Err(AppError::invalid("name", "name: must not be empty")),
    };
    let role = match (input.role, &old) {
        (Some(r), _) => required_text("role", &r, 60)?,
        (None, Some(c)) => c.role.clone(),
        (None, None) => {
            return Err(AppError::invalid(
                "role",
                "role: say what the contact is, e.g. 甲方项目负责人",
            ));
        }
    };
    let email = match input.email {
        Some(e) => contact_email(e.as_deref())?,
        None => old.as_ref().and_then(|c| c.email.clone()),
    };
    let phone = match input.phone {
        Some(p) => optional_text("phone", p.as_deref(), 40)?,
        None => old.as_ref().and_then(|c| c.phone.clone()),
    };
    let saved = match current {
        Some(c) => {
            let mut m: client_contact::ActiveModel = c.into();
            m.name = Set(name.clone());
            m.role = Set(role.clone());
            m.email = Set(email.clone());
            m.phone = Set(phone.clone());
            m.update(&txn).await?
        }
        None => {
            client_contact::ActiveModel {
                project_id: Set(project_id),
                name: Set(name.clone()),
                email: Set(email.clone()),
                phone: Set(phone.clone()),
                role: Set(role.clone()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    let mut log = Vec::new();
    match &old {
        None => log.push(Change::new(Some(project_id), "contact", Some(saved.id), "added").field(
            "name",
            None,
            Some(format!("{name} {role}")),
        )),
        Some(o) => {
            let base = Change::new(Some(project_id), "contact", Some(saved.id), "updated");
            history::diff(&mut log, &base, "name", &o.name, &saved.name);
            history::diff(&mut log, &base, "role", &o.role, &saved.role);
            history::diff(
                &mut log,
                &base,
                "email",
                &o.email.clone().unwrap_or_default(),
                &saved.email.clone().unwrap_or_default(),
            );
            history::diff(
                &mut log,
                &base,
                "phone",
                &o.phone.clone().unwrap_or_default(),
                &saved.phone.clone().unwrap_or_default(),
            );
        }
    }
    history::record(&txn, actor, now, log).await?;
    txn.commit().await?;
    Ok(saved)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn remove_contact(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    contact_id: i32,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor, project_id) = (p.actor(), p.id());
    let txn = begin_write(db).await?;
    let contact = client_contact::Entity::find_by_id(contact_id)
        .one(&txn)
        .await?
        .filter(|c| c.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no contact {contact_id} on project {project_id}")))?;
    client_contact::Entity::delete_by_id(contact_id).exec(&txn).await?;
    history::record(
        &txn,
        actor,
        now,
        vec![
            Change::new(Some(project_id), "contact", Some(contact_id), "removed").field(
                "name",
                Some(format!("{} {}", contact.name, contact.role)),
                None,
            ),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
