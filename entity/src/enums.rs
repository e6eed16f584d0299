//! The closed sets of values the database stores as text, typed: an entity's column holds the
//! enum, so a value outside the set cannot be written, and comparisons are between variants.
use sea_orm::entity::prelude::*;

/// Why a text is not one of a closed set of values: the field it was given for and a message that
/// lists the choices. The application turns it into a 422 naming the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UnknownValue {}

/// Declares a closed set of values stored as text: a sea-orm string-backed active enum (columns of
/// this type read and write the variant's text; no database enum type, no data migration), with a
/// parser that lists the choices.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
        pub enum $name { $(#[sea_orm(string_value = $text)] $variant),+ }

        closed_set!($name, $field { $($variant => $text),+ });
    };
}

/// What every closed set has: its values, its text, a parser naming the field, JSON and display.
macro_rules! closed_set {
    ($name:ident, $field:literal { $($variant:ident => $text:literal),+ }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Result<Self, UnknownValue> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(UnknownValue {
                        field: $field,
                        message: format!(
                            "{}: '{}' is not one of {}",
                            $field,
                            other,
                            [$($text),+].join(", ")
                        ),
                    }),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum!(
    /// What an account may do across the service.
    Role, "role" {
        Admin => "admin",
        Manager => "manager",
        Engineer => "engineer",
        Viewer => "viewer",
    }
);

stored_enum!(
    /// Where a project stands in its life.
    ProjectStatus, "status" {
        Active => "active",
        Delivered => "delivered",
        InWarranty => "in_warranty",
        Closed => "closed",
    }
);

stored_enum!(
    /// Kinds of system a project delivers.
    SystemType, "system_types" {
        DigitalCourtroom => "digital_courtroom",
        SurveillanceAlarm => "surveillance_alarm",
        VideoConference => "video_conference",
        PublicAddress => "public_address",
        Other => "other",
    }
);

stored_enum!(
    /// A stage of the functional test, in the order they run; the 预验收证书 closes them.
    Stage, "stage" {
        Line => "line",
        Device => "device",
        Network => "network",
        System => "system",
    }
);

stored_enum!(
    /// Who signs: our side (乙方) or the client (甲方).
    SignParty, "party" {
        Ours => "ours",
        Client => "client",
    }
);

stored_enum!(
    /// The kinds of document both parties sign: a test plan's pages and 预验收证书; an acceptance's
    /// report and memo (初验 / 终验); a 口令移交单; a 技术文档交付备忘录; a 上门服务单; a 巡检报告.
    SignedDocument, "document" {
        TestPlan => "test_plan",
        Acceptance => "acceptance",
        PasswordHandover => "password_handover",
        DocumentHandover => "document_handover",
        ServiceOrder => "service_order",
        PatrolReport => "patrol_report",
    }
);

stored_enum!(
    /// A day of the trial run: 正常, 部分异常 or 停运.
    RunState, "state" {
        Normal => "normal",
        Degraded => "degraded",
        Down => "down",
    }
);

impl RunState {
    pub fn label_zh(self) -> &'static str {
        match self {
            RunState::Normal => "正常",
            RunState::Degraded => "部分异常",
            RunState::Down => "停运",
        }
    }
}

stored_enum!(
    /// What a handed-over account logs in to: a device (交换机、摄像机 …) or a system (平台、数据库 …).
    CredentialKind, "kind" {
        Device => "device",
        System => "system",
    }
);

stored_enum!(
    /// How a signature was given.
    SignMethod, "method" {
        InApp => "in_app",
        EmailLink => "email_link",
        OnSite => "on_site",
    }
);

stored_enum!(
    /// Our people's role on a project.
    MemberRole, "role" {
        Pm => "pm",
        Engineer => "engineer",
    }
);

stored_enum!(
    /// How often a user gets deadline reminders.
    ReminderFrequency, "reminder_frequency" {
        Daily => "daily",
        Weekly => "weekly",
        Off => "off",
    }
);

stored_enum!(
    /// Which equipment list a file is.
    ListKind, "kind" {
        Contract => "contract",
        PurchaseOrder => "purchase_order",
        Approved => "approved",
    }
);

impl ListKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ListKind::Contract => "协议设备清单",
            ListKind::PurchaseOrder => "设备订购单",
            ListKind::Approved => "分项设备清单审定版",
        }
    }
}

