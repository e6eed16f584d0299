//! One project's page: its key facts, the phase timeline, the schedule with the actions a user may
//! take on each task, and its people.
use chrono::Utc;
use minijinja::context;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};
use serde::Deserialize;

use super::{render, session, timeline};
use crate::{
    domain::{
        schedule::{due_state, local_today, phase_status},
        types::TaskStatus,
    },
    error::AppError,
    service::{
        access::{self, Granted, MayRead, Read, RecordWork},
        projects::{self, timezone_of},
        schedule::{self, TaskAction, TaskUpdate},
    },
    state::AppState,
};

#[handler]
pub async fn page(state: Data<&AppState>, req: &Request, jar: &CookieJar, Path(id): Path<i32>) -> Response {
    let me = match session::required(&state, req, jar).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let p = match access::grant::<Read>(&state.db, &me.actor, id).await {
        Ok(p) => p,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let flash = session::take_flash(jar);
    show(&state, &me, &p, flash, None, StatusCode::OK).await
}

/// The page, with `task_error` (task id, message) shown next to that task's note.
async fn show(
    state: &AppState,
    me: &session::Session,
    p: &Granted<impl MayRead>,
    flash: Option<String>,
    task_error: Option<(i32, String)>,
    status: StatusCode,
) -> Response {
    match view(state, me, p, flash, task_error).await {
        Ok(ctx) => render(state, status, "project.html", Some(me), ctx),
        Err(e) => super::refusal(state, me, e),
    }
}

async fn view(
    state: &AppState,
    me: &session::Session,
    p: &Granted<impl MayRead>,
    flash: Option<String>,
    task_error: Option<(i32, String)>,
) -> Result<minijinja::Value, AppError> {
    let project = p.project();
    let now = Utc::now();
    let tz = timezone_of(project);
    let today = local_today(now, tz);
    let (phases, tasks) = schedule::load(&state.db, p).await?;
    let members = projects::members(&state.db, p).await?;
    let contacts = projects::contacts(&state.db, p).await?;
    let plan = projects::plan_of(&state.db, project).await?;
    let name_of = |uid: Option<i32>| {
        uid.and_then(|u| members.iter().find(|(_, user)| user.id == u))
            .map(|(_, user)| user.display_name.clone())
    };
    let may_work = access::grant::<RecordWork>(&state.db, &me.actor, p.id()).await.is_ok();
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
                let error = task_error
                    .as_ref()
                    .filter(|(id, _)| *id == t.id)
                    .map(|(_, m)| m.clone());
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
                    waits_on_client => t.waits_on_client,
                    note => t.note,
                    can_start => may_work && t.status == TaskStatus::NotStarted,
                    can_complete => may_work && t.status != TaskStatus::Done,
                    can_reopen => may_work && done,
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
        .map(|(m, u)| context! { name => u.display_name, username => u.username, role => m.role.label_zh() })
        .collect();
    let contacts: Vec<_> = contacts
        .iter()
        .map(|c| context! { name => c.name, role => c.role, email => c.email, phone => c.phone })
        .collect();
    Ok(context! {
        nav => "projects",
        crumbs => vec![context! { label => "项目", href => "/projects" }, context! { label => project.code }],
        flash => flash,
        project => context! {
            id => project.id,
            code => project.code,
            name => project.name,
            client => project.client_name,
            site => project.site_address,
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
    req: &Request,
    jar: &CookieJar,
    Path((id, task_id, action)): Path<(i32, i32, String)>,
    Form(form): Form<TaskForm>,
) -> Response {
    if let Some(refused) = session::cross_site_refusal(req) {
        return refused;
    }
    let me = match session::required(&state, req, jar).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let action = match action.as_str() {
        "start" => TaskAction::Start,
        "complete" => TaskAction::Complete,
        "reopen" => TaskAction::Reopen,
        _ => return StatusCode::NOT_FOUND.into(),
    };
    let p = match access::grant::<RecordWork>(&state.db, &me.actor, id).await {
        Ok(p) => p,
        Err(e) => return super::refusal(&state, &me, e),
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
        Err(AppError::Invalid { message, .. }) => {
            show(
                &state,
                &me,
                &p,
                None,
                Some((task_id, message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict(message)) => {
            show(&state, &me, &p, None, Some((task_id, message)), StatusCode::CONFLICT).await
        }
        Err(AppError::Forbidden(message)) => {
            show(&state, &me, &p, None, Some((task_id, message)), StatusCode::FORBIDDEN).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
