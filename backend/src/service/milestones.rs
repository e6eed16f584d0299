//! The milestone workflow: the plan tasks that features start and complete themselves from the
//! records they keep (an approved list, signed receipts, passed inspections, installation records,
//! a signed test plan). Features reach the schedule only through here, naming a [`Milestone`], not
//! a task code. A plan without one of these tasks is reported when the service starts and when an
//! administrator adds it; a feature that meets such a project logs that the milestone has no task.
use chrono::{DateTime, Utc};
use entity::{project, task};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::{
    Actor,
    access::{Granted, MayRecordWork},
    schedule::{self, TaskAction},
};
use crate::{
    domain::{plan::PlanDefinition, types::TaskStatus},
    error::AppResult,
};

/// A plan task that completes itself from recorded work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// 协议签定: done by definition once the contract's signing date is recorded.
    ContractSigned,
    /// 设备清单确定: the approved list (分项设备清单审定版).
    EquipmentList,
    /// 设备订购与发货: every baseline item shipped and received.
    OrderAndShip,
    /// 设备到货签收: every baseline item arrived on signed receipts.
    GoodsReceived,
    /// 设备到货检验: every item passed both inspection rounds.
    ArrivalInspection,
    /// 设备安装: every item installed.
    Installation,
    /// 系统调试: every item commissioned.
    Commissioning,
    /// 功能测试: the test plan signed on every page by both parties.
    FunctionalTest,
    /// 系统初验: the 初验报告 and 初验备忘录 signed by both parties.
    InitialAcceptance,
    /// 试运行: starts when the client signs for the passwords handed over.
    TrialRun,
    /// 人员培训: every trainee passed both assessments.
    Training,
    /// 文档移交: the client signed for the nine documents handed over.
    DocumentHandover,
    /// 终验交付: the 终验报告 signed by both parties.
    FinalAcceptance,
    /// 项目总结: both sides evaluated the project and the 工程总结报告 is issued.
    ProjectSummary,
}

impl Milestone {
    pub const ALL: &'static [Milestone] = &[
        Milestone::ContractSigned,
        Milestone::EquipmentList,
        Milestone::OrderAndShip,
        Milestone::GoodsReceived,
        Milestone::ArrivalInspection,
        Milestone::Installation,
        Milestone::Commissioning,
        Milestone::FunctionalTest,
        Milestone::InitialAcceptance,
        Milestone::TrialRun,
        Milestone::Training,
        Milestone::DocumentHandover,
        Milestone::FinalAcceptance,
        Milestone::ProjectSummary,
    ];

    /// The task code a plan gives this milestone.
    pub fn code(self) -> &'static str {
        match self {
            Milestone::ContractSigned => "contract-signed",
            Milestone::EquipmentList => "equipment-list",
            Milestone::OrderAndShip => "order-and-ship",
            Milestone::GoodsReceived => "goods-received",
            Milestone::ArrivalInspection => "arrival-inspection",
            Milestone::Installation => "installation",
            Milestone::Commissioning => "commissioning",
            Milestone::FunctionalTest => "functional-test",
            Milestone::InitialAcceptance => "initial-acceptance",
            Milestone::TrialRun => "trial-run",
            Milestone::Training => "training",
            Milestone::DocumentHandover => "document-handover",
            Milestone::FinalAcceptance => "final-acceptance",
            Milestone::ProjectSummary => "project-summary",
        }
    }
}

/// A link from a task to the record that completed it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct Evidence {
    pub label: String,
    pub href: String,
}

/// The milestones a plan has no task for, each with a sentence saying what that costs.
pub fn missing_in(def: &PlanDefinition) -> Vec<String> {
    Milestone::ALL
        .iter()
        .filter(|m| !def.phases.iter().flat_map(|p| &p.tasks).any(|t| t.code == m.code()))
        .map(|m| {
            format!(
                "plan '{}' has no task '{}': that task will not start or complete itself from recorded work",
                def.code,
                m.code()
            )
        })
        .collect()
}

async fn task_of(txn: &DatabaseTransaction, project_id: i32, m: Milestone) -> AppResult<Option<task::Model>> {
    let found = task::Entity::find()
        .filter(task::Column::ProjectId.eq(project_id))
        .filter(task::Column::Code.eq(m.code()))
        .one(txn)
        .await?;
    if found.is_none() {
        tracing::warn!(
            project_id,
            task = m.code(),
            "the project's plan has no task for this milestone; it is not moved"
        );
    }
    Ok(found.filter(|t| t.status != TaskStatus::Done))
}

/// Starts the milestone's task when the first record of its work arrives.
#[tracing::instrument(skip_all, fields(project_id = p.id(), milestone = m.code()))]
pub async fn start(
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    m: Milestone,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if let Some(t) = task_of(txn, p.id(), m)
        .await?
        .filter(|t| t.status == TaskStatus::NotStarted)
    {
        schedule::apply_task_action(txn, p.actor(), t, TaskAction::Start, None, now, now).await?;
    }
    Ok(())
}

/// Completes the milestone's task (if open) on the system's word, with its evidence.
#[tracing::instrument(skip_all, fields(project_id = p.id(), milestone = m.code()))]
pub async fn complete(
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    m: Milestone,
    note: String,
    evidence: Vec<Evidence>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    complete_as(txn, p.actor(), p.id(), m, note, evidence, now, now).await
}

/// 协议签定 of a project being created (by someone allowed to create it): the contract's signing
/// date is recorded, so the task is done — on that day, or now if the contract is dated ahead.
pub async fn contract_signed(
    txn: &DatabaseTransaction,
    actor: &Actor,
    project: &project::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let tz = crate::domain::schedule::zone(&project.timezone);
    let signing_day_ends = crate::domain::schedule::deadline(project.contract_signed_on, tz);
    let at = now.min(signing_day_ends - chrono::Duration::seconds(1));
    let note = format!("合同签订日期 {} 已录入", project.contract_signed_on);
    complete_as(
        txn,
        actor,
        project.id,
        Milestone::ContractSigned,
        note,
        Vec::new(),
        at,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn complete_as(
    txn: &DatabaseTransaction,
    actor: &Actor,
    project_id: i32,
    m: Milestone,
    note: String,
    evidence: Vec<Evidence>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(t) = task_of(txn, project_id, m).await? else {
        return Ok(());
    };
    complete_task(txn, actor, t, note, evidence, at, now).await
}

/// Completes an open task on the system's word, with the records that completed it.
pub(crate) async fn complete_task(
    txn: &DatabaseTransaction,
    actor: &Actor,
    t: task::Model,
    note: String,
    evidence: Vec<Evidence>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let done = schedule::apply_task_action(txn, actor, t, TaskAction::Complete, Some(note), at, now).await?;
    if !evidence.is_empty() {
        let json = serde_json::to_string(&evidence).map_err(|e| anyhow::anyhow!("evidence: {e}"))?;
        let mut model: task::ActiveModel = done.into();
        model.evidence = Set(Some(json));
        model.update(txn).await?;
    }
    Ok(())
}
