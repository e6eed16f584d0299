//! Functional test plans: templates, the project's plan, results item by item, per-page dual
//! sign-off, the client's signing requests, the 预验收证书, and the audit chain check.
use super::grant;
use crate::service::access::{Manage, Read, RecordWork};
use chrono::{DateTime, Utc};
use poem::Request;
use poem_openapi::{
    Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};

use super::types::{OneOf, PageState};
use super::{ApiTags, BearerAuth, NoContent, actor};
use crate::domain::types as kinds;
use crate::domain::types::SignedDocument;
use crate::{
    documents::{Label, Lang},
    error::ApiResult,
    service::{
        audit,
        signing::{self, RequestInput},
        test_plans::{self, CERTIFICATE, Conditions, ItemPatch, NewPlan, PlanData, ResultInput},
    },
    state::AppState,
};

pub struct TestPlansApi {
    state: AppState,
}

impl TestPlansApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A test-plan template under templates/test-plans/.
#[derive(Object)]
struct TestPlanTemplateDto {
    /// Code to instantiate it by, e.g. digital_courtroom.
    code: String,
    /// 数字法庭系统功能测试方案 …
    name: String,
    /// The system type it tests.
    system_type: String,
    /// Part 1 items.
    items: u32,
    /// Part 2 modules.
    modules: u32,
}

/// Make a plan from one or more templates.
#[derive(Object)]
struct NewTestPlanRequest {
    /// Template codes, e.g. ["digital_courtroom", "public_address"]; items are merged stage by stage.
    templates: Vec<String>,
    /// Defaults to the templates' names.
    #[oai(nullable)]
    title: Option<String>,
    /// Items per printed page of Part 1 (1–8); defaults to the first template's.
    #[oai(nullable)]
    items_per_page: Option<i32>,
    /// true: make it even though a plan from the same templates exists (409 otherwise).
    #[oai(nullable)]
    again: Option<bool>,
}

/// Why an item keeps its page from being signed.
#[derive(Object)]
struct TestBlockerDto {
    /// Item number as printed, e.g. 2.3.
    number: String,
    /// The item.
    name: String,
    /// no actual result recorded / no pass/fail recorded / failed.
    reason: String,
}

/// A signature and its evidence.
#[derive(Object)]
pub(super) struct TestSignatureDto {
    /// Identifier.
    id: i32,
    /// ours (乙方) or client (甲方).
    party: OneOf<kinds::SignParty>,
    /// Who signed.
    signer_name: String,
    /// Their e-mail address.
    #[oai(nullable)]
    signer_email: Option<String>,
    /// Their role.
    #[oai(nullable)]
    signer_role: Option<String>,
    /// in_app, email_link or on_site.
    method: OneOf<kinds::SignMethod>,
    /// When (UTC).
    signed_at: DateTime<Utc>,
    /// When, in the project's time zone.
    signed_local: String,
    /// The client address it came from.
    #[oai(nullable)]
    ip_address: Option<String>,
    /// The browser it came from.
    #[oai(nullable)]
    user_agent: Option<String>,
    /// SHA-256 of the canonical content signed.
    content_sha256: String,
    /// Printed on the page; anyone can check it at /verify/{code}.
    verify_code: String,
}

impl From<&entity::signature::Model> for TestSignatureDto {
    fn from(s: &entity::signature::Model) -> Self {
        Self {
            id: s.id,
            party: s.party.into(),
            signer_name: s.signer_name.clone(),
            signer_email: s.signer_email.clone(),
            signer_role: s.signer_role.clone(),
            method: s.method.into(),
            signed_at: s.signed_at,
            signed_local: s.signed_local.clone(),
            ip_address: s.ip_address.clone(),
            user_agent: s.user_agent.clone(),
            content_sha256: s.content_sha256.clone(),
            verify_code: s.verify_code.clone(),
        }
    }
}