stored_enum!(
    /// Which side a decided difference between the purchase order and the contract list adopts in
    /// the 分项设备清单审定版: the order's line or value, or the contract list's.
    Adopt, "adopt" {
        Order => "order",
        Contract => "contract",
    }
);

impl Adopt {
    pub fn label_zh(self) -> &'static str {
        match self {
            Adopt::Order => "以订购单为准",
            Adopt::Contract => "以协议清单为准",
        }
    }
}

/// Who organised an arrival inspection: our self-check first, then the client's. Not an active
/// enum: the stored text `self` would be a Rust keyword in the identifiers sea-orm's derive makes
/// from each value, so `inspections.round` stays text, parsed at the edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InspectionRound {
    Own,
    Client,
}

closed_set!(InspectionRound, "round" { Own => "self", Client => "client" });

stored_enum!(
    /// The result of one check: on arrival, or on an inspection visit (定时巡检).
    CheckResult, "result" {
        Pass => "pass",
        Fail => "fail",
        NotApplicable => "na",
    }
);

stored_enum!(
    /// How a deviation from a failed inspection was settled.
    Resolution, "resolution" {
        Replace => "replace",
        Return => "return",
        Concession => "concession",
    }
);

stored_enum!(
    /// The commissioning result of an installed item.
    Commissioning, "commissioning" {
        Pending => "pending",
        Pass => "pass",
        Fail => "fail",
    }
);

impl InspectionRound {
    pub fn label_zh(self) -> &'static str {
        match self {
            InspectionRound::Own => "自检",
            InspectionRound::Client => "甲方组织检验",
        }
    }
}

impl Resolution {
    pub fn label_zh(self) -> &'static str {
        match self {
            Resolution::Replace => "更换",
            Resolution::Return => "退货",
            Resolution::Concession => "让步接收",
        }
    }
}

stored_enum!(
    TaskStatus, "status" {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Done => "done",
    }
);

impl SystemType {
    /// The Chinese name used on forms.
    pub fn label_zh(self) -> &'static str {
        match self {
            SystemType::DigitalCourtroom => "数字法庭",
            SystemType::SurveillanceAlarm => "联网监控报警",
            SystemType::VideoConference => "视频会议",
            SystemType::PublicAddress => "音响扩声",
            SystemType::Other => "其他",
        }
    }

    /// Accepts the code or the Chinese name.
    pub fn parse_any(value: &str) -> Result<Self, UnknownValue> {
        let v = value.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.label_zh() == v)
            .map_or_else(|| Self::parse(v), Ok)
    }
}

impl MemberRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            MemberRole::Pm => "项目主管",
            MemberRole::Engineer => "工程师",
        }
    }
}

stored_enum!(
    /// Whether a deviation found at arrival is still open.
    DeviationStatus, "status" {
        Open => "open",
        Closed => "closed",
    }
);

stored_enum!(
    /// Where an e-mail stands in the outbox.
    OutboxStatus, "status" {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Cancelled => "cancelled",
    }
);

impl ProjectStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectStatus::Active => "交付中",
            ProjectStatus::Delivered => "已交付",
            ProjectStatus::InWarranty => "质保期",
            ProjectStatus::Closed => "已关闭",
        }
    }
}

impl TaskStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "未开始",
            TaskStatus::InProgress => "进行中",
            TaskStatus::Done => "已完成",
        }
    }
}

