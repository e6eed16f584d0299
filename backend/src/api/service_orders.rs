//! A ticket's on-site service order (上门服务单): filled in by the engineer, signed by the
//! repairer and the client (on the tablet or by link), handed in, printed.
use chrono::{DateTime, NaiveDate, Utc};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Binary, Json},
};

use super::test_plans::{NewSigningRequest, SigningRequestDto, ask_to_sign};
use super::types::{DateText, OneOf};
use super::{ApiTags, BearerAuth, actor, content_disposition};
use crate::domain::types::{self as kinds, SignedDocument, parse_date};
use crate::{
    error::{ApiResult, AppError},
    service::{
        access::{Read, RecordWork},
        service_desk::{
            orders::{self, Material, ORDER, OrderData, OrderInput},
            tickets::{self, Ticket},
        },
        signing::{self, Signable},
    },
    state::AppState,
};

pub struct ServiceOrdersApi {
    state: AppState,
}

impl ServiceOrdersApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// A line of 使用器材 or 退回器材.
#[derive(Object)]
struct MaterialDto {
    /// 名称.
    name: String,
    /// 型号.
    #[oai(nullable)]
    model: Option<String>,
    /// 数量.
    quantity: f64,
    /// 序列号.
    #[oai(nullable)]
    serial: Option<String>,
    /// 设备是否在保修期内.
    in_warranty: bool,
    /// 备注: 更换, 替换, 用户提供, 因用户原因收费 …
    #[oai(nullable)]
    remark: Option<String>,
}

impl From<Material> for MaterialDto {
    fn from(m: Material) -> Self {
        MaterialDto {
            name: m.name,
            model: m.model,
            quantity: m.quantity,
            serial: m.serial,
            in_warranty: m.in_warranty,
            remark: m.remark,
        }
    }
}

impl From<MaterialDto> for Material {
    fn from(m: MaterialDto) -> Self {
        Material {
            name: m.name,
            model: m.model,
            quantity: m.quantity,
            serial: m.serial,
            in_warranty: m.in_warranty,
            remark: m.remark,
        }
    }
}

/// One of the order's fields as printed.
#[derive(Object)]
struct OrderFieldDto {
    /// Its label (工程名称, 故障原因 …).
    label: String,
    /// What it says.
    value: String,
}

/// A signature on the order.
#[derive(Object)]
struct OrderSignatureDto {
    /// ours (维修人) or client (用户签章).
    party: String,
    /// Who signed.
    signer_name: String,
    /// When, as the site reads it.
    signed_local: String,
    /// The code that verifies it.
    verify_code: String,
}

/// The 上门服务单.
#[derive(Object)]
struct ServiceOrderDto {
    /// Identifier.
    id: i32,
    /// The ticket.
    ticket_id: i32,
    /// Every field as printed, in the original's order.
    fields: Vec<OrderFieldDto>,
    /// 故障原因.
    cause: String,
    /// What the fault came from (the PM's monthly summary counts by it); none on orders filled
    /// before it was asked.
    #[oai(nullable)]
    cause_category: Option<OneOf<kinds::FaultCause>>,
    /// 排除方法.
    remedy: String,
    /// 系统有待处理问题: 现存现象.
    #[oai(nullable)]
    remaining_symptom: Option<String>,
    /// 系统有待处理问题: 处理方法.
    #[oai(nullable)]
    remaining_method: Option<String>,
    /// 使用器材.
    used: Vec<MaterialDto>,
    /// 退回器材.
    returned: Vec<MaterialDto>,
    /// 借用器材 (the spares taken out for the ticket).
    borrowed: Vec<String>,
    /// 维修费用 in yuan.
    fee_yuan: f64,
    /// 维修人署名.
    repairers: String,
    /// 维修日期.
    repaired_on: NaiveDate,
    /// 服务结果.
    result: String,
    /// 用户意见或提议.
    #[oai(nullable)]
    client_opinion: Option<String>,
    /// Signatures in force.
    signatures: Vec<OrderSignatureDto>,
    /// When it was handed in (交回存档).
    #[oai(nullable)]
    handed_in_at: Option<DateTime<Utc>>,
}