/// A Part 1 item.
#[derive(Object)]
struct TestItemDto {
    /// Identifier (for results and edits).
    id: i32,
    /// Number as printed: stage and place within it, e.g. 2.3.
    number: String,
    /// Page of Part 1.
    page: i32,
    /// line, device, network or system.
    stage: OneOf<kinds::Stage>,
    /// 线路测试 …
    stage_label: String,
    /// Within 设备测试: 外观, 配置 or 功能.
    #[oai(nullable)]
    aspect: Option<String>,
    /// What is tested.
    name: String,
    /// The Part 2 module that says how.
    #[oai(nullable)]
    module: Option<String>,
    /// Expected result with its criterion.
    expected: String,
    /// Actual result.
    #[oai(nullable)]
    actual: Option<String>,
    /// Passed or not; absent until recorded.
    #[oai(nullable)]
    passed: Option<bool>,
    /// 说明: a measured value.
    #[oai(nullable)]
    note: Option<String>,
    /// 备注: anomalies.
    #[oai(nullable)]
    remark: Option<String>,
    /// Who recorded the result.
    #[oai(nullable)]
    recorded_by: Option<i32>,
    /// When.
    #[oai(nullable)]
    recorded_at: Option<DateTime<Utc>>,
}

/// A page of Part 1.
#[derive(Object)]
struct TestPageDto {
    /// Page number from 1.
    number: i32,
    /// open (items block it), ready, signed_by_us, signed_by_client or signed.
    state: OneOf<PageState>,
    /// SHA-256 of the page's canonical content: what a signature covers.
    content_sha256: String,
    /// What keeps it from being signed.
    blockers: Vec<TestBlockerDto>,
    /// Its signatures (not voided).
    signatures: Vec<TestSignatureDto>,
    /// Its items in order.
    items: Vec<TestItemDto>,
}

/// A Part 2 module.
#[derive(Object)]
struct TestProcedureDto {
    /// Code items refer to, e.g. M4.
    code: String,
    /// Title.
    title: String,
    /// Numbered steps.
    steps: Vec<String>,
}

/// The 预验收证书.
#[derive(Object)]
struct TestCertificateDto {
    /// When it was issued; absent until every page is signed by both and a PM issues it.
    #[oai(nullable)]
    issued_at: Option<DateTime<Utc>>,
    /// Its signatures (sign it as page 0).
    signatures: Vec<TestSignatureDto>,
}

/// A test plan with its pages.
#[derive(Object)]
struct TestPlanDto {
    /// Identifier.
    id: i32,
    /// Project.
    project_id: i32,
    /// Title.
    title: String,
    /// Template codes it was made from.
    templates: Vec<String>,
    /// Items per printed page.
    items_per_page: i32,
    /// Our designated engineers.
    #[oai(nullable)]
    our_engineers: Option<String>,
    /// When we confirmed the test conditions.
    #[oai(nullable)]
    our_conditions_at: Option<DateTime<Utc>>,
    /// The client's designated engineers.
    #[oai(nullable)]
    client_engineers: Option<String>,
    /// When the client confirmed the test conditions.
    #[oai(nullable)]
    client_conditions_at: Option<DateTime<Utc>>,
    /// Who confirmed for the client.
    #[oai(nullable)]
    client_conditions_by: Option<String>,
    /// The client's designated signer.
    #[oai(nullable)]
    client_signer_name: Option<String>,
    /// Their e-mail address.
    #[oai(nullable)]
    client_signer_email: Option<String>,
    /// Part 1.
    pages: Vec<TestPageDto>,
    /// Part 2.
    procedures: Vec<TestProcedureDto>,
    /// The 预验收证书.
    certificate: TestCertificateDto,
}

