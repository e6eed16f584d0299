//! One project's page: its key facts, the phase timeline, the schedule with the actions a user may
//! take on each task, and its people.
use chrono::Utc;
use minijinja::context;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

use super::{
    Fields, render,
    session::{self, Session},
    timeline,
};
use crate::{
    domain::{
        schedule::{due_state, local_today, phase_status},
        types::{MemberRole, ProjectStatus, SystemType, TaskStatus},
    },
    error::AppError,
    service::{
        access::{self, Granted, MayRead, Read, RecordWork},
        projects::{self, timezone_of},
        schedule::{self, TaskAction, TaskUpdate},
        users,
    },
    state::AppState,
};

#[derive(Deserialize)]
pub struct PageQuery {
    /// Which page of the history (20 changes each, newest first).
    history: Option<u64>,
}

#[handler]
pub async fn page(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let shown = Shown {
        flash: session::take_flash(jar),
        history_page: q.history.unwrap_or(1).max(1),
        ..Default::default()
    };
    show(&state, &me, &p, StatusCode::OK, shown).await
}

/// What the page shows beside the project: a message after an action, an error next to a task,
/// which page of the history, and a refused form's values and errors (merged over the page).
#[derive(Default)]
struct Shown {
    flash: Option<String>,
    task_error: Option<(i32, String)>,
    history_page: u64,
    form: Option<minijinja::Value>,
}

impl Shown {
    fn task_error(task_id: i32, message: impl Into<String>) -> Self {
        Shown {
            task_error: Some((task_id, message.into())),
            ..Default::default()
        }
    }

    fn form(form: minijinja::Value) -> Self {
        Shown {
            form: Some(form),
            ..Default::default()
        }
    }
}

async fn show(
    state: &AppState,
    me: &session::Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    shown: Shown,
) -> Response {
    match view(state, me, p, &shown).await {
        Ok(ctx) => {
            let ctx = match shown.form {
                Some(form) => context! { ..form, ..ctx },
                None => ctx,
            };
            // A refused action is explained next to its field, further down the page.
            let ctx = context! { refused => status.is_client_error(), ..ctx };
            render(state, status, "project.html", Some(me), ctx)
        }
        Err(e) => super::refusal(state, me, e),
    }
}

const HISTORY_PER_PAGE: u64 = 20;

