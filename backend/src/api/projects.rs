use std::collections::HashMap;

use super::grant;
use crate::service::access::{Granted, Manage, MayRead, Read};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{client_contact, history, project, project_member, user};
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};

use super::types::{DateText, OneOf};
use super::{ApiTags, BearerAuth, NoContent, actor};
use crate::domain::types as kinds;
use crate::{
    error::ApiResult,
    service::{
        history as history_service, plans,
        projects::{self, ContactInput, NewProject, ProjectChanges, ProjectFilter},
    },
    state::AppState,
};

pub struct ProjectsApi {
    state: AppState,
}

impl ProjectsApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }

    async fn plan_codes(&self) -> ApiResult<HashMap<i32, String>> {
        Ok(plans::list(&self.state.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect())
    }

    async fn detail(&self, p: &Granted<impl MayRead>) -> ApiResult<Json<ProjectDetail>> {
        let db = &self.state.db;
        let members = projects::members(db, p).await?;
        let contacts = projects::contacts(db, p).await?;
        let plan = projects::plan_of(db, p.project()).await?;
        Ok(Json(ProjectDetail {
            project: ProjectDto::new(p.project().clone(), plan.code),
            members: members.into_iter().map(MemberDto::from).collect(),
            contacts: contacts.into_iter().map(ContactDto::from).collect(),
            warnings: projects::warnings(p.project(), Utc::now()),
        }))
    }
}

/// A project: one contract to deliver.
#[derive(Object)]
pub struct ProjectDto {
    /// Identifier.
    pub id: i32,
    /// Unique code, e.g. ZJFY-2026-018.
    pub code: String,
    /// Name shown to people.
    pub name: String,
    /// The client organisation (甲方).
    pub client_name: String,
    /// Where the system is installed.
    pub site_address: String,
    /// 合同编号; empty when not known.
    pub contract_number: String,
    /// 监理单位 (the supervising company); empty when the project has none.
    pub supervisor: String,
    /// Region, e.g. 浙江杭州 (used for filters and statistics).
    pub region: String,
    /// Project category, e.g. 政法系统集成.
    pub category: String,
    /// digital_courtroom (数字法庭), surveillance_alarm (联网监控报警), video_conference (视频会议),
    /// public_address (音响扩声), other.
    pub system_types: Vec<OneOf<kinds::SystemType>>,
    /// The date every deadline counts from.
    pub contract_signed_on: NaiveDate,
    /// Contractual delivery date; the warranty starts on it.
    #[oai(nullable)]
    pub delivery_due_on: Option<NaiveDate>,
    /// active, delivered, in_warranty or closed.
    pub status: OneOf<kinds::ProjectStatus>,
    /// IANA time zone in which deadlines end at midnight.
    pub timezone: String,
    /// Code of the plan the schedule was made from.
    pub plan: String,
    /// When it was created (UTC).
    pub created_at: DateTime<Utc>,
    /// When it was last changed (UTC).
    pub updated_at: DateTime<Utc>,
}