fn plan_dto(data: &PlanData) -> TestPlanDto {
    let pages = data
        .pages()
        .into_iter()
        .map(|p| {
            let state = match (p.blockers.is_empty(), p.ours.is_some(), p.client.is_some()) {
                (_, true, true) => "signed",
                (_, true, false) => "signed_by_us",
                (_, false, true) => "signed_by_client",
                (true, false, false) => "ready",
                (false, false, false) => "open",
            };
            TestPageDto {
                number: p.number,
                state: state.into(),
                content_sha256: p.content_sha256.clone(),
                blockers: p
                    .blockers
                    .iter()
                    .map(|b| TestBlockerDto {
                        number: b.number.clone(),
                        name: b.name.clone(),
                        reason: b.reason.into(),
                    })
                    .collect(),
                signatures: p.ours.into_iter().chain(p.client).map(TestSignatureDto::from).collect(),
                items: p
                    .items
                    .iter()
                    .map(|(i, number)| TestItemDto {
                        id: i.id,
                        number: number.clone(),
                        page: i.page,
                        stage: i.stage.into(),
                        stage_label: Ok::<_, ()>(i.stage)
                            .map_or("", |s| Label::stage(s).text(Lang::Zh))
                            .into(),
                        aspect: i.aspect.clone(),
                        name: i.name.clone(),
                        module: i.module.clone(),
                        expected: i.expected.clone(),
                        actual: i.actual.clone(),
                        passed: i.passed,
                        note: i.note.clone(),
                        remark: i.remark.clone(),
                        recorded_by: i.recorded_by,
                        recorded_at: i.recorded_at,
                    })
                    .collect(),
            }
        })
        .collect();
    let plan = &data.plan;
    TestPlanDto {
        id: plan.id,
        project_id: plan.project_id,
        title: plan.title.clone(),
        templates: plan.templates.split(',').map(str::to_string).collect(),
        items_per_page: plan.items_per_page,
        our_engineers: plan.our_engineers.clone(),
        our_conditions_at: plan.our_conditions_at,
        client_engineers: plan.client_engineers.clone(),
        client_conditions_at: plan.client_conditions_at,
        client_conditions_by: plan.client_conditions_by.clone(),
        client_signer_name: plan.client_signer_name.clone(),
        client_signer_email: plan.client_signer_email.clone(),
        pages,
        procedures: data
            .procedures
            .iter()
            .map(|p| TestProcedureDto {
                code: p.code.clone(),
                title: p.title.clone(),
                steps: serde_json::from_str(&p.steps).unwrap_or_default(),
            })
            .collect(),
        certificate: TestCertificateDto {
            issued_at: plan.certificate_issued_at,
            signatures: data
                .signatures
                .iter()
                .filter(|s| s.page == CERTIFICATE)
                .map(TestSignatureDto::from)
                .collect(),
        },
    }
}

/// A plan in a list.
#[derive(Object)]
struct TestPlanSummaryDto {
    /// Identifier.
    id: i32,
    /// Title.
    title: String,
    /// Template codes.
    templates: Vec<String>,
    /// When the 预验收证书 was issued.
    #[oai(nullable)]
    certificate_issued_at: Option<DateTime<Utc>>,
    /// When it was made.
    created_at: DateTime<Utc>,
}

/// Test conditions confirmed by one side.
#[derive(Object)]
struct TestConditionsRequest {
    /// ours or client.
    party: OneOf<kinds::SignParty>,
    /// The side's designated engineers, e.g. 李明、赵磊.
    engineers: String,
    /// For the client: who confirmed.
    #[oai(nullable)]
    confirmed_by: Option<String>,
    /// For the client: its designated signer.
    #[oai(nullable)]
    signer_name: Option<String>,
    /// For the client: the signer's e-mail address (signing links go there).
    #[oai(nullable)]
    signer_email: Option<String>,
}

/// An item's result, as recorded on site.
#[derive(Object)]
struct TestResultRequest {
    /// What the test actually showed; for a pass it may be left empty (it then says 符合预期).
    #[oai(default)]
    actual: String,
    /// Whether it gave the expected result.
    passed: bool,
    /// 说明: a measured value.
    #[oai(nullable)]
    note: Option<String>,
    /// 备注: anomalies (required when it failed).
    #[oai(nullable)]
    remark: Option<String>,
}

/// One item's result among many.
#[derive(Object)]
struct TestResultRow {
    /// The item.
    item_id: i32,
    #[oai(flatten)]
    result: TestResultRequest,
}

/// Many items' results, saved together.
#[derive(Object)]
struct TestResults {
    /// One row per item.
    results: Vec<TestResultRow>,
}

/// What saving many results did.
#[derive(Object)]
struct TestResultsSaved {
    /// Items recorded.
    recorded: u32,
    /// The plan's items still without a result.
    unrecorded: u32,
    /// The plan's items that failed.
    failed: u32,
}

