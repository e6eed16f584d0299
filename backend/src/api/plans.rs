use chrono::{DateTime, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, BearerAuth, actor};
use crate::{
    domain::plan::PlanDefinition,
    error::{ApiResult, AppError},
    service::plans,
    state::AppState,
};

pub struct PlansApi {
    state: AppState,
}

impl PlansApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A delivery plan: the phases and tasks a project's schedule is made from.
#[derive(Object)]
struct PlanDto {
    /// Unique plan code, e.g. default.
    code: String,
    /// Name shown to people.
    name: String,
    /// Shipped with jiaofu (templates/plans/); cannot be changed through the API.
    builtin: bool,
    /// When it was created (UTC).
    created_at: DateTime<Utc>,
    /// Phases, tasks and offsets.
    definition: PlanDefinition,
    /// What the plan lacks: each milestone task (e.g. goods-received) it has no task for, which
    /// therefore will not start or complete itself from recorded work. Empty when complete.
    warnings: Vec<String>,
}

impl TryFrom<entity::plan::Model> for PlanDto {
    type Error = AppError;
    fn try_from(m: entity::plan::Model) -> Result<Self, AppError> {
        let definition = plans::definition(&m)?;
        Ok(Self {
            warnings: crate::service::milestones::missing_in(&definition),
            definition,
            code: m.code,
            name: m.name,
            builtin: m.builtin,
            created_at: m.created_at,
        })
    }
}

#[OpenApi(tag = "ApiTags::Plans")]
impl PlansApi {
    /// List plans
    #[oai(path = "/plans", method = "get", operation_id = "list_plans")]
    async fn list(&self, auth: BearerAuth) -> ApiResult<Json<Vec<PlanDto>>> {
        actor(&self.state, &auth).await?;
        let list = plans::list(&self.state.db).await?;
        Ok(Json(list.into_iter().map(PlanDto::try_from).collect::<Result<_, _>>()?))
    }

    /// Get a plan
    #[oai(path = "/plans/:code", method = "get", operation_id = "get_plan")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Plan code.
        code: Path<String>,
    ) -> ApiResult<Json<PlanDto>> {
        actor(&self.state, &auth).await?;
        let plan = plans::find(&self.state.db, &code.0)
            .await?
            .ok_or_else(|| AppError::not_found(format!("no plan '{}'", code.0)))?;
        Ok(Json(plan.try_into()?))
    }

    /// Add a plan (administrators)
    ///
    /// Offsets count calendar days, or working days of a holiday calendar (`day_basis: working`,
    /// `calendar: cn`). Plans are immutable once added: add a new code for a new version.
    #[oai(path = "/plans", method = "post", operation_id = "create_plan")]
    async fn create(&self, auth: BearerAuth, body: Json<PlanDefinition>) -> ApiResult<Json<PlanDto>> {
        let me = actor(&self.state, &auth).await?;
        let created = plans::create(&self.state.db, &self.state.templates, &me, body.0, Utc::now()).await?;
        Ok(Json(created.try_into()?))
    }
}
