//! The project summary's evaluation: our side's scores, the client's by a link of their own.
use chrono::{DateTime, NaiveDate, Utc};
use poem_openapi::{Object, OpenApi, param::Path, payload::Json};

use super::{ApiTags, BearerAuth, grant};
use crate::{
    error::ApiResult,
    service::{
        access::{Manage, Read},
        evaluation::{self, ClientRequest, Evaluations, Scores},
    },
    state::AppState,
};

pub struct EvaluationApi {
    state: AppState,
}

impl EvaluationApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// One side's evaluation; scores from 1 (很不满意) to 5 (很满意).
#[derive(Object)]
struct EvaluationDto {
    /// Who evaluated (for the client: who was asked, until they answer).
    #[oai(nullable)]
    evaluator_name: Option<String>,
    /// Their role.
    #[oai(nullable)]
    evaluator_role: Option<String>,
    /// 工程进度.
    #[oai(nullable)]
    schedule: Option<i32>,
    /// 工程质量.
    #[oai(nullable)]
    quality: Option<i32>,
    /// 技术水平.
    #[oai(nullable)]
    technology: Option<i32>,
    /// 项目管理.
    #[oai(nullable)]
    management: Option<i32>,
    /// 用户满意度.
    #[oai(nullable)]
    satisfaction: Option<i32>,
    /// Comments.
    #[oai(nullable)]
    comments: Option<String>,
    /// When it was given.
    #[oai(nullable)]
    submitted_at: Option<DateTime<Utc>>,
    /// For the client: when their link was sent.
    #[oai(nullable)]
    requested_at: Option<DateTime<Utc>>,
}

fn evaluation_dto(e: &entity::evaluation::Model) -> EvaluationDto {
    EvaluationDto {
        evaluator_name: e.evaluator_name.clone(),
        evaluator_role: e.evaluator_role.clone(),
        schedule: e.schedule,
        quality: e.quality,
        technology: e.technology,
        management: e.management,
        satisfaction: e.satisfaction,
        comments: e.comments.clone(),
        submitted_at: e.submitted_at,
        requested_at: e.requested_at,
    }
}

/// The project's delivery and both sides' evaluations.
#[derive(Object)]
struct ProjectEvaluationDto {
    /// The day the final acceptance was signed by both; the evaluation follows it.
    #[oai(nullable)]
    delivered_on: Option<NaiveDate>,
    /// The day the warranty starts.
    #[oai(nullable)]
    warranty_starts_on: Option<NaiveDate>,
    /// Ours.
    #[oai(nullable)]
    ours: Option<EvaluationDto>,
    /// The client's.
    #[oai(nullable)]
    client: Option<EvaluationDto>,
    /// Both given: the 工程总结报告 can be issued.
    both_in: bool,
}

fn project_dto(project: &entity::project::Model, e: &Evaluations) -> ProjectEvaluationDto {
    ProjectEvaluationDto {
        delivered_on: project.delivered_on,
        warranty_starts_on: project.warranty_starts_on,
        ours: e.ours.as_ref().map(evaluation_dto),
        client: e.client.as_ref().map(evaluation_dto),
        both_in: e.both_in(),
    }
}

/// Our side's evaluation.
#[derive(Object)]
struct EvaluationRequest {
    /// 工程进度, 1 to 5.
    schedule: i32,
    /// 工程质量, 1 to 5.
    quality: i32,
    /// 技术水平, 1 to 5.
    technology: i32,
    /// 项目管理, 1 to 5.
    management: i32,
    /// 用户满意度 as we judge it, 1 to 5.
    satisfaction: i32,
    /// Comments.
    #[oai(nullable)]
    comments: Option<String>,
    /// Who evaluates for us.
    evaluator_name: String,
    /// Their role.
    #[oai(nullable)]
    evaluator_role: Option<String>,
}

/// Who evaluates for the client.
#[derive(Object)]
struct ClientEvaluationRequest {
    /// Their name.
    name: String,
    /// Where their link goes.
    email: String,
    /// Their role, e.g. 信息中心主任.
    #[oai(nullable)]
    role: Option<String>,
}

#[OpenApi(tag = "ApiTags::Acceptance")]
impl EvaluationApi {
    /// The project's evaluation
    ///
    /// Its delivery and both sides' evaluations as far as they are in.
    #[oai(path = "/projects/:id/evaluation", method = "get", operation_id = "get_evaluation")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<ProjectEvaluationDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let e = evaluation::get(&self.state.db, &p).await?;
        Ok(Json(project_dto(p.project(), &e)))
    }

    /// Evaluate the project for our side
    ///
    /// After delivery (409 before); given again, it replaces the last. 422 names a score outside
    /// 1 to 5.
    #[oai(
        path = "/projects/:id/evaluation/ours",
        method = "put",
        operation_id = "evaluate_project"
    )]
    async fn ours(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<EvaluationRequest>,
    ) -> ApiResult<Json<ProjectEvaluationDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let e = evaluation::evaluate_ours(
            &self.state.db,
            &p,
            Scores {
                scores: [b.schedule, b.quality, b.technology, b.management, b.satisfaction],
                comments: b.comments,
                evaluator_name: b.evaluator_name,
                evaluator_role: b.evaluator_role,
            },
            Utc::now(),
        )
        .await?;
        Ok(Json(project_dto(p.project(), &e)))
    }

    /// Ask the client to evaluate the project
    ///
    /// After delivery: the client's evaluator gets a link of their own by e-mail (no account),
    /// open for two weeks, answered once; asking again replaces the link.
    #[oai(
        path = "/projects/:id/evaluation/client-request",
        method = "post",
        operation_id = "request_client_evaluation"
    )]
    async fn request_client(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<ClientEvaluationRequest>,
    ) -> ApiResult<Json<ProjectEvaluationDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        evaluation::request_client(
            &self.state,
            &p,
            ClientRequest {
                name: b.name,
                email: b.email,
                role: b.role,
            },
            Utc::now(),
        )
        .await?;
        let e = evaluation::get(&self.state.db, &p).await?;
        Ok(Json(project_dto(p.project(), &e)))
    }
}