/// An item's text or place; absent fields stay as they are.
#[derive(Object)]
struct TestItemRequest {
    /// line, device, network or system.
    #[oai(nullable)]
    stage: Option<OneOf<kinds::Stage>>,
    /// Within 设备测试: 外观, 配置 or 功能.
    #[oai(nullable)]
    aspect: Option<String>,
    /// What is tested.
    #[oai(nullable)]
    name: Option<String>,
    /// The Part 2 module code.
    #[oai(nullable)]
    module: Option<String>,
    /// Expected result with its criterion.
    #[oai(nullable)]
    expected: Option<String>,
    /// Move it to this page.
    #[oai(nullable)]
    page: Option<i32>,
    /// Order key within the plan (items are renumbered after a move).
    #[oai(nullable)]
    position: Option<i32>,
}

impl From<TestItemRequest> for ItemPatch {
    fn from(r: TestItemRequest) -> Self {
        ItemPatch {
            stage: r.stage.map(Into::into),
            aspect: r.aspect.map(Some),
            name: r.name,
            module: r.module.map(Some),
            expected: r.expected,
            page: r.page,
            position: r.position,
        }
    }
}

/// Lay Part 1 out again.
#[derive(Object)]
struct TestPaginateRequest {
    /// Items per printed page (1–8); defaults to the plan's.
    #[oai(nullable)]
    items_per_page: Option<i32>,
}

/// Why signatures are voided.
#[derive(Object)]
struct TestVoidRequest {
    /// Recorded with the voided signatures and in the audit log.
    reason: String,
}

/// Ask the client's signer to sign pages.
#[derive(Object)]
pub(super) struct NewSigningRequest {
    /// Page numbers; 0 for the 预验收证书.
    pages: Vec<i32>,
    /// Defaults to the plan's designated client signer.
    #[oai(nullable)]
    signer_name: Option<String>,
    /// Defaults to the designated signer's address.
    #[oai(nullable)]
    signer_email: Option<String>,
    /// e.g. 甲方签字代表.
    #[oai(nullable)]
    signer_role: Option<String>,
    /// true: a 30-minute link for a tablet on site, returned here and not e-mailed.
    #[oai(nullable)]
    on_site: Option<bool>,
}

/// A signing request.
#[derive(Object)]
pub(super) struct SigningRequestDto {
    /// Identifier.
    id: i32,
    /// Pages it covers (0: the 预验收证书).
    pages: Vec<i32>,
    /// Who is asked to sign.
    signer_name: String,
    /// Where the link went.
    signer_email: String,
    /// email_link or on_site.
    method: OneOf<kinds::SignMethod>,
    /// When the link stops working.
    expires_at: DateTime<Utc>,
    /// First opened.
    #[oai(nullable)]
    opened_at: Option<DateTime<Utc>>,
    /// Signed.
    #[oai(nullable)]
    used_at: Option<DateTime<Utc>>,
    /// Declined.
    #[oai(nullable)]
    declined_at: Option<DateTime<Utc>>,
    /// Why.
    #[oai(nullable)]
    decline_reason: Option<String>,
    /// Revoked.
    #[oai(nullable)]
    revoked_at: Option<DateTime<Utc>>,
    /// Reminders sent so far (every 2 days, 5 at most).
    reminders_sent: i32,
    /// The link, only in the answer that creates an on-site request.
    #[oai(nullable)]
    link: Option<String>,
    /// Only in the answer that creates a request: older open requests whose pages this one took
    /// over (an older link keeps only the rest, and is revoked when none is left).
    pub(super) taken_over: Vec<TakenOverDto>,
}

/// Pages a new signing request took over from an older open one.
#[derive(Object)]
pub(super) struct TakenOverDto {
    /// The older request.
    request_id: i32,
    /// The pages it no longer asks for.
    pages: Vec<i32>,
}