fn order_dto(d: &OrderData) -> ServiceOrderDto {
    let o = &d.order;
    ServiceOrderDto {
        id: o.id,
        ticket_id: o.ticket_id,
        fields: d
            .fields()
            .into_iter()
            .map(|(label, value)| OrderFieldDto { label, value })
            .collect(),
        cause: o.cause.clone(),
        cause_category: o.cause_category.map(|c| c.as_str().to_string().into()),
        remedy: o.remedy.clone(),
        remaining_symptom: o.remaining_symptom.clone(),
        remaining_method: o.remaining_method.clone(),
        used: d.used().into_iter().map(Into::into).collect(),
        returned: d.returned().into_iter().map(Into::into).collect(),
        borrowed: d.borrowed(),
        fee_yuan: o.fee_fen as f64 / 100.0,
        repairers: o.repairers.clone(),
        repaired_on: o.repaired_on,
        result: o.result.clone(),
        client_opinion: o.client_opinion.clone(),
        signatures: d
            .signatures
            .iter()
            .map(|s| OrderSignatureDto {
                party: s.party.as_str().into(),
                signer_name: s.signer_name.clone(),
                signed_local: s.signed_local.clone(),
                verify_code: s.verify_code.clone(),
            })
            .collect(),
        handed_in_at: o.handed_in_at,
    }
}

/// What the engineer fills in on site.
#[derive(Object)]
struct ServiceOrderRequest {
    /// 故障原因.
    cause: String,
    /// What the fault came from, for the PM's monthly summary.
    #[oai(nullable)]
    cause_category: Option<OneOf<kinds::FaultCause>>,
    /// 排除方法.
    remedy: String,
    /// 系统有待处理问题: 现存现象.
    #[oai(nullable)]
    remaining_symptom: Option<String>,
    /// 系统有待处理问题: 处理方法.
    #[oai(nullable)]
    remaining_method: Option<String>,
    /// 使用器材.
    #[oai(default)]
    used: Vec<MaterialDto>,
    /// 退回器材.
    #[oai(default)]
    returned: Vec<MaterialDto>,
    /// 维修费用 in yuan (0 within the warranty; materials only for human damage).
    #[oai(default)]
    fee_yuan: f64,
    /// 维修人署名; the assigned engineers when absent.
    #[oai(nullable)]
    repairers: Option<String>,
    /// 维修日期, YYYY-MM-DD; the repair's day when absent.
    #[oai(nullable)]
    repaired_on: Option<DateText>,
    /// 服务结果.
    result: String,
    /// 用户意见或提议.
    #[oai(nullable)]
    client_opinion: Option<String>,
    /// Who signs for the client when asked by link; the reporter when absent.
    #[oai(nullable)]
    client_signer_name: Option<String>,
    /// Their e-mail.
    #[oai(nullable)]
    client_signer_email: Option<String>,
}