impl Stage {
    /// Position in the test: lines first, the whole system last.
    pub fn order(self) -> u8 {
        match self {
            Stage::Line => 1,
            Stage::Device => 2,
            Stage::Network => 3,
            Stage::System => 4,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_types_accept_chinese_names() {
        assert_eq!(
            SystemType::parse_any("数字法庭").expect("known"),
            SystemType::DigitalCourtroom
        );
        assert_eq!(
            SystemType::parse_any("public_address").expect("known"),
            SystemType::PublicAddress
        );
        let err = SystemType::parse_any("卫星").expect_err("unknown");
        assert!(err.to_string().contains("digital_courtroom"));
    }

    #[test]
    fn a_stored_value_is_its_text() {
        assert_eq!(TaskStatus::InProgress.to_value(), "in_progress");
        assert_eq!(
            ListKind::try_from_value(&"purchase_order".to_string()).expect("known"),
            ListKind::PurchaseOrder
        );
    }
}

stored_enum!(
    /// The record a photo is attached to.
    PhotoSubject, "subject" {
        Inspection => "inspection",
        Deviation => "deviation",
        Installation => "installation",
        WorkLog => "work_log",
    }
);

impl PhotoSubject {
    pub fn label_zh(self) -> &'static str {
        match self {
            PhotoSubject::Inspection => "进场检验",
            PhotoSubject::Deviation => "偏差",
            PhotoSubject::Installation => "安装记录",
            PhotoSubject::WorkLog => "工作记录",
        }
    }
}

stored_enum!(
    /// The two acceptances of a project: 系统初验 and 终验.
    AcceptanceStage, "stage" {
        Initial => "initial",
        Final => "final",
    }
);

stored_enum!(
    /// An acceptance's conclusion: 通过, 有条件通过 (with leftover issues to fix), 不通过.
    AcceptanceConclusion, "conclusion" {
        Passed => "passed",
        Conditional => "conditional",
        Failed => "failed",
    }
);

stored_enum!(
    /// Where a leftover issue (遗留问题) was found.
    IssueSource, "source" {
        InitialAcceptance => "initial_acceptance",
        TrialRun => "trial_run",
        FinalAcceptance => "final_acceptance",
    }
);

stored_enum!(
    /// How much a leftover issue matters: 一般, 重要, 严重.
    IssueSeverity, "severity" {
        Minor => "minor",
        Major => "major",
        Critical => "critical",
    }
);

stored_enum!(
    /// Where a leftover issue stands: open; fixed by us; closed once the client confirmed the fix;
    /// deferred when the client accepted it open, in writing, with a reason.
    IssueStatus, "status" {
        Open => "open",
        Fixed => "fixed",
        Closed => "closed",
        Deferred => "deferred",
    }
);

impl CredentialKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            CredentialKind::Device => "设备",
            CredentialKind::System => "系统",
        }
    }
}

impl AcceptanceStage {
    pub fn label_zh(self) -> &'static str {
        match self {
            AcceptanceStage::Initial => "系统初验",
            AcceptanceStage::Final => "终验",
        }
    }
}

impl AcceptanceConclusion {
    pub fn label_zh(self) -> &'static str {
        match self {
            AcceptanceConclusion::Passed => "通过",
            AcceptanceConclusion::Conditional => "有条件通过",
            AcceptanceConclusion::Failed => "不通过",
        }
    }
}

impl IssueSeverity {
    pub fn label_zh(self) -> &'static str {
        match self {
            IssueSeverity::Minor => "一般",
            IssueSeverity::Major => "重要",
            IssueSeverity::Critical => "严重",
        }
    }
}

impl IssueStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            IssueStatus::Open => "待处理",
            IssueStatus::Fixed => "已修复待确认",
            IssueStatus::Closed => "已关闭",
            IssueStatus::Deferred => "甲方同意暂缓",
        }
    }
}

impl IssueSource {
    pub fn label_zh(self) -> &'static str {
        match self {
            IssueSource::InitialAcceptance => "初验",
            IssueSource::TrialRun => "试运行",
            IssueSource::FinalAcceptance => "终验",
        }
    }
}

stored_enum!(
    /// Who a trainee is: an operator (操作员), who runs the system day to day, or a maintainer
    /// (系统维护员), who also keeps the devices and handles common faults.
    TraineeKind, "kind" {
        Operator => "operator",
        Maintainer => "maintainer",
    }
);

impl TraineeKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            TraineeKind::Operator => "操作员",
            TraineeKind::Maintainer => "系统维护员",
        }
    }
}

stored_enum!(
    /// How a trainee signed the attendance sheet: on the tablet, or by hand on the printed sheet.
    AttendanceMethod, "method" {
        Tablet => "tablet",
        Paper => "paper",
    }
);