async fn view(
    state: &AppState,
    me: &session::Session,
    p: &Granted<impl MayRead>,
    shown: &Shown,
) -> Result<minijinja::Value, AppError> {
    let project = p.project();
    let now = Utc::now();
    let tz = timezone_of(project);
    let today = local_today(now, tz);
    let (phases, tasks) = schedule::load(&state.db, p).await?;
    let members = projects::members(&state.db, p).await?;
    let contacts = projects::contacts(&state.db, p).await?;
    let plan = projects::plan_of(&state.db, project).await?;
    let task_names: std::collections::HashMap<i32, &str> = tasks.iter().map(|t| (t.id, t.name.as_str())).collect();
    let history_page = shown.history_page.max(1);
    // One more than a page tells whether there is an older page.
    let mut changes = crate::service::history::list(
        &state.db,
        p,
        HISTORY_PER_PAGE + 1,
        (history_page - 1) * HISTORY_PER_PAGE,
    )
    .await?;
    let older = changes.len() as u64 > HISTORY_PER_PAGE;
    changes.truncate(HISTORY_PER_PAGE as usize);
    // Who the recorded ids and usernames were (assignees, members), in one query.
    let mut ids = Vec::new();
    let mut usernames = Vec::new();
    for h in &changes {
        for v in [&h.old_value, &h.new_value].into_iter().flatten() {
            match h.field.as_deref() {
                Some("assignee_id") => ids.extend(v.parse::<i32>().ok()),
                Some("role") if h.entity == "member" => match v.split_whitespace().collect::<Vec<_>>()[..] {
                    ["user", id, _] => ids.extend(id.parse::<i32>().ok()),
                    [username, _] => usernames.push(username.to_string()),
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let people = users::display_names(&state.db, ids, usernames).await?;
    let says = |field: &str, entity: &str, value: Option<&str>| value.map(|v| value_zh(field, entity, v, &people));
    let history: Vec<_> = changes
        .into_iter()
        .map(|h| {
            let at = h.at.with_timezone(&tz);
            let subject = match (h.entity.as_str(), h.entity_id) {
                ("task", Some(id)) => task_names
                    .get(&id)
                    .map_or_else(|| "任务".to_string(), |n| format!("任务“{n}”")),
                ("phase", Some(id)) => phases
                    .iter()
                    .find(|ph| ph.id == id)
                    .map_or_else(|| "阶段".to_string(), |ph| format!("阶段“{}”", ph.name)),
                ("phase", None) => "阶段".to_string(),
                ("member", Some(id)) => members
                    .iter()
                    .find(|(m, _)| m.id == id)
                    .map_or_else(|| "成员".to_string(), |(_, u)| format!("成员“{}”", u.display_name)),
                ("contact", Some(id)) => contacts
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(|| "甲方联系人".to_string(), |c| format!("甲方联系人“{}”", c.name)),
                ("member", None) => "成员".to_string(),
                ("contact", None) => "甲方联系人".to_string(),
                ("project", _) => "项目".to_string(),
                ("test_plan", _) => "功能测试方案".to_string(),
                ("shipment", _) => "发货批次".to_string(),
                ("installation", _) => "安装记录".to_string(),
                ("unit", _) => "到货设备".to_string(),
                ("equipment_list", _) => "设备清单".to_string(),
                (other, _) => other.to_string(),
            };
            let field = h.field.as_deref().unwrap_or_default();
            // The service notes the plan a project was created from as "plan <code>".
            let reason = match h.reason.as_deref() {
                Some(r) if r == format!("plan {}", plan.code) => Some(format!("按“{}”生成进度", plan.name)),
                other => other.map(str::to_string),
            };
            context! {
                at => format!("{} {}", crate::documents::labels::long_date_zh(at.date_naive()), at.format("%H:%M")),
                who => h.actor_name,
                what => format!("{subject}{}", action_zh(&h.action)),
                field => h.field.as_deref().map(field_zh),
                old => says(field, &h.entity, h.old_value.as_deref()),
                new => says(field, &h.entity, h.new_value.as_deref()),
                // A note given when starting or completing is not a reason.
                reason_label => if matches!(h.action.as_str(), "started" | "completed") { "备注" } else { "原因" },
                reason => reason,
            }
        })
        .collect();
    let name_of = |uid: Option<i32>| {
        uid.and_then(|u| members.iter().find(|(_, user)| user.id == u))
            .map(|(_, user)| user.display_name.clone())
    };
    let may_work = p.may::<RecordWork>();
    let can_manage = p.may::<access::Manage>();
    let mut spans = Vec::new();
    let mut phase_rows = Vec::new();
    for phase in &phases {
        let mine: Vec<_> = tasks.iter().filter(|t| t.phase_id == phase.id).collect();
        let status = phase_status(mine.iter().map(|t| t.status));
        let due = phase.override_due_on.unwrap_or(phase.planned_due_on);
        let state_of_phase = due_state(due, status == TaskStatus::Done, now, tz);
        let class = match status {
            TaskStatus::Done => "done",
            _ if state_of_phase.overdue => "overdue",
            TaskStatus::InProgress => "active",
            TaskStatus::NotStarted => "todo",
        };
        spans.push(timeline::PhaseSpan {
            name: &phase.name,
            due,
            state: class,
            task_dues: mine.iter().map(|t| (t.due_on, t.status == TaskStatus::Done)).collect(),
        });
        let rows: Vec<_> = mine
            .iter()
            .map(|t| {
                let done = t.status == TaskStatus::Done;
                let st = due_state(t.due_on, done, now, tz);
                let badge = match t.status {
                    TaskStatus::Done => "done",
                    _ if st.overdue => "overdue",
                    _ if st.days_left <= 7 => "soon",
                    _ => "todo",
                };
                let error = shown
                    .task_error
                    .as_ref()
                    .filter(|(id, _)| *id == t.id)
                    .map(|(_, m)| m.clone());
                // Engineers move the tasks assigned to them; PMs and administrators any.
                let may_move = may_work && access::may_act_on_task(&me.actor, t).is_ok();
                context! {
                    id => t.id,
                    name => t.name,
                    due_on => t.due_on.to_string(),
                    overridden => t.override_due_on.is_some(),
                    override_reason => t.override_reason,
                    status => t.status.as_str(),
                    status_label => t.status.label_zh(),
                    badge => badge,
                    overdue => st.overdue,
                    days_left => st.days_left,
                    assignee => name_of(t.assignee_id),
                    assignee_id => t.assignee_id,
                    waits_on_client => t.waits_on_client,
                    note => t.note,
                    can_start => may_move && t.status == TaskStatus::NotStarted,
                    can_complete => may_move && t.status != TaskStatus::Done,
                    can_reopen => may_move && done,
                    error => error,
                }
            })
            .collect();
        phase_rows.push(context! {
            name => phase.name,
            due_on => due.to_string(),
            status_label => status.label_zh(),
            class => class,
            days_left => state_of_phase.days_left,
            tasks => rows,
        });
    }
    let timeline = timeline::layout(project.contract_signed_on, today, &spans);
    let people: Vec<_> = members
        .iter()
        .map(|(m, u)| {
            context! {
                id => u.id,
                member_id => m.id,
                name => u.display_name,
                username => u.username,
                role => m.role.as_str(),
                role_label => m.role.label_zh(),
                is_me => Some(u.id) == me.actor.id,
            }
        })
        .collect();
    let contacts: Vec<_> = contacts
        .iter()
        .map(|c| context! { id => c.id, name => c.name, role => c.role, email => c.email, phone => c.phone })
        .collect();
    Ok(context! {
        nav => "projects",
        crumbs => vec![context! { label => "项目", href => "/projects" }, context! { label => project.code }],
        flash => shown.flash,
        project => context! {
            id => project.id,
            code => project.code,
            name => project.name,
            client => project.client_name,
            site => project.site_address,
            contract_number => project.contract_number,
            supervisor => project.supervisor,
            region => project.region,
            status_label => project.status.label_zh(),
            signed_on => project.contract_signed_on.to_string(),
            delivery_due_on => project.delivery_due_on.map(|d| d.to_string()),
            timezone => project.timezone,
            plan => plan.name,
        },
        today => today.to_string(),
        timeline => minijinja::Value::from_serialize(&timeline),
        phases => phase_rows,
        people => people,
        contacts => contacts,
        can_manage => can_manage,
        member_roles => super::choices(MemberRole::ALL, |r| (r.as_str(), r.label_zh())),
        history => history,
        history_page => history_page,
        history_newer => (history_page > 1).then(|| format!("/projects/{}?history={}#history", project.id, history_page - 1)),
        history_older => older.then(|| format!("/projects/{}?history={}#history", project.id, history_page + 1)),
    })
}

#[derive(Deserialize)]
pub struct TaskForm {
    note: Option<String>,
}

/// Start, complete or reopen a task (with a note; reopening needs one), then back to the page.
#[handler]
pub async fn act(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, task_id, action)): Path<(i32, i32, String)>,
    Form(form): Form<TaskForm>,
) -> Response {
    let action = match action.as_str() {
        "start" => TaskAction::Start,
        "complete" => TaskAction::Complete,
        "reopen" => TaskAction::Reopen,
        _ => return StatusCode::NOT_FOUND.into(),
    };
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let update = TaskUpdate {
        action,
        note: form.note.filter(|n| !n.trim().is_empty()),
        at: None,
    };
    match schedule::act_on_task(&state.db, &p, task_id, update, Utc::now()).await {
        Ok(task) => {
            let done = match action {
                TaskAction::Start => "已开始",
                TaskAction::Complete => "已完成",
                TaskAction::Reopen => "已重新打开",
            };
            session::set_flash(jar, &format!("{}：{done}", task.name));
            session::see_other(&format!("/projects/{id}#task-{task_id}"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let status = e.status();
            let message = match e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("note") && action == TaskAction::Reopen => {
                    "重新打开任务时请填写原因。"
                }
                AppError::Invalid { .. } => "备注不能超过 2000 字。",
                AppError::Forbidden(_) => "这项任务没有分配给您，请联系项目主管分配或处理。",
                _ => "任务状态已经变化（可能有人刚刚处理过），请查看后再操作。",
            };
            show(&state, &me, &p, status, Shown::task_error(task_id, message)).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The form for a new project, with what was typed and the errors next to their fields.
async fn new_form(
    state: &AppState,
    me: &session::Session,
    values: minijinja::Value,
    errors: std::collections::BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let plans = match crate::service::plans::list(&state.db).await {
        Ok(plans) => plans,
        Err(e) => return super::refusal(state, me, e),
    };
    let plans: Vec<_> = plans
        .iter()
        .map(|p| context! { code => p.code, name => p.name })
        .collect();
    let system_types = super::choices(SystemType::ALL, |s| (s.as_str(), s.label_zh()));
    render(
        state,
        status,
        "project_form.html",
        Some(me),
        context! {
            nav => "projects",
            action => "/projects/new",
            crumbs => vec![context! { label => "项目", href => "/projects" }, context! { label => "新建项目" }],
            plans => plans,
            system_types => system_types,
            values => values,
            errors => errors,
        },
    )
}

#[handler]
pub async fn new_page(state: Data<&AppState>, me: Session) -> Response {
    if let Err(e) = access::can_create_projects(&me.actor) {
        return super::refusal(&state, &me, e);
    }
    let today = local_today(Utc::now(), state.settings.timezone).to_string();
    new_form(
        &state,
        &me,
        context! { contract_signed_on => today, plan => "default", system_types => Vec::<String>::new() },
        Default::default(),
        StatusCode::OK,
    )
    .await
}

#[handler]
pub async fn create(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = Fields(fields);
    let field = |name: &str| form.get(name);
    let optional = |name: &str| form.optional(name);
    let system_types = form.all("system_types");
    let input = projects::NewProject {
        code: field("code"),
        name: field("name"),
        client_name: field("client_name"),
        site_address: optional("site_address"),
        contract_number: optional("contract_number"),
        supervisor: optional("supervisor"),
        region: optional("region"),
        category: None,
        system_types: system_types.clone(),
        contract_signed_on: field("contract_signed_on"),
        delivery_due_on: optional("delivery_due_on"),
        plan: optional("plan"),
        timezone: None,
        status: None,
    };
    match projects::create(
        &state.db,
        &state.templates,
        state.settings.timezone,
        &me.actor,
        input,
        Utc::now(),
    )
    .await
    {
        Ok(created) => {
            let ahead = !projects::warnings(&created, Utc::now()).is_empty();
            session::set_flash(
                jar,
                &format!(
                    "项目 {} 已创建，进度计划已按合同签订日期生成。{}",
                    created.code,
                    if ahead { FUTURE_SIGNING } else { "" }
                ),
            );
            session::see_other(&format!("/projects/{}", created.id))
        }
        Err(e) => {
            let (key, message, status) = match e {
                AppError::Invalid { field, message } => (
                    field.unwrap_or_else(|| "form".into()),
                    message,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                AppError::Conflict(message) => ("code".to_string(), message, StatusCode::CONFLICT),
                other => return super::refusal(&state, &me, other),
            };
            let values = context! {
                code => field("code"),
                name => field("name"),
                client_name => field("client_name"),
                site_address => field("site_address"),
                contract_number => field("contract_number"),
                supervisor => field("supervisor"),
                region => field("region"),
                contract_signed_on => field("contract_signed_on"),
                delivery_due_on => field("delivery_due_on"),
                plan => field("plan"),
                system_types => system_types,
            };
            let errors = std::collections::BTreeMap::from([(key.clone(), project_hint(&key, &message, status))]);
            new_form(&state, &me, values, errors, status).await
        }
    }
}

/// What to fix in a field of the project form, in Chinese (the service's message is for the API).
fn project_hint(field: &str, message: &str, status: StatusCode) -> String {
    let hint = match field {
        "code" if status == StatusCode::CONFLICT => "这个项目编号已被使用，请换一个。",
        "code" => "项目编号为 2–40 个字母、数字或 - _ .，例如 ZJFY-2026-018。",
        "name" => "请填写项目名称（不超过 200 字）。",
        "client_name" => "请填写甲方名称（不超过 200 字）。",
        "contract_signed_on" => "请选择合同签订日期（2000–2099 年之间）。",
        "delivery_due_on" if message.contains("before") => "要求交付日期不能早于合同签订日期。",
        "delivery_due_on" => "请选择有效的要求交付日期（2000–2099 年之间），或留空。",
        "plan" => "请选择一个交付计划。",
        "system_types" => "请从列表中选择系统类型。",
        "status" => "请选择项目状态。",
        "region" => "地区不超过 60 字。",
        "site_address" => "项目地址不超过 300 字。",
        "contract_number" => "合同编号不超过 100 字。",
        "supervisor" => "监理单位不超过 200 字。",
        _ => {
            tracing::debug!(field, message, "a project form was refused");
            "请检查填写的内容。"
        }
    };
    hint.to_string()
}

/// Said after saving a project whose contract is dated after today (see `projects::warnings`).
const FUTURE_SIGNING: &str = "注意：合同签订日期晚于今天，请确认是否填写有误。";

/// The key-facts form of a project, filled with `values`.
fn edit_form(
    state: &AppState,
    me: &session::Session,
    project: &entity::project::Model,
    values: minijinja::Value,
    errors: std::collections::BTreeMap<String, String>,
    status: StatusCode,
) -> Response {
    let statuses = super::choices(ProjectStatus::ALL, |s| (s.as_str(), s.label_zh()));
    let system_types = super::choices(SystemType::ALL, |s| (s.as_str(), s.label_zh()));
    render(
        state,
        status,
        "project_form.html",
        Some(me),
        context! {
            nav => "projects",
            editing => true,
            action => format!("/projects/{}/edit", project.id),
            crumbs => vec![
                context! { label => "项目", href => "/projects" },
                context! { label => project.code, href => format!("/projects/{}", project.id) },
                context! { label => "编辑" },
            ],
            statuses => statuses,
            system_types => system_types,
            values => context! { id => project.id, code => project.code, ..values },
            errors => errors,
        },
    )
}

#[handler]
pub async fn edit_page(state: Data<&AppState>, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let project = p.project();
    let values = context! {
        name => project.name,
        client_name => project.client_name,
        contract_signed_on => project.contract_signed_on.to_string(),
        delivery_due_on => project.delivery_due_on.map(|d| d.to_string()),
        status => project.status.as_str(),
        region => project.region,
        site_address => project.site_address,
        contract_number => project.contract_number,
        supervisor => project.supervisor,
        system_types => projects::system_types(project),
    };
    edit_form(&state, &me, project, values, Default::default(), StatusCode::OK)
}

/// Saves the key facts; a new signing date moves the planned deadlines (the service replans).
#[handler]
pub async fn save(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form = Fields(fields);
    let changes = projects::ProjectChanges {
        name: Some(form.get("name")),
        client_name: Some(form.get("client_name")),
        site_address: Some(form.get("site_address")),
        contract_number: Some(form.get("contract_number")),
        supervisor: Some(form.get("supervisor")),
        region: Some(form.get("region")),
        system_types: Some(form.all("system_types")),
        contract_signed_on: Some(form.get("contract_signed_on")),
        delivery_due_on: Some(form.optional("delivery_due_on")),
        status: Some(form.get("status")),
        ..Default::default()
    };
    let signed_before = p.project().contract_signed_on;
    match projects::update(&state.db, &state.templates, &p, changes, Utc::now()).await {
        Ok(saved) => {
            let message = if saved.contract_signed_on != signed_before {
                "项目信息已保存，计划截止日期已按新的合同签订日期重新计算。"
            } else {
                "项目信息已保存。"
            };
            let ahead = !projects::warnings(&saved, Utc::now()).is_empty();
            session::set_flash(jar, &format!("{message}{}", if ahead { FUTURE_SIGNING } else { "" }));
            session::see_other(&format!("/projects/{id}"))
        }
        Err(AppError::Invalid { field, message }) => {
            let key = field.unwrap_or_else(|| "form".into());
            let hint = project_hint(&key, &message, StatusCode::UNPROCESSABLE_ENTITY);
            let values = context! {
                name => form.get("name"),
                client_name => form.get("client_name"),
                contract_signed_on => form.get("contract_signed_on"),
                delivery_due_on => form.get("delivery_due_on"),
                status => form.get("status"),
                region => form.get("region"),
                site_address => form.get("site_address"),
                contract_number => form.get("contract_number"),
                supervisor => form.get("supervisor"),
                system_types => form.all("system_types"),
            };
            let errors = std::collections::BTreeMap::from([(key, hint)]);
            edit_form(
                &state,
                &me,
                p.project(),
                values,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct MemberChange {
    #[serde(default)]
    role: String,
}

/// A manager changes a member's role in the project.
#[handler]
pub async fn change_member(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, member_id)): Path<(i32, i32)>,
    Form(form): Form<MemberChange>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match projects::update_member(&state.db, &p, member_id, &form.role, Utc::now()).await {
        Ok(m) => {
            session::set_flash(jar, &format!("项目角色已改为{}。", m.role.label_zh()));
            session::see_other(&format!("/projects/{id}#people"))
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A manager takes a member off the project; the tasks assigned to them become unassigned.
#[handler]
pub async fn remove_member(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, member_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match projects::remove_member(&state.db, &p, member_id, Utc::now()).await {
        Ok(()) => {
            session::set_flash(jar, "已移出项目，其负责的任务已改为未分配。");
            // Whoever removed themselves may no longer see the project.
            let back = match access::grant::<Read>(&state.db, &me.actor, id).await {
                Ok(_) => format!("/projects/{id}#people"),
                Err(_) => "/projects".to_string(),
            };
            session::see_other(&back)
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn add_contact(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    store_contact(&state, jar, &me, id, None, Fields(fields)).await
}

#[handler]
pub async fn save_contact(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, contact_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    store_contact(&state, jar, &me, id, Some(contact_id), Fields(fields)).await
}

/// Adds a client contact (`contact_id` none) or saves one; a refusal is shown next to its field.
async fn store_contact(
    state: &AppState,
    jar: &CookieJar,
    me: &Session,
    id: i32,
    contact_id: Option<i32>,
    form: Fields,
) -> Response {
    let p = match super::granted::<access::Manage>(state, me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let input = projects::ContactInput {
        name: Some(form.get("name")),
        role: Some(form.get("role")),
        email: Some(form.optional("email")),
        phone: Some(form.optional("phone")),
    };
    match projects::save_contact(&state.db, &p, contact_id, input, Utc::now()).await {
        Ok(c) => {
            let done = if contact_id.is_some() { "已保存" } else { "已添加" };
            session::set_flash(jar, &format!("甲方联系人 {} {done}。", c.name));
            session::see_other(&format!("/projects/{id}#contacts"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let field = field.unwrap_or_else(|| "name".into());
            let message = match field.as_str() {
                "role" => "请填写职务或身份，例如“甲方项目负责人”（不超过 60 字）。",
                "email" => "请填写有效的电子邮件地址，或留空。",
                "phone" => "电话不超过 40 个字符。",
                _ => "请填写姓名（不超过 60 字）。",
            };
            let form = context! {
                contact_form => context! {
                    id => contact_id,
                    values => context! {
                        name => form.get("name"),
                        role => form.get("role"),
                        email => form.get("email"),
                        phone => form.get("phone"),
                    },
                    errors => std::collections::BTreeMap::from([(field, message)]),
                },
            };
            show(state, me, &p, StatusCode::UNPROCESSABLE_ENTITY, Shown::form(form)).await
        }
        Err(e) => super::refusal(state, me, e),
    }
}

#[handler]
pub async fn remove_contact(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, contact_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match projects::remove_contact(&state.db, &p, contact_id, Utc::now()).await {
        Ok(()) => {
            session::set_flash(jar, "已删除甲方联系人。");
            session::see_other(&format!("/projects/{id}#contacts"))
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    who: String,
    #[serde(default)]
    role: String,
}

/// Adds a person found by username or by part of their name; several or no matches are explained
/// next to the field.
#[handler]
pub async fn add_member(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(form): Form<MemberForm>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let who = form.who.trim();
    let username = match users::find_by_username(&state.db, who).await {
        Ok(Some(u)) => Ok(u.username),
        Ok(None) => match users::search(&state.db, &me.actor, who, 6).await {
            Ok(found) if found.len() == 1 => Ok(found[0].username.clone()),
            Ok(found) if found.is_empty() => Err("没有找到这个人，请输入用户名或姓名的一部分。".to_string()),
            Ok(found) => Err(format!(
                "找到多人：{}。请输入用户名。",
                found
                    .iter()
                    .map(|u| format!("{}（{}）", u.display_name, u.username))
                    .collect::<Vec<_>>()
                    .join("、")
            )),
            Err(e) => return super::refusal(&state, &me, e),
        },
        Err(e) => return super::refusal(&state, &me, e),
    };
    let outcome = match username {
        Ok(username) => projects::add_member(
            &state.db,
            &p,
            projects::Person::Username(&username),
            &form.role,
            Utc::now(),
        )
        .await
        .map_err(|e| match e {
            AppError::Conflict(_) => Ok("此人已是项目成员。".to_string()),
            AppError::Invalid { field: Some(f), .. } if f == "role" => Ok("请选择项目角色。".to_string()),
            AppError::Invalid { .. } => Ok("这个账户已停用，不能加入项目。".to_string()),
            other => Err(other),
        }),
        Err(message) => Err(Ok(message)),
    };
    match outcome {
        Ok(_) => {
            session::set_flash(jar, "已添加项目成员。");
            session::see_other(&format!("/projects/{id}#people"))
        }
        Err(Ok(message)) => {
            let form = context! { member_error => message, member_who => who };
            show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, Shown::form(form)).await
        }
        Err(Err(e)) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct Suggest {
    #[serde(default)]
    who: String,
}

/// The people whose username or name contains what was typed, as `<option>`s for the member
/// field's list (htmx swaps them in as one types).
#[handler]
pub async fn suggest(state: Data<&AppState>, me: Session, poem::web::Query(q): poem::web::Query<Suggest>) -> Response {
    match users::search(&state.db, &me.actor, &q.who, 10).await {
        Ok(found) => render(
            state.0,
            StatusCode::OK,
            "people_options.html",
            Some(&me),
            context! { people => found },
        ),
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct DueForm {
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    reason: String,
}

/// A manager moves a task's due date (or clears the override with an empty date), with a reason.
#[handler]
pub async fn override_due(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, task_id)): Path<(i32, i32)>,
    Form(form): Form<DueForm>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let due_on = match form.due_on.trim() {
        "" => None,
        d => match crate::domain::types::parse_date("due_on", d) {
            Ok(d) => Some(d),
            Err(_) => {
                let refused = Shown::task_error(task_id, "请选择有效的日期（2000–2099 年之间）。");
                return show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, refused).await;
            }
        },
    };
    match schedule::override_due(
        &state.db,
        &p,
        schedule::Deadline::Task(task_id),
        due_on,
        &form.reason,
        Utc::now(),
    )
    .await
    {
        Ok(()) => {
            session::set_flash(
                jar,
                if due_on.is_some() {
                    "截止日期已调整。"
                } else {
                    "已恢复计划截止日期。"
                },
            );
            session::see_other(&format!("/projects/{id}#task-{task_id}"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let message = match field.as_deref() {
                Some("reason") => "请填写调整原因（不超过 500 字）。",
                _ => "截止日期不能早于合同签订日期。",
            };
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                Shown::task_error(task_id, message),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    user_id: String,
}

/// A manager assigns a task to a member (or to nobody).
#[handler]
pub async fn assign(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, task_id)): Path<(i32, i32)>,
    Form(form): Form<AssignForm>,
) -> Response {
    let p = match super::granted::<access::Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let user_id = form.user_id.trim().parse::<i32>().ok();
    match schedule::assign(&state.db, &p, task_id, user_id, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                if user_id.is_some() {
                    "已分配负责人。"
                } else {
                    "已取消分配。"
                },
            );
            session::see_other(&format!("/projects/{id}#task-{task_id}"))
        }
        Err(AppError::Invalid { .. }) => {
            let refused = Shown::task_error(task_id, "只能分配给本项目的成员，请先在“人员”中添加。");
            show(&state, &me, &p, StatusCode::UNPROCESSABLE_ENTITY, refused).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A history entry's action as the page says it.
fn action_zh(action: &str) -> &str {
    match action {
        "created" => "已创建",
        "updated" => "已修改",
        "deleted" | "removed" => "已删除",
        "added" => "已添加",
        "started" => "已开始",
        "completed" => "已完成",
        "reopened" => "已重新打开",
        "overridden" => "截止日期已调整",
        "override_cleared" => "已恢复计划截止日期",
        "assigned" => "负责人已变更",
        "replanned" => "已按新签约日期重排",
        other => other,
    }
}

/// A recorded value as the page says it: statuses and roles in Chinese, people by name.
fn value_zh(field: &str, entity: &str, value: &str, people: &[(i32, String, String)]) -> String {
    let by_id = |id: &str| {
        people
            .iter()
            .find(|(uid, _, _)| uid.to_string() == id)
            .map_or_else(|| format!("用户 {id}"), |(_, _, name)| name.clone())
    };
    let by_username = |username: &str| {
        people
            .iter()
            .find(|(_, u, _)| u == username)
            .map_or_else(|| username.to_string(), |(_, _, name)| name.clone())
    };
    let member_role = |r: &str| MemberRole::parse(r).map_or_else(|_| r.to_string(), |r| r.label_zh().to_string());
    match (field, entity) {
        ("status", "project") => {
            ProjectStatus::parse(value).map_or_else(|_| value.to_string(), |s| s.label_zh().into())
        }
        ("status", _) => TaskStatus::parse(value).map_or_else(|_| value.to_string(), |s| s.label_zh().into()),
        ("assignee_id", _) => by_id(value),
        ("due_on" | "planned_due_on" | "contract_signed_on" | "delivery_due_on", _) => {
            crate::documents::labels::long_date_zh_text(value.to_string())
        }
        ("role", "member") => match value.split_whitespace().collect::<Vec<_>>()[..] {
            ["user", id, role] => format!("{} {}", by_id(id), member_role(role)),
            [username, role] => format!("{} {}", by_username(username), member_role(role)),
            [role] => member_role(role),
            _ => value.to_string(),
        },
        ("system_types", _) => serde_json::from_str::<Vec<String>>(value)
            .map(|types| {
                types
                    .iter()
                    .map(|t| SystemType::parse(t).map_or(t.as_str(), |t| t.label_zh()))
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_else(|_| value.to_string()),
        _ => value.to_string(),
    }
}

/// A recorded field's name as the page says it.
fn field_zh(field: &str) -> &str {
    match field {
        "due_on" => "截止日期",
        "status" => "状态",
        "role" => "角色",
        "code" => "编号",
        "name" => "名称",
        "client_name" => "甲方",
        "site_address" => "地址",
        "contract_number" => "合同编号",
        "supervisor" => "监理单位",
        "region" => "地区",
        "contract_signed_on" => "合同签订日期",
        "delivery_due_on" => "要求交付日期",
        "assignee_id" => "负责人",
        "timezone" => "时区",
        "system_types" => "系统类型",
        "note" => "备注",
        "planned_due_on" => "计划截止日期",
        "title" => "标题",
        "reference" => "发货单号",
        "serial" => "序列号",
        "location" => "安装位置",
        "version" => "版本",
        "email" => "电子邮件",
        "phone" => "电话",
        other => other,
    }
}

/// The project's deadlines as an iCalendar file to download (a plain link; the subscription URL is
/// under 我的设置).
#[handler]
pub async fn calendar(state: Data<&AppState>, me: Session, Path(id): Path<i32>) -> Response {
    let ics =
        crate::service::feeds::calendar(&state.db, &state.settings.base_url(), &me.actor, Some(id), Utc::now()).await;
    match ics {
        Ok(ics) => Response::builder()
            .content_type("text/calendar; charset=utf-8")
            .header(
                poem::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"project-{id}.ics\""),
            )
            .body(ics),
        Err(e) => super::refusal(&state, &me, e),
    }
}