impl ProjectDto {
    pub fn new(p: project::Model, plan: String) -> Self {
        Self {
            system_types: (projects::system_types(&p)).into_iter().map(Into::into).collect(),
            id: p.id,
            code: p.code,
            name: p.name,
            client_name: p.client_name,
            site_address: p.site_address,
            contract_number: p.contract_number,
            supervisor: p.supervisor,
            region: p.region,
            category: p.category,
            contract_signed_on: p.contract_signed_on,
            delivery_due_on: p.delivery_due_on,
            status: p.status.into(),
            timezone: p.timezone,
            plan,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A project with its people.
#[derive(Object)]
struct ProjectDetail {
    #[oai(flatten)]
    project: ProjectDto,
    /// Our people on the project.
    members: Vec<MemberDto>,
    /// The client's people.
    contacts: Vec<ContactDto>,
    /// What looks wrong but was accepted, e.g. a signing date in the future; each says what to check.
    warnings: Vec<String>,
}

/// A project in a list, with where its open tasks stand.
#[derive(Object)]
struct ProjectListItem {
    #[oai(flatten)]
    project: ProjectDto,
    /// Tasks not done.
    open_tasks: u32,
    /// Open tasks past their due day.
    overdue_tasks: u32,
    /// The earliest due date among open tasks.
    #[oai(nullable)]
    next_due_on: Option<NaiveDate>,
}

#[derive(Object)]
struct ProjectPage {
    /// The entries of this page.
    items: Vec<ProjectListItem>,
    /// Matching projects in all pages.
    total: u64,
    /// Page number, from 1.
    page: u64,
    /// Entries per page.
    per_page: u64,
}

/// One of our people on a project.
#[derive(Object)]
struct MemberDto {
    /// Identifier.
    id: i32,
    /// Identifier of the user account.
    user_id: i32,
    /// Account name.
    username: String,
    /// Name shown on forms, e.g. 张伟.
    display_name: String,
    /// E-mail address.
    #[oai(nullable)]
    email: Option<String>,
    /// pm (项目主管) or engineer (工程师).
    role: OneOf<kinds::MemberRole>,
}

impl From<(project_member::Model, user::Model)> for MemberDto {
    fn from((m, u): (project_member::Model, user::Model)) -> Self {
        Self {
            id: m.id,
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            email: u.email,
            role: m.role.into(),
        }
    }
}

/// A person on the client's side; acts through links sent by email, without an account.
#[derive(Object)]
struct ContactDto {
    /// Identifier.
    id: i32,
    /// Name shown to people.
    name: String,
    /// E-mail address.
    #[oai(nullable)]
    email: Option<String>,
    /// Telephone number.
    #[oai(nullable)]
    phone: Option<String>,
    /// e.g. 甲方项目负责人, 甲方测试工程师, 签字代表.
    role: String,
}

impl From<client_contact::Model> for ContactDto {
    fn from(c: client_contact::Model) -> Self {
        Self {
            id: c.id,
            name: c.name,
            email: c.email,
            phone: c.phone,
            role: c.role,
        }
    }
}

/// A new project. Its schedule is made from the plan, counted from `contract_signed_on`.
#[derive(Object)]
struct CreateProject {
    /// Unique code, e.g. ZJFY-2026-018 (stored in upper case).
    code: String,
    /// Name shown to people.
    name: String,
    /// The client organisation (甲方).
    client_name: String,
    /// Where the system is installed.
    #[oai(nullable)]
    site_address: Option<String>,
    /// 合同编号.
    #[oai(nullable)]
    contract_number: Option<String>,
    /// 监理单位 (the supervising company), when the project has one.
    #[oai(nullable)]
    supervisor: Option<String>,
    /// Region, e.g. 浙江杭州 (used for filters and statistics).
    #[oai(nullable)]
    region: Option<String>,
    /// Project category, e.g. 政法系统集成.
    #[oai(nullable)]
    category: Option<String>,
    /// Codes or Chinese names: digital_courtroom/数字法庭, surveillance_alarm/联网监控报警,
    /// video_conference/视频会议, public_address/音响扩声, other/其他.
    #[oai(default)]
    system_types: Vec<OneOf<kinds::SystemType>>,
    /// YYYY-MM-DD.
    contract_signed_on: DateText,
    /// YYYY-MM-DD, not before the signing date.
    #[oai(nullable)]
    delivery_due_on: Option<DateText>,
    /// Plan code (GET /api/plans); `default` when absent.
    #[oai(nullable)]
    plan: Option<String>,
    /// IANA time zone; the server's default (Asia/Shanghai) when absent.
    #[oai(nullable)]
    timezone: Option<String>,
    /// active (default), delivered, in_warranty or closed.
    #[oai(nullable)]
    status: Option<OneOf<kinds::ProjectStatus>>,
}

/// Fields to change; absent fields stay. Changing `contract_signed_on` moves every due date that is
/// not overridden.
#[derive(Object)]
struct UpdateProject {
    /// Name shown to people.
    #[oai(nullable)]
    name: Option<String>,
    /// The client organisation (甲方).
    #[oai(nullable)]
    client_name: Option<String>,
    /// Where the system is installed.
    #[oai(nullable)]
    site_address: Option<String>,
    /// 合同编号.
    #[oai(nullable)]
    contract_number: Option<String>,
    /// 监理单位 (the supervising company), when the project has one.
    #[oai(nullable)]
    supervisor: Option<String>,
    /// Region, e.g. 浙江杭州 (used for filters and statistics).
    #[oai(nullable)]
    region: Option<String>,
    /// Project category, e.g. 政法系统集成.
    #[oai(nullable)]
    category: Option<String>,
    /// System type codes or Chinese names.
    #[oai(nullable)]
    system_types: Option<Vec<OneOf<kinds::SystemType>>>,
    /// YYYY-MM-DD.
    #[oai(nullable)]
    contract_signed_on: Option<DateText>,
    /// YYYY-MM-DD; null clears it.
    #[oai(nullable)]
    delivery_due_on: MaybeUndefined<String>,
    /// not_started, in_progress or done.
    #[oai(nullable)]
    status: Option<OneOf<kinds::ProjectStatus>>,
    /// IANA time zone in which deadlines end at midnight.
    #[oai(nullable)]
    timezone: Option<String>,
}

#[derive(Object)]
struct AddMember {
    /// Identifier of the user account (or give `username`).
    #[oai(nullable)]
    user_id: Option<i32>,
    /// Login name of the user account (or give `user_id`).
    #[oai(nullable)]
    username: Option<String>,
    /// pm (项目主管) or engineer (工程师).
    role: OneOf<kinds::MemberRole>,
}

#[derive(Object)]
struct UpdateMember {
    /// pm or engineer.
    role: OneOf<kinds::MemberRole>,
}

#[derive(Object)]
struct SaveContact {
    /// Name shown to people.
    #[oai(nullable)]
    name: Option<String>,
    /// Null clears it.
    #[oai(nullable)]
    email: MaybeUndefined<String>,
    /// Null clears it.
    #[oai(nullable)]
    phone: MaybeUndefined<String>,
    /// e.g. 甲方项目负责人, 甲方测试工程师, 签字代表.
    #[oai(nullable)]
    role: Option<String>,
}

fn maybe(v: MaybeUndefined<String>) -> Option<Option<String>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl From<SaveContact> for ContactInput {
    fn from(b: SaveContact) -> Self {
        Self {
            name: b.name,
            email: maybe(b.email),
            phone: maybe(b.phone),
            role: b.role,
        }
    }
}

/// One recorded change.
#[derive(Object)]
struct HistoryEntry {
    /// Identifier.
    id: i64,
    /// When it happened (UTC).
    at: DateTime<Utc>,
    /// Who made the change (系统 for the system itself).
    actor: String,
    /// Account that made the change; absent for the system.
    #[oai(nullable)]
    actor_id: Option<i32>,
    /// project, member, contact, phase, task, ...
    entity: String,
    /// Identifier of the changed record.
    #[oai(nullable)]
    entity_id: Option<i32>,
    /// created, updated, added, removed, started, completed, reopened, overridden, replanned, ...
    action: String,
    /// The changed field, when one field changed.
    #[oai(nullable)]
    field: Option<String>,
    /// Value before the change.
    #[oai(nullable)]
    old_value: Option<String>,
    /// Value after the change.
    #[oai(nullable)]
    new_value: Option<String>,
    /// Why, when a reason was given.
    #[oai(nullable)]
    reason: Option<String>,
}

impl From<history::Model> for HistoryEntry {
    fn from(h: history::Model) -> Self {
        Self {
            id: h.id,
            at: h.at,
            actor: h.actor_name,
            actor_id: h.actor_id,
            entity: h.entity,
            entity_id: h.entity_id,
            action: h.action,
            field: h.field,
            old_value: h.old_value,
            new_value: h.new_value,
            reason: h.reason,
        }
    }
}

#[OpenApi(tag = "ApiTags::Projects")]
impl ProjectsApi {
    /// Create a project
    ///
    /// Managers and administrators. A manager who creates a project becomes its 项目主管 (PM).
    #[oai(path = "/projects", method = "post", operation_id = "create_project")]
    async fn create(&self, auth: BearerAuth, body: Json<CreateProject>) -> ApiResult<Json<ProjectDetail>> {
        let me = actor(&self.state, &auth).await?;
        let b = body.0;
        let created = projects::create(
            &self.state.db,
            &self.state.templates,
            self.state.settings.timezone,
            &me,
            NewProject {
                code: b.code,
                name: b.name,
                client_name: b.client_name,
                site_address: b.site_address,
                contract_number: b.contract_number,
                supervisor: b.supervisor,
                region: b.region,
                category: b.category,
                system_types: b.system_types.into_iter().map(Into::into).collect(),
                contract_signed_on: b.contract_signed_on.into(),
                delivery_due_on: b.delivery_due_on.map(Into::into),
                plan: b.plan,
                timezone: b.timezone,
                status: b.status.map(Into::into),
            },
            Utc::now(),
        )
        .await?;
        self.detail(&grant::<Read>(&self.state, &auth, created.id).await?).await
    }

    /// List projects
    ///
    /// The projects the caller can see, by code, filtered and paginated.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/projects", method = "get", operation_id = "list_projects")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// active, delivered, in_warranty or closed.
        status: Query<Option<OneOf<kinds::ProjectStatus>>>,
        /// Exact region.
        region: Query<Option<String>>,
        /// A system type code or Chinese name.
        system_type: Query<Option<OneOf<kinds::SystemType>>>,
        /// true: only projects with an overdue task; false: only those without.
        overdue: Query<Option<bool>>,
        /// Only projects with an open task due within this many days (and not yet overdue), at most 3650.
        #[oai(validator(maximum(value = "3650")))]
        due_within_days: Query<Option<u32>>,
        /// Text to find in code, name, client or site address.
        q: Query<Option<String>>,
        /// 1-based page number, at most 1,000,000.
        #[oai(
            default = "default_page",
            validator(minimum(value = "1"), maximum(value = "1000000"))
        )]
        page: Query<u64>,
        /// Projects per page, 1–200.
        #[oai(
            default = "default_per_page",
            validator(minimum(value = "1"), maximum(value = "200"))
        )]
        per_page: Query<u64>,
    ) -> ApiResult<Json<ProjectPage>> {
        let me = actor(&self.state, &auth).await?;
        let filter = ProjectFilter {
            status: status.0.map(Into::into),
            region: region.0,
            system_type: system_type.0.map(Into::into),
            overdue: overdue.0,
            due_within_days: due_within_days.0,
            q: q.0,
            page: page.0.max(1),
            per_page: per_page.0,
        };
        let (page_no, per_page) = (filter.page, filter.per_page);
        let (items, total) = projects::list(&self.state.db, &me, filter, Utc::now()).await?;
        let codes = self.plan_codes().await?;
        let items = items
            .into_iter()
            .map(|s| ProjectListItem {
                open_tasks: s.open_tasks,
                overdue_tasks: s.overdue_tasks,
                next_due_on: s.next_due_on,
                project: {
                    let plan = codes.get(&s.project.plan_id).cloned().unwrap_or_default();
                    ProjectDto::new(s.project, plan)
                },
            })
            .collect();
        Ok(Json(ProjectPage {
            items,
            total,
            page: page_no,
            per_page,
        }))
    }

    /// Get a project
    #[oai(path = "/projects/:id", method = "get", operation_id = "get_project")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ProjectDetail>> {
        self.detail(&grant::<Read>(&self.state, &auth, id.0).await?).await
    }

    /// Change a project
    #[oai(path = "/projects/:id", method = "patch", operation_id = "update_project")]
    async fn update(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<UpdateProject>,
    ) -> ApiResult<Json<ProjectDetail>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let updated = projects::update(
            &self.state.db,
            &self.state.templates,
            &p,
            ProjectChanges {
                name: b.name,
                client_name: b.client_name,
                site_address: b.site_address,
                contract_number: b.contract_number,
                supervisor: b.supervisor,
                region: b.region,
                category: b.category,
                system_types: b.system_types.map(|v| v.into_iter().map(Into::into).collect()),
                contract_signed_on: b.contract_signed_on.map(Into::into),
                delivery_due_on: maybe(b.delivery_due_on),
                status: b.status.map(Into::into),
                timezone: b.timezone,
            },
            Utc::now(),
        )
        .await?;
        self.detail(&p.with_project(updated)).await
    }

    /// Project history
    ///
    /// Every recorded change to the project, its people and its schedule, newest first.
    #[oai(path = "/projects/:id/history", method = "get", operation_id = "project_history")]
    async fn history(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Entries to return, 1–1000.
        #[oai(
            default = "default_history_limit",
            validator(minimum(value = "1"), maximum(value = "1000"))
        )]
        limit: Query<u64>,
        /// Entries to skip, at most 1,000,000,000.
        #[oai(default, validator(maximum(value = "1000000000")))]
        offset: Query<u64>,
    ) -> ApiResult<Json<Vec<HistoryEntry>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let rows = history_service::list(&self.state.db, &p, limit.0, offset.0).await?;
        Ok(Json(rows.into_iter().map(Into::into).collect()))
    }

    /// List members
    #[oai(path = "/projects/:id/members", method = "get", operation_id = "list_members")]
    async fn members(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<MemberDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(
            projects::members(&self.state.db, &p)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Add a member
    #[oai(path = "/projects/:id/members", method = "post", operation_id = "add_member")]
    async fn add_member(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<AddMember>,
    ) -> ApiResult<Json<MemberDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let who = match (body.0.user_id, body.0.username.as_deref()) {
            (Some(id), _) => projects::Person::Id(id),
            (None, Some(username)) => projects::Person::Username(username),
            (None, None) => {
                return Err(crate::error::AppError::invalid("user_id", "user_id: give user_id or username").into());
            }
        };
        let m = projects::add_member(&self.state.db, &p, who, &body.role, Utc::now()).await?;
        self.member_dto(m).await
    }

    /// Change a member's project role
    #[oai(
        path = "/projects/:id/members/:member_id",
        method = "patch",
        operation_id = "update_member"
    )]
    async fn update_member(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Member id (from the project's members).
        member_id: Path<i32>,
        body: Json<UpdateMember>,
    ) -> ApiResult<Json<MemberDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let m = projects::update_member(&self.state.db, &p, member_id.0, &body.role, Utc::now()).await?;
        self.member_dto(m).await
    }

    /// Remove a member
    #[oai(
        path = "/projects/:id/members/:member_id",
        method = "delete",
        operation_id = "remove_member"
    )]
    async fn remove_member(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Member id (from the project's members).
        member_id: Path<i32>,
    ) -> ApiResult<NoContent> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        projects::remove_member(&self.state.db, &p, member_id.0, Utc::now()).await?;
        Ok(NoContent::Done)
    }

    /// List client contacts
    #[oai(path = "/projects/:id/contacts", method = "get", operation_id = "list_contacts")]
    async fn contacts(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<ContactDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        Ok(Json(
            projects::contacts(&self.state.db, &p)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
        ))
    }

    /// Add a client contact
    #[oai(path = "/projects/:id/contacts", method = "post", operation_id = "add_contact")]
    async fn add_contact(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<SaveContact>,
    ) -> ApiResult<Json<ContactDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let c = projects::save_contact(&self.state.db, &p, None, body.0.into(), Utc::now()).await?;
        Ok(Json(c.into()))
    }

    /// Change a client contact
    #[oai(
        path = "/projects/:id/contacts/:contact_id",
        method = "patch",
        operation_id = "update_contact"
    )]
    async fn update_contact(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Contact id.
        contact_id: Path<i32>,
        body: Json<SaveContact>,
    ) -> ApiResult<Json<ContactDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let c = projects::save_contact(&self.state.db, &p, Some(contact_id.0), body.0.into(), Utc::now()).await?;
        Ok(Json(c.into()))
    }

    /// Remove a client contact
    #[oai(
        path = "/projects/:id/contacts/:contact_id",
        method = "delete",
        operation_id = "remove_contact"
    )]
    async fn remove_contact(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Contact id.
        contact_id: Path<i32>,
    ) -> ApiResult<NoContent> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        projects::remove_contact(&self.state.db, &p, contact_id.0, Utc::now()).await?;
        Ok(NoContent::Done)
    }
}

impl ProjectsApi {
    async fn member_dto(&self, m: project_member::Model) -> ApiResult<Json<MemberDto>> {
        let u = crate::service::users::get(&self.state.db, m.user_id).await?;
        Ok(Json((m, u).into()))
    }
}

fn default_page() -> u64 {
    1
}
fn default_per_page() -> u64 {
    50
}
fn default_history_limit() -> u64 {
    200
}