/// Asks the client to sign parts of a document, as a request body says.
pub(super) async fn ask_to_sign(
    state: &AppState,
    p: &crate::service::access::WorkAccess,
    document: SignedDocument,
    id: i32,
    b: NewSigningRequest,
) -> ApiResult<Json<SigningRequestDto>> {
    let on_site = b.on_site.unwrap_or(false);
    let input = RequestInput {
        pages: b.pages,
        signer_name: b.signer_name,
        signer_email: b.signer_email,
        signer_role: b.signer_role,
        on_site,
    };
    let made = signing::request(state, p, document, id, input, Utc::now()).await?;
    Ok(Json(SigningRequestDto {
        taken_over: made
            .taken_over
            .into_iter()
            .map(|(request_id, pages)| TakenOverDto { request_id, pages })
            .collect(),
        ..request_dto(&made.request, on_site.then_some(made.link))
    }))
}

pub(super) fn request_dto(r: &entity::signing_request::Model, link: Option<String>) -> SigningRequestDto {
    SigningRequestDto {
        id: r.id,
        pages: serde_json::from_str(&r.pages).unwrap_or_default(),
        signer_name: r.signer_name.clone(),
        signer_email: r.signer_email.clone(),
        method: r.method.into(),
        expires_at: r.expires_at,
        opened_at: r.opened_at,
        used_at: r.used_at,
        declined_at: r.declined_at,
        decline_reason: r.decline_reason.clone(),
        revoked_at: r.revoked_at,
        reminders_sent: r.reminders_sent,
        link,
        taken_over: Vec::new(),
    }
}

/// The result of checking the audit chain.
#[derive(Object)]
struct AuditChainDto {
    /// Entries checked.
    entries: u64,
    /// Whether every entry matches its hash and follows the one before.
    valid: bool,
    /// The first entry that does not.
    #[oai(nullable)]
    broken_at: Option<i64>,
    /// What is wrong with it.
    #[oai(nullable)]
    problem: Option<String>,
}