impl AttendanceMethod {
    pub fn label_zh(self) -> &'static str {
        match self {
            AttendanceMethod::Tablet => "平板签到",
            AttendanceMethod::Paper => "纸质签到",
        }
    }
}

stored_enum!(
    /// What happened on a service ticket — the original's 16 steps of the service flow
    /// (服务步骤) as events, plus the clock pauses, assignment and escalation around them.
    TicketStep, "step" {
        Reported => "reported",
        ArchivePulled => "archive_pulled",
        Analysed => "analysed",
        CalledBack => "called_back",
        MeasureProposed => "measure_proposed",
        SolvedRemotely => "solved_remotely",
        SparesDrawn => "spares_drawn",
        Dispatched => "dispatched",
        Arrived => "arrived",
        RepairFailed => "repair_failed",
        Repaired => "repaired",
        Replaced => "replaced",
        PhoneTracked => "phone_tracked",
        Rechecked => "rechecked",
        ServiceOrderFilled => "service_order_filled",
        SiteCleaned => "site_cleaned",
        Filed => "filed",
        ReturnVisit => "return_visit",
        Closed => "closed",
        Paused => "paused",
        Resumed => "resumed",
        Assigned => "assigned",
        Escalated => "escalated",
        Note => "note",
    }
);

impl TicketStep {
    pub fn label_zh(self) -> &'static str {
        match self {
            TicketStep::Reported => "受理报修",
            TicketStep::ArchivePulled => "调用用户档案",
            TicketStep::Analysed => "初步分析故障原因",
            TicketStep::CalledBack => "回电确认故障现象",
            TicketStep::MeasureProposed => "提出处理措施",
            TicketStep::SolvedRemotely => "电话/远程解决",
            TicketStep::SparesDrawn => "领取维修备件",
            TicketStep::Dispatched => "派工上门",
            TicketStep::Arrived => "到达现场",
            TicketStep::RepairFailed => "维修未成功",
            TicketStep::Repaired => "修复",
            TicketStep::Replaced => "更换备机",
            TicketStep::PhoneTracked => "服务平台电话追踪",
            TicketStep::Rechecked => "修复后系统复检",
            TicketStep::ServiceOrderFilled => "填写上门服务单",
            TicketStep::SiteCleaned => "清理维修现场",
            TicketStep::Filed => "服务单存档",
            TicketStep::ReturnVisit => "维修后回访",
            TicketStep::Closed => "统计编号归档",
            TicketStep::Paused => "暂停计时",
            TicketStep::Resumed => "恢复计时",
            TicketStep::Assigned => "指派工程师",
            TicketStep::Escalated => "上报技术部及质检部",
            TicketStep::Note => "备注",
        }
    }
}

stored_enum!(
    /// Where a service ticket stands, derived from its steps: 已受理 → 处理中 → 已派工 → 维修中 →
    /// 已修复 → 已归档.
    TicketStatus, "status" {
        Reported => "reported",
        Responding => "responding",
        Dispatched => "dispatched",
        OnSite => "on_site",
        Resolved => "resolved",
        Closed => "closed",
    }
);

impl TicketStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            TicketStatus::Reported => "已受理",
            TicketStatus::Responding => "处理中",
            TicketStatus::Dispatched => "已派工",
            TicketStatus::OnSite => "维修中",
            TicketStatus::Resolved => "已修复",
            TicketStatus::Closed => "已归档",
        }
    }
}

stored_enum!(
    /// How a fault reached the service desk: a call to the hotline, an e-mail, the client's own
    /// report on the public page, or an inspection visit that found it.
    TicketChannel, "channel" {
        Phone => "phone",
        Email => "email",
        PublicPage => "public_page",
        Inspection => "inspection",
    }
);

impl TicketChannel {
    pub fn label_zh(self) -> &'static str {
        match self {
            TicketChannel::Phone => "服务热线",
            TicketChannel::Email => "电子邮件",
            TicketChannel::PublicPage => "在线报修",
            TicketChannel::Inspection => "巡检发现",
        }
    }
}

stored_enum!(
    /// The service promises that run as clocks on a ticket: technical response (1 h), on site
    /// (2 h), repaired (8 h) and — when the repair clock breaks — a replacement installed (24 h).
    ServiceClock, "clock" {
        Response => "response",
        OnSite => "on_site",
        Repair => "repair",
        Replacement => "replacement",
    }
);