#[derive(ApiResponse)]
enum OrderDocx {
    /// The 上门服务单 as a .docx (草稿 across it until the client signed).
    #[oai(
        status = 200,
        content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )]
    Ok(
        Binary<Vec<u8>>,
        /// `attachment` with the file's name, in ASCII and (RFC 6266 `filename*`) in UTF-8.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

impl ServiceOrdersApi {
    async fn order_of(&self, t: &Ticket<impl crate::service::access::MayRead>) -> ApiResult<OrderData> {
        orders::get(&self.state.db, t)
            .await?
            .ok_or_else(|| AppError::not_found(format!("ticket {} has no 上门服务单 yet", t.row.id)).into())
    }
}

#[OpenApi(tag = "ApiTags::ServiceDesk")]
impl ServiceOrdersApi {
    /// A ticket's 上门服务单
    #[oai(
        path = "/tickets/:ticket/service-order",
        method = "get",
        operation_id = "get_service_order"
    )]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<ServiceOrderDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, ticket.0).await?;
        Ok(Json(order_dto(&self.order_of(&t).await?)))
    }

    /// Fill in the 上门服务单
    ///
    /// Once the fault was removed on site (409 before); correctable until signed (409 after).
    #[oai(
        path = "/tickets/:ticket/service-order",
        method = "put",
        operation_id = "save_service_order"
    )]
    async fn save(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<ServiceOrderRequest>,
    ) -> ApiResult<Json<ServiceOrderDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let b = body.0;
        let input = OrderInput {
            cause: b.cause,
            cause_category: b
                .cause_category
                .map(|c| kinds::FaultCause::parse(&c).map_err(AppError::from))
                .transpose()?,
            remedy: b.remedy,
            remaining_symptom: b.remaining_symptom,
            remaining_method: b.remaining_method,
            used: b.used.into_iter().map(Into::into).collect(),
            returned: b.returned.into_iter().map(Into::into).collect(),
            fee_yuan: b.fee_yuan,
            repairers: b.repairers,
            repaired_on: b.repaired_on.map(|d| parse_date("repaired_on", &d)).transpose()?,
            result: b.result,
            client_opinion: b.client_opinion,
            client_signer_name: b.client_signer_name,
            client_signer_email: b.client_signer_email,
        };
        Ok(Json(order_dto(
            &orders::save(&self.state, &t, input, Utc::now()).await?,
        )))
    }

    /// Sign the 上门服务单 as its repairer (维修人署名)
    #[oai(
        path = "/tickets/:ticket/service-order/sign",
        method = "post",
        operation_id = "sign_service_order"
    )]
    async fn sign(
        &self,
        req: &Request,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<ServiceOrderDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let order = self.order_of(&t).await?;
        let signed = signing::sign_in_app(
            &self.state.db,
            &t.granted,
            SignedDocument::ServiceOrder,
            order.order.id,
            ORDER,
            super::evidence(req),
            Utc::now(),
        )
        .await?;
        match signed {
            Signable::ServiceOrder(d) => Ok(Json(order_dto(&d))),
            _ => Err(AppError::Internal(anyhow::anyhow!("a service order loaded as another document")).into()),
        }
    }

    /// Ask the client to sign the 上门服务单 (用户签章)
    ///
    /// `on_site: true` gives a 30-minute link for the tablet; otherwise one e-mail with one link to
    /// the order's client signer (the reporter by default).
    #[oai(
        path = "/tickets/:ticket/service-order/signing-requests",
        method = "post",
        operation_id = "request_service_order_signature"
    )]
    async fn request(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
        body: Json<NewSigningRequest>,
    ) -> ApiResult<Json<SigningRequestDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        let order = self.order_of(&t).await?;
        ask_to_sign(
            &self.state,
            &t.granted,
            SignedDocument::ServiceOrder,
            order.order.id,
            body.0,
        )
        .await
    }

    /// Hand the 上门服务单 in (交回存档)
    ///
    /// Once the client signed it: the ticket's 服务单存档 step.
    #[oai(
        path = "/tickets/:ticket/service-order/hand-in",
        method = "post",
        operation_id = "hand_in_service_order"
    )]
    async fn hand_in(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<Json<ServiceOrderDto>> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<RecordWork>(&self.state.db, &me, ticket.0).await?;
        Ok(Json(order_dto(&orders::hand_in(&self.state, &t, Utc::now()).await?)))
    }

    /// The 上门服务单 as a Word form
    #[oai(
        path = "/tickets/:ticket/service-order.docx",
        method = "get",
        operation_id = "download_service_order"
    )]
    async fn docx(
        &self,
        auth: BearerAuth,
        /// Ticket id.
        ticket: Path<i32>,
    ) -> ApiResult<OrderDocx> {
        let me = actor(&self.state, &auth).await?;
        let t = tickets::ticket::<Read>(&self.state.db, &me, ticket.0).await?;
        let order = self.order_of(&t).await?;
        let house = self.state.settings.house();
        let form = orders::form(&order, house.lang);
        let bytes = crate::documents::render_off_thread(form, house).await?;
        let name = format!("上门服务单-{}.docx", order.ticket.number.clone().unwrap_or_default());
        Ok(OrderDocx::Ok(Binary(bytes), content_disposition(&name)))
    }
}