#[OpenApi(tag = "ApiTags::TestPlans")]
impl TestPlansApi {
    /// Test-plan templates
    #[oai(
        path = "/test-plan-templates",
        method = "get",
        operation_id = "list_test_plan_templates"
    )]
    async fn templates(&self, auth: BearerAuth) -> ApiResult<Json<Vec<TestPlanTemplateDto>>> {
        actor(&self.state, &auth).await?;
        Ok(Json(
            self.state
                .templates
                .test_plans
                .iter()
                .map(|t| TestPlanTemplateDto {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    system_type: t.system_type.clone(),
                    items: t.items.len() as u32,
                    modules: t.modules.len() as u32,
                })
                .collect(),
        ))
    }

    /// Make the project's test plan
    ///
    /// From one or more templates (a courtroom job often includes a PA system); items are merged
    /// stage by stage and laid out in pages.
    #[oai(
        path = "/projects/:id/test-plans",
        method = "post",
        operation_id = "create_test_plan"
    )]
    async fn create(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        body: Json<NewTestPlanRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = NewPlan {
            templates: b.templates,
            title: b.title,
            items_per_page: b.items_per_page,
            again: b.again.unwrap_or(false),
        };
        let data = test_plans::create(&self.state.db, &self.state.templates, &p, input, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// The project's test plans
    #[oai(path = "/projects/:id/test-plans", method = "get", operation_id = "list_test_plans")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
    ) -> ApiResult<Json<Vec<TestPlanSummaryDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let plans = test_plans::list(&self.state.db, &p).await?;
        Ok(Json(
            plans
                .into_iter()
                .map(|p| TestPlanSummaryDto {
                    id: p.id,
                    title: p.title,
                    templates: p.templates.split(',').map(str::to_string).collect(),
                    certificate_issued_at: p.certificate_issued_at,
                    created_at: p.created_at,
                })
                .collect(),
        ))
    }

    /// A test plan with its pages, items, blockers and signatures
    #[oai(
        path = "/projects/:id/test-plans/:plan",
        method = "get",
        operation_id = "get_test_plan"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let data = test_plans::get(&self.state.db, &p, plan.0).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Confirm the test conditions
    ///
    /// Each side records that the conditions are met and names its designated engineers; the
    /// client side also names its signer. Results can be recorded once both have.
    #[oai(
        path = "/projects/:id/test-plans/:plan/conditions",
        method = "post",
        operation_id = "confirm_test_conditions"
    )]
    async fn conditions(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        body: Json<TestConditionsRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = Conditions {
            party: b.party.into(),
            engineers: b.engineers,
            confirmed_by: b.confirmed_by,
            signer_name: b.signer_name,
            signer_email: b.signer_email,
        };
        let data = test_plans::confirm_conditions(&self.state.db, &p, plan.0, input, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Record an item's result
    ///
    /// One small call per item, made for a phone on site. Refused (409) while the item's page is
    /// signed.
    #[oai(
        path = "/projects/:id/test-plans/:plan/items/:item/result",
        method = "put",
        operation_id = "record_test_result"
    )]
    async fn result(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Item id.
        item: Path<i32>,
        body: Json<TestResultRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let _me = actor(&self.state, &auth).await?;
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let b = body.0;
        let input = ResultInput {
            actual: b.actual,
            passed: b.passed,
            note: b.note,
            remark: b.remark,
        };
        test_plans::record_result(&self.state.db, &p, plan.0, item.0, input, Utc::now()).await?;
        let data = test_plans::get(&self.state.db, &p, plan.0).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Record many results at once
    ///
    /// Results of many items of the plan in one transaction, all or none — a page's "all pass", or
    /// a table of results typed on site. When any row cannot be saved (no such item, a failure
    /// without its 备注, an item on a signed page) the answer is 422 with `problems`, one per row,
    /// and nothing is saved. The answer is a summary, not the plan.
    #[oai(
        path = "/projects/:id/test-plans/:plan/results",
        method = "put",
        operation_id = "record_test_results"
    )]
    async fn results(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        body: Json<TestResults>,
    ) -> ApiResult<Json<TestResultsSaved>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let rows = body
            .0
            .results
            .into_iter()
            .map(|r| {
                let b = r.result;
                let input = ResultInput {
                    actual: b.actual,
                    passed: b.passed,
                    note: b.note,
                    remark: b.remark,
                };
                (r.item_id, input)
            })
            .collect();
        let recorded = test_plans::record_results(&self.state.db, &p, plan.0, rows, Utc::now()).await?;
        let data = test_plans::get(&self.state.db, &p, plan.0).await?;
        Ok(Json(TestResultsSaved {
            recorded: recorded as u32,
            unrecorded: data.items.iter().filter(|i| i.passed.is_none()).count() as u32,
            failed: data.items.iter().filter(|i| i.passed == Some(false)).count() as u32,
        }))
    }

    /// Add an item
    #[oai(
        path = "/projects/:id/test-plans/:plan/items",
        method = "post",
        operation_id = "add_test_item"
    )]
    async fn add_item(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        body: Json<TestItemRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::add_item(&self.state.db, &p, plan.0, body.0.into(), Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Change or move an item
    #[oai(
        path = "/projects/:id/test-plans/:plan/items/:item",
        method = "patch",
        operation_id = "update_test_item"
    )]
    async fn update_item(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Item id.
        item: Path<i32>,
        body: Json<TestItemRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::update_item(&self.state.db, &p, plan.0, item.0, body.0.into(), Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Delete a test plan made by mistake
    ///
    /// Managers, with the reason, while no page is signed (409 once one is: void the page with its
    /// reason instead). Its items and open signing links go with it; the audit log and the history
    /// keep who, when and why.
    #[oai(
        path = "/projects/:id/test-plans/:plan",
        method = "delete",
        operation_id = "delete_test_plan"
    )]
    async fn delete_plan(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Why it is deleted, e.g. 重复创建.
        reason: Query<String>,
    ) -> ApiResult<NoContent> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        test_plans::delete_plan(&self.state.db, &p, plan.0, &reason.0, Utc::now()).await?;
        Ok(NoContent::Done)
    }

    /// Remove an item
    #[oai(
        path = "/projects/:id/test-plans/:plan/items/:item",
        method = "delete",
        operation_id = "delete_test_item"
    )]
    async fn delete_item(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Item id.
        item: Path<i32>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::delete_item(&self.state.db, &p, plan.0, item.0, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Lay Part 1 out again
    #[oai(
        path = "/projects/:id/test-plans/:plan/paginate",
        method = "post",
        operation_id = "paginate_test_plan"
    )]
    async fn paginate(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        body: Json<TestPaginateRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::paginate(&self.state.db, &p, plan.0, body.0.items_per_page, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Sign a page for our side
    ///
    /// An engineer or PM of the project signs in the app. Page 0 is the 预验收证书. Refused (409)
    /// while any item on the page lacks a result or failed, naming them.
    #[oai(
        path = "/projects/:id/test-plans/:plan/pages/:page/sign",
        method = "post",
        operation_id = "sign_test_page"
    )]
    async fn sign(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Page number; 0 for the 预验收证书.
        page: Path<i32>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let data =
            test_plans::sign_in_app(&self.state.db, &p, plan.0, page.0, super::evidence(req), Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Void a page's signatures
    ///
    /// Both parties' signatures on the page (and on the 预验收证书, which vouches for every page)
    /// are voided with the reason; both sign again after the change.
    #[oai(
        path = "/projects/:id/test-plans/:plan/pages/:page/void",
        method = "post",
        operation_id = "void_test_page"
    )]
    async fn void(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Page number; 0 for the 预验收证书.
        page: Path<i32>,
        body: Json<TestVoidRequest>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::void(&self.state.db, &p, plan.0, page.0, &body.0.reason, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Issue the 预验收证书
    ///
    /// Once every page is signed by both parties; then both sign it as page 0, which completes
    /// the 功能测试 task.
    #[oai(
        path = "/projects/:id/test-plans/:plan/certificate",
        method = "post",
        operation_id = "issue_pre_acceptance_certificate"
    )]
    async fn certificate(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
    ) -> ApiResult<Json<TestPlanDto>> {
        let p = grant::<Manage>(&self.state, &auth, id.0).await?;
        let data = test_plans::issue_certificate(&self.state.db, &p, plan.0, Utc::now()).await?;
        Ok(Json(plan_dto(&data)))
    }

    /// Ask the client to sign
    ///
    /// One e-mail with one link for all the pages given (or a 30-minute on-site link returned
    /// here). Every page must be ready: all items passed.
    #[oai(
        path = "/projects/:id/test-plans/:plan/signing-requests",
        method = "post",
        operation_id = "request_client_signature"
    )]
    async fn request(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        body: Json<NewSigningRequest>,
    ) -> ApiResult<Json<SigningRequestDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        ask_to_sign(&self.state, &p, SignedDocument::TestPlan, plan.0, body.0).await
    }

    /// Signing requests of a plan
    #[oai(
        path = "/projects/:id/test-plans/:plan/signing-requests",
        method = "get",
        operation_id = "list_signing_requests"
    )]
    async fn requests(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
    ) -> ApiResult<Json<Vec<SigningRequestDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let list = signing::list(&self.state.db, &p, SignedDocument::TestPlan, plan.0).await?;
        Ok(Json(list.iter().map(|r| request_dto(r, None)).collect()))
    }

    /// Revoke a signing request
    #[oai(
        path = "/projects/:id/test-plans/:plan/signing-requests/:request/revoke",
        method = "post",
        operation_id = "revoke_signing_request"
    )]
    async fn revoke(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Test plan id.
        plan: Path<i32>,
        /// Signing request id.
        request: Path<i32>,
    ) -> ApiResult<Json<SigningRequestDto>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let r = signing::revoke(
            &self.state.db,
            &p,
            SignedDocument::TestPlan,
            plan.0,
            request.0,
            Utc::now(),
        )
        .await?;
        Ok(Json(request_dto(&r, None)))
    }

    /// Verify the audit chain
    ///
    /// Recomputes every audit entry's hash and checks that each follows the one before.
    #[oai(path = "/audit/verify", method = "get", operation_id = "verify_audit_chain")]
    async fn verify(&self, auth: BearerAuth) -> ApiResult<Json<AuditChainDto>> {
        actor(&self.state, &auth).await?;
        let r = audit::verify(&self.state.db).await?;
        Ok(Json(AuditChainDto {
            entries: r.entries,
            valid: r.valid,
            broken_at: r.broken_at,
            problem: r.problem,
        }))
    }
}
