//! Who may see and change which project: the role matrix (README, Roles), enforced here and only
//! here. Every project-scoped use case takes a [`Granted`] value, which only [`grant`] (one
//! project) and [`readable`] (every project the actor sees) make — so forgetting the check does
//! not compile.
//! Admins: everything. Viewers: read every project. Managers: read and manage the projects they are
//! members of, and create projects. Engineers: read the projects they are members of, record the
//! work on site, and move the tasks assigned to them. A project the caller cannot see answers 404,
//! a project action the role does not allow 403.
use std::marker::PhantomData;

use entity::{project, project_member};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, IntoColumnRef, Query, SimpleExpr},
};

use super::Actor;
use crate::{
    domain::types::Role,
    error::{AppError, AppResult},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// See the project and everything in it.
    Read,
    /// Record what happens on site: units received and their serial numbers, receipts, arrival
    /// inspections and deviations, installation and commissioning, test results and our signature
    /// on a page, signing requests to the client, the work log, a lost copy. Engineers and PMs.
    RecordWork,
    /// Decide for the project: its fields, people and dates, equipment lists and their decisions,
    /// shipments, test plans and their conditions, the certificate, issuing documents. PMs.
    Manage,
}

/// What a grant allows; each level includes the ones below it (Manage ⊇ RecordWork ⊇ Read).
pub trait MayRead {
    const NEED: Need;
}
/// Recording work on site (and reading).
pub trait MayRecordWork: MayRead {}
/// Managing the project (and recording work, and reading).
pub trait MayManage: MayRecordWork {}

/// Level markers for [`Granted`].
#[derive(Debug, Clone, Copy)]
pub struct Read;
#[derive(Debug, Clone, Copy)]
pub struct RecordWork;
#[derive(Debug, Clone, Copy)]
pub struct Manage;

impl MayRead for Read {
    const NEED: Need = Need::Read;
}
impl MayRead for RecordWork {
    const NEED: Need = Need::RecordWork;
}
impl MayRecordWork for RecordWork {}
impl MayRead for Manage {
    const NEED: Need = Need::Manage;
}
impl MayRecordWork for Manage {}
impl MayManage for Manage {}

/// Proof that an actor may do `L` on a project. The only way to get one is [`grant`], and every
/// project-scoped use case takes one instead of a project id — so a caller (an API handler, a
/// page) cannot reach a project's data without the check.
#[derive(Debug, Clone)]
pub struct Granted<L> {
    project: project::Model,
    actor: Actor,
    _level: PhantomData<L>,
}

/// Reading a project.
pub type ReadAccess = Granted<Read>;
/// Recording work on a project.
pub type WorkAccess = Granted<RecordWork>;
/// Managing a project.
pub type ManageAccess = Granted<Manage>;

impl<L> Granted<L> {
    pub fn project(&self) -> &project::Model {
        &self.project
    }