impl ServiceClock {
    pub fn label_zh(self) -> &'static str {
        match self {
            ServiceClock::Response => "技术响应",
            ServiceClock::OnSite => "上门到场",
            ServiceClock::Repair => "现场修复",
            ServiceClock::Replacement => "备机替换",
        }
    }
}

stored_enum!(
    /// Where a spare part (备品备件) is: in the store, lent out for a ticket, installed at a
    /// client's site in place of a faulty unit, a faulty unit taken back (待修), or scrapped.
    SpareStatus, "status" {
        InStock => "in_stock",
        Lent => "lent",
        Installed => "installed",
        Faulty => "faulty",
        Scrapped => "scrapped",
    }
);

impl SpareStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            SpareStatus::InStock => "在库",
            SpareStatus::Lent => "借出",
            SpareStatus::Installed => "已替换安装",
            SpareStatus::Faulty => "待修",
            SpareStatus::Scrapped => "报废",
        }
    }
}

stored_enum!(
    /// How the PM approved borrowing a spare: in the app, or orally (to be countersigned within
    /// the policy's working days).
    LoanApproval, "approval" {
        InApp => "in_app",
        Oral => "oral",
    }
);

impl LoanApproval {
    pub fn label_zh(self) -> &'static str {
        match self {
            LoanApproval::InApp => "系统审批",
            LoanApproval::Oral => "口头同意",
        }
    }
}

stored_enum!(
    /// Where a loan of a spare stands: asked for, approved, taken out, brought back, or left
    /// installed in place of the faulty unit.
    LoanStatus, "status" {
        Requested => "requested",
        Approved => "approved",
        Out => "out",
        Returned => "returned",
        Installed => "installed",
    }
);

impl LoanStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            LoanStatus::Requested => "待审批",
            LoanStatus::Approved => "已批准",
            LoanStatus::Out => "已领出",
            LoanStatus::Returned => "已退回",
            LoanStatus::Installed => "已替换安装",
        }
    }
}

stored_enum!(
    /// How the client rates a service in a 回访: 满意, 基本满意 or 不满意.
    Satisfaction, "satisfaction" {
        Satisfied => "satisfied",
        Basically => "basically",
        Unsatisfied => "unsatisfied",
    }
);

impl Satisfaction {
    pub fn label_zh(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "满意",
            Satisfaction::Basically => "基本满意",
            Satisfaction::Unsatisfied => "不满意",
        }
    }
}

stored_enum!(
    /// When a 回访 asks: during the repair (维修时回访) or after it (维修后回访).
    VisitStage, "stage" {
        During => "during",
        After => "after",
    }
);

impl VisitStage {
    pub fn label_zh(self) -> &'static str {
        match self {
            VisitStage::During => "维修时回访",
            VisitStage::After => "维修后回访",
        }
    }
}

stored_enum!(
    /// How a 回访 reached the client: a call the desk logged, or a one-time link by e-mail.
    VisitChannel, "channel" {
        Phone => "phone",
        Link => "link",
    }
);

impl VisitChannel {
    pub fn label_zh(self) -> &'static str {
        match self {
            VisitChannel::Phone => "电话回访",
            VisitChannel::Link => "链接回访",
        }
    }
}

stored_enum!(
    /// What a fault came from, as the engineer classes it on the 上门服务单: what the PM's monthly
    /// 维护总结汇报表 counts to find what recurs (故障原因, 1.3.9: 分析事故多发原因).
    FaultCause, "cause_category" {
        Hardware => "hardware",
        Ageing => "ageing",
        Software => "software",
        Network => "network",
        Power => "power",
        Misuse => "misuse",
        Other => "other",
    }
);

impl FaultCause {
    pub fn label_zh(self) -> &'static str {
        match self {
            FaultCause::Hardware => "设备硬件故障",
            FaultCause::Ageing => "器件老化损耗",
            FaultCause::Software => "软件或配置",
            FaultCause::Network => "网络或线路",
            FaultCause::Power => "供电或环境",
            FaultCause::Misuse => "使用不当或人为损坏",
            FaultCause::Other => "其他",
        }
    }
}