    pub fn id(&self) -> i32 {
        self.project.id
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the actor may also do `M` on this project (it can see it already: only the role
    /// decides, no query).
    pub fn may<M: MayRead>(&self) -> bool {
        role_allows(self.actor.role, M::NEED).is_ok()
    }

    /// The same grant after the project row changed (the caller changed it under this grant).
    pub fn with_project(self, project: project::Model) -> Self {
        Self { project, ..self }
    }
}

impl<L: MayRead> Granted<L> {
    /// A grant for a use case that established the right another way: the holder of a signing
    /// link, whose signature completes a milestone. Only the services can make one this way; the
    /// HTTP layer and the pages go through [`grant`].
    pub(in crate::service) fn vouched(project: project::Model, actor: &Actor) -> Self {
        Self {
            project,
            actor: actor.clone(),
            _level: PhantomData,
        }
    }
}

/// The project for `L`, if the actor may: 404 when they may not see it, 403 when they may see it
/// but their role does not allow `L`.
pub async fn grant<L: MayRead>(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> AppResult<Granted<L>> {
    let project = project(db, actor, id, L::NEED).await?;
    Ok(Granted {
        project,
        actor: actor.clone(),
        _level: PhantomData,
    })
}

/// Whether the actor's role allows `L` at all (403 if not), before anything is looked up: a
/// record reached by its own id (a ticket) answers a role that may never do `L` the same way
/// whether the record exists or not.
pub fn role_may<L: MayRead>(actor: &Actor) -> AppResult<()> {
    role_allows(actor.role, L::NEED)
}

/// Every project the actor can see, by code.
pub async fn readable(db: &impl ConnectionTrait, actor: &Actor) -> AppResult<Vec<ReadAccess>> {
    let mut find = project::Entity::find().order_by_asc(project::Column::Code);
    if let Some(visible) = visible_projects(actor) {
        find = find.filter(visible);
    }
    Ok(find
        .all(db)
        .await?
        .into_iter()
        .map(|project| Granted {
            project,
            actor: actor.clone(),
            _level: PhantomData,
        })
        .collect())
}

/// The project, if the actor may do `need` on it: one query (the row, on the condition that the
/// actor can see it), then the role's rule.
#[tracing::instrument(skip_all)]
async fn project(db: &impl ConnectionTrait, actor: &Actor, id: i32, need: Need) -> AppResult<project::Model> {
    let mut find = project::Entity::find_by_id(id);
    if let Some(visible) = visible_projects(actor) {
        find = find.filter(visible);
    }
    let project = find
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no project {id}")))?;
    role_allows(actor.role, need).map(|()| project)
}

/// What a role may do on a project it can see.
fn role_allows(role: Role, need: Need) -> AppResult<()> {
    match (role, need) {
        (_, Need::Read) | (Role::Admin, _) | (Role::Manager, _) | (Role::Engineer, Need::RecordWork) => Ok(()),
        (Role::Viewer, _) => Err(AppError::Forbidden("viewers can only read".into())),
        (Role::Engineer, Need::Manage) => Err(AppError::Forbidden(
            "engineers update tasks; managing a project needs the manager role".into(),
        )),
    }
}

/// The projects the actor can see, as a condition on `projects.id`; `None` means all.
pub fn visible_projects(actor: &Actor) -> Option<SimpleExpr> {
    visible_through(actor, (project::Entity, project::Column::Id))
}

/// The same condition on another column holding a project id (e.g. `tasks.project_id`, which
/// spares a join).
pub fn visible_through(actor: &Actor, project_id: impl IntoColumnRef) -> Option<SimpleExpr> {
    match (actor.role, actor.id) {
        (Role::Admin | Role::Viewer, _) => None,
        (_, None) => Some(Expr::col(project_id).is_in(Vec::<i32>::new())),
        (_, Some(user_id)) => Some(
            Expr::col(project_id).in_subquery(
                Query::select()
                    .column(project_member::Column::ProjectId)
                    .from(project_member::Entity)
                    .and_where(project_member::Column::UserId.eq(user_id))
                    .to_owned(),
            ),
        ),
    }
}

/// Moving a task by hand (start, complete, reopen): an engineer only moves a task assigned to them;
/// PMs and administrators any task. (Tasks that complete themselves from recorded work do not ask.)
pub fn may_act_on_task(actor: &Actor, task: &entity::task::Model) -> AppResult<()> {
    if actor.role == Role::Engineer && (actor.id.is_none() || task.assignee_id != actor.id) {
        return Err(AppError::Forbidden(format!(
            "task '{}' is not assigned to you; its PM moves it or assigns it to you",
            task.name
        )));
    }
    Ok(())
}

/// Accounts are for administrators.
pub fn administer(actor: &Actor) -> AppResult<()> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators manage accounts".into()))
    }
}

/// The spare-parts store is kept by managers and admins; everyone reads it.
pub fn keep_store(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        _ => Err(AppError::Forbidden(
            "only managers and administrators keep the spare-parts store".into(),
        )),
    }
}

/// Creating projects is for managers and admins.
pub fn can_create_projects(actor: &Actor) -> AppResult<()> {
    match actor.role {
        Role::Admin | Role::Manager => Ok(()),
        _ => Err(AppError::Forbidden(
            "only managers and administrators create projects".into(),
        )),
    }
}
