//! The delivery's forms, each a pure function of the project's [`Dossier`]: what it prints and,
//! when the data is not complete yet, what is missing (the form is then a draft).
use serde::Serialize;

use super::{
    engine::{Block, Column, Party, Picture, Row},
    labels::{Label, Lang, number},
};
use crate::domain::test_plan::{PART1_WEIGHTS, Stage};

#[derive(Debug, Clone, Default, Serialize)]
pub struct ProjectFacts {
    pub code: String,
    pub name: String,
    pub client: String,
    pub contractor: String,
    /// Empty when not known.
    pub contract_number: String,
    /// 监理单位; empty when the project has none.
    pub supervisor: String,
    pub site: String,
    pub signed_on: String,
    pub delivery_due_on: String,
    pub systems: String,
    /// The day the final acceptance was signed by both; empty before.
    pub delivered_on: String,
    /// The day the warranty starts; empty before delivery.
    pub warranty_starts_on: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Person {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskLine {
    pub name: String,
    pub due_on: String,
    pub status: String,
    pub owner: String,
    pub finished_on: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PhaseLine {
    pub name: String,
    pub due_on: String,
    pub status: String,
    pub tasks: Vec<TaskLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemLine {
    pub category: Option<String>,
    pub seq: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub spec: String,
    pub quantity: Option<f64>,
    pub unit: String,
    pub unit_price: Option<f64>,
    pub amount: Option<f64>,
    pub remark: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ListData {
    pub version: i32,
    pub file_name: String,
    pub imported_on: String,
    pub approved_on: Option<String>,
    /// Who approved it (审定人); empty until approved.
    pub approved_by: String,
    /// A purchase order's own terms; empty on other lists.
    pub terms: OrderTerms,
    pub items: Vec<ItemLine>,
}

/// What a 设备订购单 states besides its lines: each empty until the PM states it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderTerms {
    /// 供货单位.
    pub supplier: String,
    pub ordered_on: String,
    /// 交货期.
    pub delivery_due_on: String,
    pub delivery_place: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DifferenceLine {
    pub kind: String,
    pub item: String,
    pub contract_value: String,
    pub order_value: String,
    pub reason: String,
    pub decision: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NoticeData {
    /// The notice's number and issue date once it has been issued.
    pub issued: Option<(String, String)>,
    /// Every difference between the latest order and contract list, decided or not.
    pub differences: Vec<DifferenceLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReceiptLine {
    pub seq: String,
    pub name: String,
    pub model: String,
    pub unit: String,
    pub quantity: f64,
    pub serials: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ShipmentData {
    /// Not printed (and not in the form's data hash).
    #[serde(skip)]
    pub id: i32,
    pub reference: String,
    pub dispatched_by: String,
    pub carrier: String,
    pub arrived_on: String,
    pub received_by: Option<String>,
    pub receipt_signed_on: Option<String>,
    pub lines: Vec<ReceiptLine>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckData {
    pub documents: String,
    pub appearance: String,
    pub power_on: String,
    pub inspector: String,
    pub witness: String,
    pub on: String,
    pub note: String,
    /// This round's result comes from a re-inspection after an earlier one failed.
    pub recheck: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ArrivalLine {
    pub seq: String,
    pub name: String,
    pub brand: String,
    pub model: String,
    pub unit: String,
    pub ordered: Option<f64>,
    pub received: f64,
    pub serials: Vec<String>,
    pub own: Option<CheckData>,
    pub client: Option<CheckData>,
    pub deviations: Vec<String>,
    pub accepted: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InstallationLine {
    pub seq: String,
    pub name: String,
    pub model: String,
    pub serial: String,
    pub quantity: f64,
    pub location: String,
    pub installed_on: String,
    pub engineer: String,
    pub ip_address: String,
    pub firmware: String,
    pub config_notes: String,
    pub commissioning: String,
    pub commissioning_passed: bool,
    pub commissioning_note: String,
    pub commissioned_on: String,
}

/// A day's entry of the 工作记录单.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkLogLine {
    pub date: String,
    pub people: String,
    pub work_done: String,
    pub problems: String,
}

/// An electronic signature as printed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignedBy {
    pub name: String,
    /// Local date and time.
    pub on: String,
    pub verify_code: String,
}

/// A Part 1 page: its rows as printed and both parties' signatures.
#[derive(Debug, Clone, Serialize)]
pub struct TestPageData {
    pub number: i32,
    pub stage: Stage,
    pub rows: Vec<Vec<String>>,
    pub client: Option<SignedBy>,
    pub ours: Option<SignedBy>,
}

/// A Part 2 module: numbered steps.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModuleData {
    pub code: String,
    pub title: String,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificateData {
    /// `None` until the certificate is issued (the form is then a draft).
    pub issued_on: Option<String>,
    /// One row per Part 1 page (see [`CERTIFICATE_COLUMNS`]).
    pub rows: Vec<Vec<String>>,
    pub client: Option<SignedBy>,
    pub ours: Option<SignedBy>,
}

/// A functional test plan as its records print it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TestPlanData {
    pub title: String,
    pub our_engineers: String,
    pub client_engineers: String,
    pub our_conditions_on: String,
    pub client_conditions_on: String,
    pub client_signer: String,
    pub pages: Vec<TestPageData>,
    pub modules: Vec<ModuleData>,
    pub certificate: CertificateData,
}

/// Part 1's columns, in the order the test-plan service prints an item's row.
pub const PART1_COLUMNS: [Label; 9] = [
    Label::TestNumber,
    Label::TestStage,
    Label::TestItem,
    Label::TestReference,
    Label::Expected,
    Label::Actual,
    Label::Verdict,
    Label::Note,
    Label::Remark,
];

/// The 预验收证书's table of pages: page, stage, items, and who signed it on each side.
pub const CERTIFICATE_COLUMNS: [Label; 5] = [
    Label::PageColumn,
    Label::TestStage,
    Label::Items,
    Label::PartyA,
    Label::PartyB,
];

/// Everything the forms print about one project, gathered by the documents service.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dossier {
    pub project: ProjectFacts,
    pub team: Vec<Person>,
    pub contacts: Vec<Person>,
    pub phases: Vec<PhaseLine>,
    pub contract_list: Option<ListData>,
    pub purchase_order: Option<ListData>,
    pub approved_list: Option<ListData>,
    /// Present once both a contract list and a purchase order are imported.
    pub change_notice: Option<NoticeData>,
    pub shipments: Vec<ShipmentData>,
    pub arrival: Vec<ArrivalLine>,
    pub installations: Vec<InstallationLine>,
    /// Baseline goods lines not installed in full.
    pub not_installed: Vec<String>,
    pub work_logs: Vec<WorkLogLine>,
    /// Photos of the arrival inspections and deviations, for the 进场检验记录's appendix.
    pub arrival_photos: Vec<Picture>,
    /// Photos of the work-log entries, for the 工作记录单's appendix.
    pub work_log_photos: Vec<Picture>,
    pub test_plans: Vec<TestPlanData>,
    /// The 功能测试表 as registered (number with version, and the day it was issued), which the
    /// 预验收证书 cites.
    pub functional_test_record: Option<(String, String)>,
    /// The initial acceptance (系统初验), once planned.
    pub initial_acceptance: Option<AcceptanceRecord>,
    /// The final acceptance (终验), once planned.
    pub final_acceptance: Option<AcceptanceRecord>,
    /// The passwords handed over, one 口令移交单 each.
    pub password_handovers: Vec<HandoverRecord>,
    /// The trial run, once begun.
    pub trial_run: Option<TrialRunForms>,
    /// Every leftover issue: 序号, 来源, 问题描述, 严重程度, 责任方, 完成期限, 状态, 处理结果, 甲方确认.
    pub issues: Vec<Vec<String>>,
    /// The training, once planned.
    pub training: Option<TrainingForms>,
    /// The technical documents handed over, one 技术文档交付备忘录 each.
    pub document_handovers: Vec<DocumentHandoverRecord>,
    /// The project summary's facts, once delivered.
    pub summary: Option<SummaryForms>,
}

/// What the 工程总结报告 prints beyond the other forms' facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SummaryForms {
    pub chart: super::chart::ScheduleChart,
    /// 序号, 阶段/任务, 计划完成, 调整后, 实际完成, 偏差.
    pub schedule: Vec<Vec<String>>,
    /// 阶段/任务, 原计划, 调整为, 原因.
    pub moved: Vec<Vec<String>>,
    pub tests: String,
    pub deviations: String,
    pub issues: String,
    pub training: String,
    /// 评价项目, 乙方评分, 甲方评分.
    pub evaluation_rows: Vec<Vec<String>>,
    pub our_evaluator: String,
    pub client_evaluator: String,
    pub our_comments: String,
    pub client_comments: String,
    pub both_evaluated: bool,
}

/// A 技术文档交付备忘录 (移交清单): to whom, when, which documents, both signatures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocumentHandoverRecord {
    pub recipient: String,
    pub handed_over_on: String,
    pub acknowledged_on: String,
    /// All copies together.
    pub copies: String,
    /// 序号, 文档名称, 文档编号, 版本, 登记日期, 页数, 份数.
    pub rows: Vec<Vec<String>>,
    pub signed: PartSignatures,
}

/// The training as the 现场培训单 and 培训考核记录 print it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrainingForms {
    pub starts_on: String,
    pub ends_on: String,
    pub place: String,
    pub trainers: String,
    pub content: String,
    pub materials: String,
    pub materials_handed_on: String,
    pub late_reason: String,
    pub pass_mark: String,
    pub trainee_count: usize,
    pub complete: bool,
    pub completed_on: String,
    pub sessions: Vec<SessionSheet>,
    /// 序号, 姓名, 类别, 出勤天数, 考核次数, 考核日期, 笔试, 实操, 结果, 强化培训期限, 考核人.
    pub assessment_rows: Vec<Vec<String>>,
    /// Trainees without an assessment yet.
    pub not_assessed: Vec<String>,
}

/// A session's attendance sheet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SessionSheet {
    pub held_on: String,
    pub period: String,
    pub topic: String,
    pub trainers: String,
    pub place: String,
    pub remedial: bool,
    /// 序号, 姓名, 类别, 单位/部门, 签到 (name and time on the tablet, else blank), 签到方式.
    pub rows: Vec<Vec<String>>,
}

/// The trial run as its three forms print it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrialRunForms {
    pub started_on: String,
    /// The first day it may end.
    pub ends_on: String,
    /// Empty while it runs.
    pub ended_on: String,
    pub planned_days: String,
    pub days_run: String,
    pub logged_days: String,
    pub faults: String,
    pub downtime_minutes: String,
    /// e.g. 99.86%.
    pub availability: String,
    pub issues_opened: String,
    pub issues_closed: String,
    pub issues_open: String,
    pub conclusion: String,
    /// 日期, 记录方, 运行状态, 运行情况, 故障, 记录人.
    pub log_rows: Vec<Vec<String>>,
    /// 序号, 发生时间, 故障现象, 报告人, 处理方法, 恢复时间, 停机（分钟）.
    pub fault_rows: Vec<Vec<String>>,
}

/// A 口令移交单: to whom, when, which accounts (never the passwords), and both signatures.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HandoverRecord {
    pub recipient: String,
    pub handed_over_on: String,
    pub acknowledged_on: String,
    /// 序号, 设备/系统, 类别, 地址, 账号, 权限/角色, 备注.
    pub rows: Vec<Vec<String>>,
    pub signed: PartSignatures,
}

/// An acceptance as its report and memo print it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AcceptanceRecord {
    /// Whether what was checked and the conclusion are recorded.
    pub recorded: bool,
    pub held_on: String,
    pub form: String,
    pub place: String,
    pub client_attendees: String,
    pub our_attendees: String,
    /// What was checked: item, passed, remark.
    pub checks: Vec<(String, bool, String)>,
    /// The conclusion's label (通过, 有条件通过, 不通过); empty before the record.
    pub conclusion: String,
    pub opinion: String,
    pub memo: String,
    /// The leftover issues found: number, description, severity, owner, due date.
    pub issues: Vec<[String; 5]>,
    pub report: PartSignatures,
    pub memo_signed: PartSignatures,
}

/// Both parties' electronic signatures on a signed part.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartSignatures {
    pub client: Option<SignedBy>,
    pub ours: Option<SignedBy>,
}

macro_rules! forms {
    ($($kind:ident => $key:literal, $code:literal, $label:ident, $landscape:literal;)*) => {
        /// A form the delivery produces.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum FormKind { $($kind),* }

        impl FormKind {
            pub const ALL: &'static [FormKind] = &[$(FormKind::$kind),*];
            /// In URLs: /documents/{key}.docx.
            pub fn key(self) -> &'static str { match self { $(FormKind::$kind => $key),* } }
            /// In document numbers: project code + this + sequence.
            pub fn code(self) -> &'static str { match self { $(FormKind::$kind => $code),* } }
            pub fn label(self) -> Label { match self { $(FormKind::$kind => Label::$label),* } }
            pub fn landscape(self) -> bool { match self { $(FormKind::$kind => $landscape),* } }
        }
    };
}

forms! {
    ImplementationPlan => "implementation-plan", "JH", ImplementationPlan, false;
    ContractList => "contract-list", "XY", ContractList, true;
    PurchaseOrder => "purchase-order", "DG", PurchaseOrder, true;
    ApprovedList => "approved-list", "SD", ApprovedList, true;
    ChangeNotice => "change-notice", "BG", ChangeNotice, false;
    Receipt => "receipt", "QS", Receipt, false;
    ArrivalAcceptance => "arrival-acceptance", "DH", ArrivalAcceptance, false;
    InspectionRecord => "inspection-record", "JY", InspectionRecord, true;
    InstallationList => "installation-list", "YL", InstallationList, true;
    InstallationRecord => "installation-record", "AZ", InstallationRecord, true;
    CommissioningRecord => "commissioning-record", "TS", CommissioningRecord, true;
    InstallationAcceptance => "installation-acceptance", "YS", InstallationAcceptance, false;
    WorkLog => "work-log", "GZ", WorkLog, false;
    DeviceTest => "device-test", "SB", DeviceTest, true;
    FunctionalTest => "functional-test", "GN", FunctionalTest, true;
    PreAcceptance => "pre-acceptance-certificate", "YY", PreAcceptance, false;
    InitialReport => "initial-acceptance-report", "CY", InitialReport, false;
    InitialMemo => "initial-acceptance-memo", "CB", InitialMemo, false;
    PasswordHandover => "password-handover", "KL", PasswordHandover, false;
    TrialRunRecord => "trial-run-record", "SY", TrialRunRecord, true;
    IssueList => "issue-list", "WT", IssueList, true;
    TrialRunSummary => "trial-run-summary", "SZ", TrialRunSummary, false;
    TrainingSheet => "training-sheet", "PX", TrainingSheet, false;
    TrainingAssessment => "training-assessment", "KH", TrainingAssessment, true;
    DocumentHandover => "document-handover", "YJ", DocumentHandover, false;
    FinalReport => "final-acceptance-report", "ZY", FinalReport, false;
    ProjectSummary => "project-summary", "ZJ", ProjectSummary, false;
}

impl FormKind {
    pub fn from_key(key: &str) -> Option<FormKind> {
        FormKind::ALL.iter().copied().find(|f| f.key() == key)
    }

    pub fn title(self, lang: Lang) -> &'static str {
        self.label().text(lang)
    }
}

/// A form's content and what keeps it from being complete.
pub struct Prepared {
    pub blocks: Vec<Block>,
    pub missing: Vec<String>,
}

/// An amount as a Chinese form prints it: two decimals, thousands grouped (1,234,567.80).
fn money(n: Option<f64>) -> String {
    let Some(v) = n else {
        return String::new();
    };
    let fixed = format!("{:.2}", v.abs());
    let (whole, cents) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && fixed != "0.00" { "-" } else { "" };
    format!("{sign}{grouped}.{cents}")
}

/// An amount in capital numerals as Chinese contracts and invoices state it beside the figures
/// (大写): 878,800.00 → 人民币捌拾柒万捌仟捌佰元整; 0.5 → 人民币伍角.
pub fn money_in_words(v: f64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const UNITS: [&str; 4] = ["", "拾", "佰", "仟"];
    const GROUPS: [&str; 4] = ["", "万", "亿", "万"];
    let cents = (v.abs() * 100.0).round() as u128;
    let (yuan, jiao, fen) = (cents / 100, (cents / 10 % 10) as usize, (cents % 10) as usize);
    let mut out = String::from(if v < 0.0 && cents > 0 {
        "负人民币"
    } else {
        "人民币"
    });
    if yuan > 0 {
        let digits: Vec<usize> = yuan.to_string().bytes().map(|b| usize::from(b - b'0')).collect();
        // A 零 is written once for any run of zeros followed by a digit; a 万 or 亿 group
        // ending in zeros needs none before the next group (壹拾万贰仟).
        let (mut zeros, mut in_group) = (false, false);
        for (i, &d) in digits.iter().enumerate() {
            let pos = digits.len() - 1 - i;
            if d == 0 {
                zeros = true;
            } else {
                if zeros {
                    out.push('零');
                }
                zeros = false;
                in_group = true;
                out.push(DIGITS[d]);
                out.push_str(UNITS[pos % 4]);
            }
            if pos.is_multiple_of(4) && pos > 0 && in_group {
                out.push_str(GROUPS[(pos / 4) % GROUPS.len()]);
                (zeros, in_group) = (false, false);
            }
        }
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (j, 0) => {
            out.push(DIGITS[j]);
            out.push('角');
        }
        (j, f) => {
            if j > 0 {
                out.push(DIGITS[j]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
    }
    out
}

/// An amount with its capitals: 878,800.00（大写：人民币捌拾柒万捌仟捌佰元整）.
fn money_stated(v: f64, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}（{}：{}）",
            money(Some(v)),
            Label::InWords.text(lang),
            money_in_words(v)
        ),
        Lang::En => money(Some(v)),
    }
}

/// A change in money as a contract states it: 增加 or 减少 and the amount, in figures and words.
fn change_stated(v: f64, lang: Lang) -> String {
    if money(Some(v)) == money(Some(0.0)) {
        return Label::NoChange.text(lang).into();
    }
    let direction = if v > 0.0 { Label::Increase } else { Label::Decrease };
    format!("{} {}", direction.text(lang), money_stated(v.abs(), lang))
}

/// The acceptance's conclusion to tick by hand, a box to write the opinion in and one for
/// what is left to do.
fn acceptance_boxes(lang: Lang) -> [Block; 3] {
    [
        Block::Paragraph(format!(
            "{}：□ {}        □ {}",
            Label::AcceptanceConclusion.text(lang),
            Label::Accepted.text(lang),
            Label::NotAccepted.text(lang)
        )),
        Block::WriteIn(Label::Summary.text(lang).into()),
        Block::WriteIn(Label::Outstanding.text(lang).into()),
    ]
}

/// What a list comes to: the sum of its amounts (price × quantity where a line states no amount).
fn list_total(list: &ListData) -> f64 {
    list.items
        .iter()
        .map(|i| {
            i.amount
                .or(i.unit_price.zip(i.quantity).map(|(p, q)| p * q))
                .unwrap_or(0.0)
        })
        .sum()
}

fn project_fields(d: &Dossier, lang: Lang) -> Block {
    Block::Fields(project_pairs(d, lang))
}

/// How many days after its due date a task was finished, when it was finished late.
fn days_late(due_on: &str, finished_on: &str) -> Option<i64> {
    let day = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let late = (day(finished_on)? - day(due_on)?).num_days();
    (late > 0).then_some(late)
}

/// The information block's pairs every form starts with.
fn project_pairs(d: &Dossier, lang: Lang) -> Vec<(String, String)> {
    let p = &d.project;
    let mut fields = vec![
        (Label::Project.text(lang).into(), p.name.clone()),
        (Label::ProjectCode.text(lang).into(), p.code.clone()),
        (Label::Client.text(lang).into(), p.client.clone()),
        (Label::Contractor.text(lang).into(), p.contractor.clone()),
    ];
    // Printed where known: a form without them reads as before.
    if !p.contract_number.is_empty() {
        fields.push((Label::ContractNumber.text(lang).into(), p.contract_number.clone()));
    }
    if !p.supervisor.is_empty() {
        fields.push((Label::Supervisor.text(lang).into(), p.supervisor.clone()));
    }
    fields
}

/// 甲方 and 乙方, and the 监理单位 where the project has one.
fn both_parties(d: &Dossier, lang: Lang) -> Block {
    let mut parties = vec![
        sealed_party(Label::PartyA, &d.project.client, lang),
        sealed_party(Label::PartyB, &d.project.contractor, lang),
    ];
    if !d.project.supervisor.is_empty() {
        parties.push(sealed_party(Label::Supervisor, &d.project.supervisor, lang));
    }
    Block::Signatures(parties)
}

/// A table's columns from their labels and widths; quantities and amounts are set right-aligned.
fn columns(lang: Lang, spec: &[(Label, u32)]) -> Vec<Column> {
    spec.iter()
        .map(|(l, w)| {
            let column = Column::new(l.text(lang), *w);
            match l {
                Label::Quantity | Label::UnitPrice | Label::Amount | Label::Ordered | Label::Received => {
                    column.figures()
                }
                _ => column,
            }
        })
        .collect()
}

/// Builds `kind` from `d`.
pub fn prepare(kind: FormKind, d: &Dossier, lang: Lang) -> Prepared {
    let mut missing = Vec::new();
    let blocks = match kind {
        FormKind::ImplementationPlan => plan(d, lang, &mut missing),
        FormKind::ContractList => list(d, d.contract_list.as_ref(), Label::ContractList, lang, &mut missing),
        FormKind::PurchaseOrder => list(d, d.purchase_order.as_ref(), Label::PurchaseOrder, lang, &mut missing),
        FormKind::ApprovedList => {
            if let Some(l) = &d.approved_list
                && l.approved_on.is_none()
            {
                missing.push("分项设备清单审定版尚未审定".into());
            }
            list(d, d.approved_list.as_ref(), Label::ApprovedList, lang, &mut missing)
        }
        FormKind::ChangeNotice => change_notice(d, lang, &mut missing),
        FormKind::Receipt => receipts(d, lang, &mut missing),
        FormKind::ArrivalAcceptance => arrival_acceptance(d, lang, &mut missing),
        FormKind::InspectionRecord => inspection_record(d, lang, &mut missing),
        FormKind::InstallationList => installation_list(d, lang, &mut missing),
        FormKind::InstallationRecord => installation_record(d, lang, &mut missing),
        FormKind::CommissioningRecord => commissioning_record(d, lang, &mut missing),
        FormKind::InstallationAcceptance => installation_acceptance(d, lang, &mut missing),
        FormKind::WorkLog => work_log(d, lang, &mut missing),
        FormKind::DeviceTest => test_record(d, lang, &mut missing, &[Stage::Line, Stage::Device]),
        FormKind::FunctionalTest => test_record(d, lang, &mut missing, Stage::ALL),
        FormKind::PreAcceptance => certificates(d, lang, &mut missing),
        FormKind::InitialReport => acceptance_report(d, lang, &mut missing),
        FormKind::InitialMemo => acceptance_memo(d, lang, &mut missing),
        FormKind::PasswordHandover => password_handover(d, lang, &mut missing),
        FormKind::TrialRunRecord => trial_run_record(d, lang, &mut missing),
        FormKind::IssueList => issue_list(d, lang, &mut missing),
        FormKind::TrialRunSummary => trial_run_summary(d, lang, &mut missing),
        FormKind::TrainingSheet => training_sheet(d, lang, &mut missing),
        FormKind::TrainingAssessment => training_assessment(d, lang, &mut missing),
        FormKind::DocumentHandover => document_handover(d, lang, &mut missing),
        FormKind::FinalReport => final_report(d, lang, &mut missing),
        FormKind::ProjectSummary => project_summary(d, lang, &mut missing),
    };
    Prepared { blocks, missing }
}

fn plan(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let p = &d.project;
    let mut fields = project_pairs(d, lang);
    fields.extend([
        (Label::Site.text(lang).into(), p.site.clone()),
        (Label::Systems.text(lang).into(), p.systems.clone()),
        (Label::ContractSigned.text(lang).into(), p.signed_on.clone()),
        (Label::DeliveryDue.text(lang).into(), p.delivery_due_on.clone()),
    ]);
    let mut blocks = vec![Block::Fields(fields)];
    if d.team.is_empty() {
        missing.push("项目还没有成员".into());
    }
    blocks.push(Block::Heading(Label::Team.text(lang).into()));
    let people = |list: &[Person]| {
        list.iter()
            .map(|m| Row::Cells(vec![m.name.clone(), m.role.clone()]))
            .collect()
    };
    blocks.push(Block::Table {
        columns: columns(lang, &[(Label::Name, 1), (Label::Role, 2)]),
        rows: people(&d.team),
    });
    if !d.contacts.is_empty() {
        blocks.push(Block::Heading(Label::ClientContacts.text(lang).into()));
        blocks.push(Block::Table {
            columns: columns(lang, &[(Label::Name, 1), (Label::Role, 2)]),
            rows: people(&d.contacts),
        });
    }
    blocks.push(Block::Heading(Label::Schedule.text(lang).into()));
    let mut rows = Vec::new();
    for phase in &d.phases {
        rows.push(Row::Span(format!(
            "{}（{} {}，{}）",
            phase.name,
            Label::Due.text(lang),
            phase.due_on,
            phase.status
        )));
        for (i, t) in phase.tasks.iter().enumerate() {
            rows.push(Row::Cells(vec![
                (i + 1).to_string(),
                t.name.clone(),
                t.due_on.clone(),
                t.owner.clone(),
                match days_late(&t.due_on, &t.finished_on) {
                    Some(days) => format!("{}（{}）", t.status, Label::DaysLate.fill(lang, &[&days.to_string()])),
                    None => t.status.clone(),
                },
                t.finished_on.clone(),
            ]));
        }
    }
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 2),
                (Label::Task, 8),
                (Label::Due, 4),
                (Label::Owner, 3),
                (Label::Status, 3),
                (Label::Finished, 4),
            ],
        ),
        rows,
    });
    blocks.push(both_parties(d, lang));
    blocks
}

fn list(d: &Dossier, data: Option<&ListData>, label: Label, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(data) = data else {
        missing.push(format!("尚未导入{}", label.text(Lang::Zh)));
        return blocks;
    };
    // The approved list says who approved it and when, and marks where it departs from the
    // contract list (the changes the 设备清单变更通知 decided).
    let baseline = (label == Label::ApprovedList)
        .then_some(d.contract_list.as_ref())
        .flatten();
    if label == Label::PurchaseOrder {
        let t = &data.terms;
        for (needed, what) in [(&t.supplier, Label::Supplier), (&t.ordered_on, Label::OrderedOn)] {
            if needed.is_empty() {
                missing.push(format!("设备订购单尚未填写{}", what.text(Lang::Zh)));
            }
        }
        blocks.push(Block::Fields(vec![
            (Label::Supplier.text(lang).into(), t.supplier.clone()),
            (Label::OrderedOn.text(lang).into(), t.ordered_on.clone()),
            (Label::DeliveryTerm.text(lang).into(), t.delivery_due_on.clone()),
            (Label::DeliveryPlace.text(lang).into(), t.delivery_place.clone()),
        ]));
    }
    if label == Label::ApprovedList {
        blocks.push(Block::Fields(vec![
            (Label::ApprovedBy.text(lang).into(), data.approved_by.clone()),
            (
                Label::ApprovedOn.text(lang).into(),
                data.approved_on.clone().unwrap_or_default(),
            ),
        ]));
    }
    let mut rows = Vec::new();
    let mut category: Option<&str> = None;
    let mut changed = 0;
    for item in &data.items {
        if item.category.as_deref() != category {
            category = item.category.as_deref();
            if let Some(c) = category {
                rows.push(Row::Span(c.to_string()));
            }
        }
        let mut remark = item.remark.clone();
        if let Some(contract) = baseline {
            let change = change_from(contract, item, lang);
            if !change.is_empty() {
                changed += 1;
                remark = [format!("※ {change}"), remark]
                    .into_iter()
                    .filter(|r| !r.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n");
            }
        }
        rows.push(Row::Cells(vec![
            item.seq.clone(),
            item.name.clone(),
            item.brand.clone(),
            item.model.clone(),
            item.spec.clone(),
            number(item.quantity),
            item.unit.clone(),
            money(item.unit_price),
            money(item.amount),
            remark,
        ]));
    }
    rows.push(Row::Span(format!(
        "{}：{}",
        Label::Total.text(lang),
        money_stated(list_total(data), lang)
    )));
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 2),
                (Label::Item, 6),
                (Label::Brand, 3),
                (Label::Model, 5),
                (Label::Spec, 8),
                (Label::Quantity, 2),
                (Label::Unit, 2),
                (Label::UnitPrice, 3),
                (Label::Amount, 4),
                (Label::Remark, 4),
            ],
        ),
        rows,
    });
    if changed > 0 {
        blocks.push(Block::Paragraph(
            Label::ChangesMarked.fill(lang, &[&changed.to_string()]),
        ));
    }
    blocks.push(if label == Label::PurchaseOrder {
        // An order is signed between the contractor who places it and the supplier.
        Block::Signatures(vec![
            sealed_party(Label::Orderer, &d.project.contractor, lang),
            sealed_party(Label::Supplier, &data.terms.supplier, lang),
        ])
    } else {
        both_parties(d, lang)
    });
    blocks
}

/// A party who signs and stamps by hand.
fn sealed_party(side: Label, name: &str, lang: Lang) -> Party {
    Party {
        side: side.text(lang).into(),
        name: name.to_string(),
        signed_by: None,
        signed_on: None,
        seal: true,
        details: Vec::new(),
        verify_code: None,
    }
}

/// How an approved line departs from the contract list's line of the same item (matched by
/// number and name, else by name): 新增, or each field that changed with what it was.
fn change_from(contract: &ListData, item: &ItemLine, lang: Lang) -> String {
    let same = contract
        .items
        .iter()
        .find(|c| c.seq == item.seq && c.name == item.name)
        .or_else(|| contract.items.iter().find(|c| c.name == item.name));
    let Some(was) = same else {
        return Label::Added.text(lang).into();
    };
    let mut changes = Vec::new();
    for (label, before, after) in [
        (Label::Brand, was.brand.clone(), item.brand.clone()),
        (Label::Model, was.model.clone(), item.model.clone()),
        (Label::Quantity, number(was.quantity), number(item.quantity)),
        (Label::UnitPrice, money(was.unit_price), money(item.unit_price)),
    ] {
        if before != after {
            let before = if before.is_empty() { "—".into() } else { before };
            changes.push(format!("{}{}{before}", label.text(lang), Label::WasBefore.text(lang)));
        }
    }
    changes.join("；")
}

fn change_notice(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(n) = &d.change_notice else {
        missing.push("尚未导入协议设备清单和设备订购单，无法核对".into());
        return blocks;
    };
    let undecided = n.differences.iter().filter(|x| x.decision.is_empty()).count();
    if undecided > 0 {
        missing.push(format!("还有 {undecided} 处差异没有处理意见"));
    }
    match &n.issued {
        Some((number, issued_on)) => blocks.push(Block::Paragraph(format!(
            "{}：{number}    {}：{issued_on}",
            Label::DocumentNumber.text(lang),
            Label::Date.text(lang),
        ))),
        None => missing.push("设备清单变更通知尚未签发".into()),
    }
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 2),
                (Label::Item, 5),
                (Label::Difference, 4),
                (Label::ContractValue, 4),
                (Label::OrderValue, 4),
                (Label::Reason, 5),
                (Label::Decision, 6),
            ],
        ),
        rows: n
            .differences
            .iter()
            .enumerate()
            .map(|(i, x)| {
                Row::Cells(vec![
                    (i + 1).to_string(),
                    x.item.clone(),
                    x.kind.clone(),
                    x.contract_value.clone(),
                    x.order_value.clone(),
                    x.reason.clone(),
                    x.decision.clone(),
                ])
            })
            .collect(),
    });
    // What the change does to the money: both lists' totals and the difference.
    if let (Some(contract), Some(order)) = (&d.contract_list, &d.purchase_order) {
        let (before, after) = (list_total(contract), list_total(order));
        blocks.push(Block::Fields(vec![
            (Label::ContractTotal.text(lang).into(), money_stated(before, lang)),
            (Label::OrderTotal.text(lang).into(), money_stated(after, lang)),
            (
                Label::TotalChange.text(lang).into(),
                change_stated(after - before, lang),
            ),
        ]));
    }
    blocks.push(both_parties(d, lang));
    blocks
}

fn receipts(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = Vec::new();
    if d.shipments.is_empty() {
        missing.push("尚未登记发货批次".into());
        blocks.push(project_fields(d, lang));
    }
    for (i, s) in d.shipments.iter().enumerate() {
        if i > 0 {
            blocks.push(Block::PageBreak);
        }
        blocks.push(project_fields(d, lang));
        blocks.push(Block::Fields(vec![
            (Label::Shipment.text(lang).into(), s.reference.clone()),
            (Label::DispatchedBy.text(lang).into(), s.dispatched_by.clone()),
            (Label::Carrier.text(lang).into(), s.carrier.clone()),
            (Label::Arrived.text(lang).into(), s.arrived_on.clone()),
        ]));
        if s.receipt_signed_on.is_none() {
            missing.push(format!("发货批次 {} 的签收单尚未签收", s.reference));
        }
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 6),
                    (Label::Model, 5),
                    (Label::Quantity, 2),
                    (Label::Unit, 2),
                    (Label::Serials, 9),
                ],
            ),
            rows: s
                .lines
                .iter()
                .map(|l| {
                    Row::Cells(vec![
                        l.seq.clone(),
                        l.name.clone(),
                        l.model.clone(),
                        number(Some(l.quantity)),
                        l.unit.clone(),
                        l.serials.join("\n"),
                    ])
                })
                .collect(),
        });
        blocks.push(Block::Signatures(vec![
            Party {
                side: Label::Receiver.text(lang).into(),
                name: d.project.client.clone(),
                // The receiver's name as recorded, and the line left blank for their own hand.
                signed_by: None,
                signed_on: s.receipt_signed_on.clone(),
                seal: false,
                details: s
                    .received_by
                    .iter()
                    .map(|name| format!("{}：{name}", Label::ReceivedBy.text(lang)))
                    .collect(),
                verify_code: None,
            },
            Party {
                side: Label::PartyB.text(lang).into(),
                name: d.project.contractor.clone(),
                signed_by: None,
                signed_on: None,
                seal: false,
                details: Vec::new(),
                verify_code: None,
            },
        ]));
    }
    blocks
}

/// The three results of a round; a re-inspection says so, beside the deviation that caused it.
fn check_text(c: Option<&CheckData>) -> String {
    c.map(|c| {
        let results = format!("{}/{}/{}", c.documents, c.appearance, c.power_on);
        if c.recheck {
            format!("{results}\n（复检 {}）", c.on)
        } else {
            results
        }
    })
    .unwrap_or_else(|| "—".into())
}

fn arrival_missing(d: &Dossier, missing: &mut Vec<String>) {
    if d.arrival.is_empty() {
        missing.push("分项设备清单审定版尚未审定".into());
    }
    for a in d.arrival.iter().filter(|a| !a.accepted) {
        missing.push(format!("{} {} 尚未到齐并通过自检和甲方检验", a.seq, a.name));
    }
}

fn arrival_acceptance(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    arrival_missing(d, missing);
    let mut blocks = vec![
        project_fields(d, lang),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 6),
                    (Label::Brand, 3),
                    (Label::Model, 5),
                    (Label::Ordered, 3),
                    (Label::Received, 3),
                    (Label::Conclusion, 3),
                ],
            ),
            rows: d
                .arrival
                .iter()
                .map(|a| {
                    Row::Cells(vec![
                        a.seq.clone(),
                        a.name.clone(),
                        a.brand.clone(),
                        a.model.clone(),
                        format!("{} {}", number(a.ordered), a.unit),
                        format!("{} {}", number(Some(a.received)), a.unit),
                        if a.accepted {
                            Label::Accepted
                        } else {
                            Label::NotAccepted
                        }
                        .text(lang)
                        .into(),
                    ])
                })
                .collect(),
        },
    ];
    blocks.extend(acceptance_boxes(lang));
    blocks.push(both_parties(d, lang));
    blocks
}

fn inspection_record(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    arrival_missing(d, missing);
    // Names in the name columns; the days the rounds were held once, above the table.
    let inspector = |c: Option<&CheckData>| c.map(|c| c.inspector.clone()).unwrap_or_default();
    let witness = |c: Option<&CheckData>| c.map(|c| c.witness.clone()).unwrap_or_default();
    let span = |round: fn(&ArrivalLine) -> Option<&CheckData>| {
        let days: std::collections::BTreeSet<&str> = d
            .arrival
            .iter()
            .filter_map(round)
            .map(|c| c.on.as_str())
            .filter(|o| !o.is_empty())
            .collect();
        match (days.first(), days.last()) {
            (Some(first), Some(last)) if first != last => format!("{first} ～ {last}"),
            (Some(first), _) => (*first).to_string(),
            _ => String::new(),
        }
    };
    let mut blocks = vec![
        project_fields(d, lang),
        Block::Fields(vec![
            (Label::OwnCheckDate.text(lang).into(), span(|a| a.own.as_ref())),
            (Label::ClientCheckDate.text(lang).into(), span(|a| a.client.as_ref())),
        ]),
        Block::Paragraph(format!(
            "{}：{} / {} / {}",
            Label::ResultsInOrder.text(lang),
            Label::Documents.text(lang),
            Label::Appearance.text(lang),
            Label::PowerOn.text(lang)
        )),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 5),
                    // Wide enough for a part number such as DS-2DE4425IW-DE on one line.
                    (Label::Model, 5),
                    (Label::Serials, 6),
                    (Label::OwnCheck, 4),
                    (Label::Inspector, 3),
                    (Label::ClientCheck, 4),
                    (Label::Witness, 3),
                    (Label::Deviations, 6),
                ],
            ),
            rows: d
                .arrival
                .iter()
                .map(|a| {
                    Row::Cells(vec![
                        a.seq.clone(),
                        a.name.clone(),
                        a.model.clone(),
                        a.serials.join("\n"),
                        check_text(a.own.as_ref()),
                        inspector(a.own.as_ref()),
                        check_text(a.client.as_ref()),
                        witness(a.client.as_ref()),
                        a.deviations.join("\n"),
                    ])
                })
                .collect(),
        },
        both_parties(d, lang),
    ];
    photo_appendix(&mut blocks, &d.arrival_photos, lang);
    blocks
}

fn installation_missing(d: &Dossier, missing: &mut Vec<String>, commissioning: bool) {
    if d.installations.is_empty() {
        missing.push("尚未登记安装记录".into());
    }
    for n in &d.not_installed {
        missing.push(format!("{n} 尚未全部安装"));
    }
    if commissioning {
        for i in d.installations.iter().filter(|i| !i.commissioning_passed) {
            missing.push(format!("{} {} 调试尚未合格", i.name, i.serial));
        }
    }
}

fn installation_list(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    installation_missing(d, missing, false);
    vec![
        project_fields(d, lang),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 5),
                    (Label::Model, 5),
                    (Label::Quantity, 2),
                    (Label::Serials, 4),
                    (Label::Location, 4),
                    (Label::Installed, 3),
                    (Label::Engineer, 3),
                    (Label::IpAddress, 4),
                    (Label::Commissioning, 3),
                ],
            ),
            rows: d
                .installations
                .iter()
                .enumerate()
                .map(|(n, i)| {
                    Row::Cells(vec![
                        (n + 1).to_string(),
                        i.name.clone(),
                        i.model.clone(),
                        number(Some(i.quantity)),
                        i.serial.clone(),
                        i.location.clone(),
                        i.installed_on.clone(),
                        i.engineer.clone(),
                        i.ip_address.clone(),
                        i.commissioning.clone(),
                    ])
                })
                .collect(),
        },
        both_parties(d, lang),
    ]
}

fn installation_record(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    installation_missing(d, missing, false);
    vec![
        project_fields(d, lang),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 5),
                    (Label::Model, 5),
                    (Label::Quantity, 2),
                    (Label::Serials, 4),
                    (Label::Location, 5),
                    (Label::Installed, 3),
                    (Label::Engineer, 3),
                    (Label::Remark, 5),
                ],
            ),
            rows: d
                .installations
                .iter()
                .enumerate()
                .map(|(n, i)| {
                    Row::Cells(vec![
                        (n + 1).to_string(),
                        i.name.clone(),
                        i.model.clone(),
                        number(Some(i.quantity)),
                        i.serial.clone(),
                        i.location.clone(),
                        i.installed_on.clone(),
                        i.engineer.clone(),
                        i.config_notes.clone(),
                    ])
                })
                .collect(),
        },
        both_parties(d, lang),
    ]
}

fn commissioning_record(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    installation_missing(d, missing, true);
    vec![
        project_fields(d, lang),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Item, 4),
                    (Label::Model, 5),
                    (Label::Quantity, 2),
                    (Label::Serials, 4),
                    (Label::IpAddress, 4),
                    (Label::Firmware, 3),
                    (Label::Configuration, 4),
                    (Label::Commissioning, 3),
                    (Label::Commissioned, 3),
                    (Label::Remark, 4),
                ],
            ),
            rows: d
                .installations
                .iter()
                .enumerate()
                .map(|(n, i)| {
                    Row::Cells(vec![
                        (n + 1).to_string(),
                        i.name.clone(),
                        i.model.clone(),
                        number(Some(i.quantity)),
                        i.serial.clone(),
                        i.ip_address.clone(),
                        i.firmware.clone(),
                        i.config_notes.clone(),
                        i.commissioning.clone(),
                        i.commissioned_on.clone(),
                        i.commissioning_note.clone(),
                    ])
                })
                .collect(),
        },
        both_parties(d, lang),
    ]
}

fn installation_acceptance(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    installation_missing(d, missing, true);
    let passed = d.installations.iter().filter(|i| i.commissioning_passed).count();
    let installed = d.installations.len();
    let mut blocks = vec![
        project_fields(d, lang),
        Block::Fields(vec![
            (Label::Site.text(lang).into(), d.project.site.clone()),
            (Label::Systems.text(lang).into(), d.project.systems.clone()),
            (
                Label::Installation.text(lang).into(),
                Label::InstalledCount.fill(
                    lang,
                    &[&installed.to_string(), &(installed + d.not_installed.len()).to_string()],
                ),
            ),
            (
                Label::Commissioning.text(lang).into(),
                Label::CommissionedCount.fill(lang, &[&passed.to_string(), &installed.to_string()]),
            ),
        ]),
    ];
    blocks.extend(acceptance_boxes(lang));
    blocks.push(both_parties(d, lang));
    blocks
}

/// The photos behind a record, on pages of their own after its signatures; nothing without any.
fn photo_appendix(blocks: &mut Vec<Block>, photos: &[Picture], lang: Lang) {
    if !photos.is_empty() {
        blocks.push(Block::PageHeading(Label::PhotoAppendix.text(lang).into()));
        blocks.push(Block::Photos(photos.to_vec()));
    }
}

fn work_log(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    if d.work_logs.is_empty() {
        missing.push("尚未记录工作日志".into());
    }
    let mut blocks = vec![
        project_fields(d, lang),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::WorkDate, 3),
                    (Label::People, 4),
                    (Label::WorkDone, 9),
                    (Label::Problems, 6),
                ],
            ),
            rows: d
                .work_logs
                .iter()
                .map(|w| {
                    Row::Cells(vec![
                        w.date.clone(),
                        w.people.clone(),
                        w.work_done.clone(),
                        w.problems.clone(),
                    ])
                })
                .collect(),
        },
        both_parties(d, lang),
    ];
    photo_appendix(&mut blocks, &d.work_log_photos, lang);
    blocks
}

fn signed_party(
    side: Label,
    name: &str,
    details: Vec<String>,
    signed: Option<&SignedBy>,
    lang: Lang,
    seal: bool,
) -> Party {
    Party {
        side: side.text(lang).into(),
        name: name.into(),
        signed_by: signed.map(|s| format!("{}（{}）", s.name, Label::ElectronicSignature.text(lang))),
        signed_on: signed.map(|s| s.on.clone()),
        seal,
        details,
        verify_code: signed.map(|s| s.verify_code.clone()),
    }
}

/// 功能测试表 (every stage) or 设备测试表 (line and equipment tests): for each plan a cover, Part 1
/// with each logical page on its own printed page ending with both parties' signatures, then the
/// Part 2 procedures its items refer to.
fn test_record(d: &Dossier, lang: Lang, missing: &mut Vec<String>, stages: &[Stage]) -> Vec<Block> {
    if d.test_plans.is_empty() {
        missing.push("尚未建立功能测试方案".into());
        return vec![project_fields(d, lang)];
    }
    let mut blocks = Vec::new();
    for (k, plan) in d.test_plans.iter().enumerate() {
        let pages: Vec<&TestPageData> = plan.pages.iter().filter(|p| stages.contains(&p.stage)).collect();
        if pages.is_empty() {
            missing.push(format!("{}：没有这些测试阶段的项目", plan.title));
        }
        let referred: Vec<&str> = pages
            .iter()
            .flat_map(|p| p.rows.iter().filter_map(|r| r.get(3).map(String::as_str)))
            .collect();
        let modules: Vec<&ModuleData> = plan
            .modules
            .iter()
            .filter(|m| stages.len() == Stage::ALL.len() || referred.contains(&m.code.as_str()))
            .collect();
        let items: usize = pages.iter().map(|p| p.rows.len()).sum();
        blocks.push(if k == 0 {
            Block::Heading(plan.title.clone())
        } else {
            Block::PageHeading(plan.title.clone())
        });
        blocks.push(project_fields(d, lang));
        blocks.push(Block::Fields(vec![
            (Label::Systems.text(lang).into(), d.project.systems.clone()),
            (Label::ClientSigner.text(lang).into(), plan.client_signer.clone()),
            (Label::ClientEngineers.text(lang).into(), plan.client_engineers.clone()),
            (Label::OurEngineers.text(lang).into(), plan.our_engineers.clone()),
            (
                format!(
                    "{}（{}）",
                    Label::ConditionsConfirmed.text(lang),
                    Label::PartyA.text(lang)
                ),
                plan.client_conditions_on.clone(),
            ),
            (
                format!(
                    "{}（{}）",
                    Label::ConditionsConfirmed.text(lang),
                    Label::PartyB.text(lang)
                ),
                plan.our_conditions_on.clone(),
            ),
        ]));
        blocks.push(Block::Paragraph(Label::PlanScope.fill(
            lang,
            &[&pages.len().to_string(), &items.to_string(), &modules.len().to_string()],
        )));
        let part1: Vec<Column> = PART1_COLUMNS
            .iter()
            .zip(PART1_WEIGHTS)
            .map(|(l, w)| Column::new(l.text(lang), w))
            .collect();
        let unsigned: Vec<String> = pages
            .iter()
            .filter(|p| p.client.is_none() || p.ours.is_none())
            .map(|p| p.number.to_string())
            .collect();
        if !unsigned.is_empty() {
            missing.push(format!("{}：第 {} 页双方尚未签字", plan.title, unsigned.join("、")));
        }
        // The plan's own page number, named 测试页 so that it is not read as the printed page.
        let sheets = plan.pages.len().to_string();
        for page in pages {
            blocks.push(Block::PageHeading(format!(
                "{}    {}（{}）",
                Label::Part1.text(lang),
                Label::TestSheet.fill(lang, &[&page.number.to_string(), &sheets]),
                Label::stage(page.stage).text(lang)
            )));
            blocks.push(Block::Table {
                columns: part1.clone(),
                rows: page.rows.iter().map(|r| Row::Cells(r.clone())).collect(),
            });
            let engineers = |label: Label, names: &str| vec![format!("{}：{names}", label.text(lang))];
            blocks.push(Block::Signatures(vec![
                signed_party(
                    Label::PartyA,
                    &d.project.client,
                    engineers(Label::Signatory, &plan.client_signer),
                    page.client.as_ref(),
                    lang,
                    false,
                ),
                signed_party(
                    Label::PartyB,
                    &d.project.contractor,
                    engineers(Label::Engineer, &plan.our_engineers),
                    page.ours.as_ref(),
                    lang,
                    false,
                ),
            ]));
        }
        blocks.push(Block::PageHeading(Label::Part2.text(lang).into()));
        for m in modules {
            blocks.push(Block::Heading(format!("{} {}", m.code, m.title)));
            blocks.push(Block::Table {
                columns: columns(lang, &[(Label::Step, 1), (Label::Procedure, 14)]),
                rows: m
                    .steps
                    .iter()
                    .enumerate()
                    .map(|(n, step)| Row::Cells(vec![(n + 1).to_string(), step.clone()]))
                    .collect(),
            });
        }
    }
    blocks
}

/// 预验收证书: for each plan, what was tested and where it is recorded, every Part 1 page with
/// both signatures, and the certificate's own signatures. A draft prints the same statement from
/// the plan as it stands, so it can be read before it is issued.
fn certificates(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    if d.test_plans.is_empty() {
        missing.push("尚未建立功能测试方案".into());
    }
    let record = match &d.functional_test_record {
        Some((number, on)) => format!("{}：{number}，{on}", Label::DocumentNumber.text(lang)),
        None => {
            missing.push("功能测试表尚未登记".into());
            Label::NotYetRegistered.text(lang).into()
        }
    };
    let mut blocks = vec![project_fields(d, lang)];
    for (k, plan) in d.test_plans.iter().enumerate() {
        let cert = &plan.certificate;
        if cert.issued_on.is_none() {
            missing.push(format!("{}：预验收证书尚未签发", plan.title));
        } else if cert.client.is_none() || cert.ours.is_none() {
            missing.push(format!("{}：预验收证书双方尚未签字", plan.title));
        }
        let items: usize = plan.pages.iter().map(|p| p.rows.len()).sum();
        if k > 0 {
            blocks.push(Block::PageHeading(plan.title.clone()));
        }
        blocks.push(Block::Paragraph(Label::CertificateText.fill(
            lang,
            &[
                &plan.title,
                &d.project.name,
                &record,
                &plan.pages.len().to_string(),
                &items.to_string(),
            ],
        )));
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &CERTIFICATE_COLUMNS
                    .iter()
                    .copied()
                    .zip([3, 4, 2, 6, 6])
                    .collect::<Vec<_>>(),
            ),
            rows: cert.rows.iter().map(|r| Row::Cells(r.clone())).collect(),
        });
        blocks.push(Block::Signatures(vec![
            signed_party(
                Label::PartyA,
                &d.project.client,
                Vec::new(),
                cert.client.as_ref(),
                lang,
                true,
            ),
            signed_party(
                Label::PartyB,
                &d.project.contractor,
                Vec::new(),
                cert.ours.as_ref(),
                lang,
                true,
            ),
        ]));
    }
    blocks
}

/// The conclusion with every choice printed and the one reached marked: ■ 通过 □ 有条件通过 □ 不通过.
fn conclusion_marks(reached: &str) -> String {
    ["通过", "有条件通过", "不通过"]
        .iter()
        .map(|c| format!("{} {c}", if *c == reached { "■" } else { "□" }))
        .collect::<Vec<_>>()
        .join("　")
}

/// The initial acceptance as recorded, or what it still lacks.
fn initial_record<'a>(d: &'a Dossier, missing: &mut Vec<String>) -> Option<&'a AcceptanceRecord> {
    match &d.initial_acceptance {
        None => {
            missing.push("系统初验尚未安排".into());
            None
        }
        Some(a) if !a.recorded => {
            missing.push("系统初验尚未记录验收情况".into());
            Some(a)
        }
        Some(a) => Some(a),
    }
}

fn both_signed(what: &str, s: &PartSignatures, missing: &mut Vec<String>) {
    if s.client.is_none() || s.ours.is_none() {
        missing.push(format!("{what}双方尚未签字"));
    }
}

fn signed_by_both(d: &Dossier, s: &PartSignatures, lang: Lang) -> Block {
    Block::Signatures(vec![
        signed_party(
            Label::PartyA,
            &d.project.client,
            Vec::new(),
            s.client.as_ref(),
            lang,
            true,
        ),
        signed_party(
            Label::PartyB,
            &d.project.contractor,
            Vec::new(),
            s.ours.as_ref(),
            lang,
            true,
        ),
    ])
}

fn issue_table(a: &AcceptanceRecord, lang: Lang) -> Block {
    let rows = if a.issues.is_empty() {
        vec![Row::Cells(vec![
            String::new(),
            Label::NoOutstanding.text(lang).into(),
            String::new(),
            String::new(),
            String::new(),
        ])]
    } else {
        a.issues.iter().map(|i| Row::Cells(i.to_vec())).collect()
    };
    Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 1),
                (Label::Description, 8),
                (Label::Severity, 2),
                (Label::ResponsibleParty, 2),
                (Label::Due, 3),
            ],
        ),
        rows,
    }
}

/// When, where, how and who of an acceptance.
fn acceptance_fields(a: &AcceptanceRecord, lang: Lang) -> Block {
    Block::Fields(vec![
        (Label::HeldOn.text(lang).into(), a.held_on.clone()),
        (Label::AcceptancePlace.text(lang).into(), a.place.clone()),
        (Label::AcceptanceForm.text(lang).into(), a.form.clone()),
        (Label::ClientAttendees.text(lang).into(), a.client_attendees.clone()),
        (Label::OurAttendees.text(lang).into(), a.our_attendees.clone()),
    ])
}

/// What an acceptance checked, its conclusion and its opinion.
fn checks_and_verdict(a: &AcceptanceRecord, lang: Lang) -> [Block; 4] {
    [
        Block::Heading(Label::ChecksDone.text(lang).into()),
        Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 1),
                    (Label::CheckItem, 7),
                    (Label::CheckResult, 2),
                    (Label::Note, 6),
                ],
            ),
            rows: a
                .checks
                .iter()
                .enumerate()
                .map(|(n, (item, passed, remark))| {
                    Row::Cells(vec![
                        (n + 1).to_string(),
                        item.clone(),
                        if *passed { Label::Accepted } else { Label::NotAccepted }
                            .text(lang)
                            .into(),
                        remark.clone(),
                    ])
                })
                .collect(),
        },
        Block::Paragraph(format!(
            "{}：{}",
            Label::AcceptanceConclusion.text(lang),
            conclusion_marks(&a.conclusion)
        )),
        Block::Paragraph(format!("{}：{}", Label::Summary.text(lang), a.opinion)),
    ]
}

/// 系统初验报告: when, where, how and who; what was checked; the conclusion and opinion; the
/// leftover issues; both parties' signatures.
fn acceptance_report(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(a) = initial_record(d, missing) else {
        return blocks;
    };
    both_signed("系统初验报告", &a.report, missing);
    blocks.push(acceptance_fields(a, lang));
    blocks.extend(checks_and_verdict(a, lang));
    blocks.push(Block::Heading(Label::Outstanding.text(lang).into()));
    blocks.push(issue_table(a, lang));
    blocks.push(signed_by_both(d, &a.report, lang));
    blocks
}

/// 系统初验备忘录: what both parties agreed at the initial acceptance — the matters noted and each
/// leftover issue with who fixes it by when.
fn acceptance_memo(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(a) = initial_record(d, missing) else {
        return blocks;
    };
    both_signed("系统初验备忘录", &a.memo_signed, missing);
    blocks.push(Block::Paragraph(
        Label::MemoText.fill(lang, &[&a.held_on, &a.place, &d.project.name, &a.conclusion]),
    ));
    blocks.push(Block::Heading(Label::MemoMatters.text(lang).into()));
    blocks.push(Block::Paragraph(if a.memo.is_empty() {
        Label::NoOutstanding.text(lang).into()
    } else {
        a.memo.clone()
    }));
    blocks.push(Block::Heading(Label::IssuesToFix.text(lang).into()));
    blocks.push(issue_table(a, lang));
    blocks.push(signed_by_both(d, &a.memo_signed, lang));
    blocks
}

/// 口令移交单: each handover with the accounts it handed over (never a password), the
/// recipient's and our signatures.
fn password_handover(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    if d.password_handovers.is_empty() {
        missing.push("尚未移交口令".into());
        return blocks;
    }
    for (k, h) in d.password_handovers.iter().enumerate() {
        both_signed("口令移交单", &h.signed, missing);
        if k > 0 {
            blocks.push(Block::PageHeading(Label::PasswordHandover.text(lang).into()));
        }
        blocks.push(Block::Fields(vec![
            (Label::Recipient.text(lang).into(), h.recipient.clone()),
            (Label::HandedOverOn.text(lang).into(), h.handed_over_on.clone()),
            (Label::AcknowledgedOn.text(lang).into(), h.acknowledged_on.clone()),
        ]));
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Target, 4),
                    (Label::Category, 2),
                    (Label::LoginAddress, 4),
                    (Label::Account, 3),
                    (Label::AccountRole, 3),
                    (Label::Remark, 4),
                ],
            ),
            rows: h.rows.iter().map(|r| Row::Cells(r.clone())).collect(),
        });
        blocks.push(Block::Paragraph(Label::NoPasswordsHere.text(lang).into()));
        blocks.push(Block::Signatures(vec![
            signed_party(
                Label::Receiver,
                &d.project.client,
                Vec::new(),
                h.signed.client.as_ref(),
                lang,
                true,
            ),
            signed_party(
                Label::HandingOver,
                &d.project.contractor,
                Vec::new(),
                h.signed.ours.as_ref(),
                lang,
                true,
            ),
        ]));
    }
    blocks
}

/// 试运行记录: both sides' run log by day, then the faults with their fix.
fn trial_run_record(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(t) = &d.trial_run else {
        missing.push("试运行尚未开始".into());
        return blocks;
    };
    if t.log_rows.is_empty() {
        missing.push("试运行尚无运行日志".into());
    }
    blocks.push(Block::Fields(vec![
        (Label::TrialStarted.text(lang).into(), t.started_on.clone()),
        (Label::TrialPlannedDays.text(lang).into(), t.planned_days.clone()),
    ]));
    blocks.push(Block::Heading(Label::RunLog.text(lang).into()));
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::WorkDate, 3),
                (Label::LogParty, 2),
                (Label::RunStateLabel, 2),
                (Label::RunEvents, 9),
                (Label::Problems, 6),
                (Label::WrittenBy, 2),
            ],
        ),
        rows: t.log_rows.iter().map(|r| Row::Cells(r.clone())).collect(),
    });
    blocks.push(Block::Heading(Label::Faults.text(lang).into()));
    blocks.push(Block::Table {
        columns: fault_columns(lang),
        rows: fault_rows(t, lang),
    });
    blocks.push(both_parties(d, lang));
    blocks
}

fn fault_columns(lang: Lang) -> Vec<Column> {
    columns(
        lang,
        &[
            (Label::Seq, 2),
            (Label::OccurredAt, 3),
            (Label::FaultSymptom, 6),
            (Label::ReportedBy, 2),
            (Label::FaultFix, 7),
            (Label::RestoredAt, 3),
            (Label::DowntimeMinutes, 2),
        ],
    )
}

fn fault_rows(t: &TrialRunForms, lang: Lang) -> Vec<Row> {
    if t.fault_rows.is_empty() {
        let mut none = vec![String::new(); 7];
        none[2] = Label::NoOutstanding.text(lang).into();
        return vec![Row::Cells(none)];
    }
    t.fault_rows.iter().map(|r| Row::Cells(r.clone())).collect()
}

/// 遗留问题清单: every leftover issue, where it was found, who fixes it by when, where it stands and
/// who for the client confirmed it.
fn issue_list(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    if d.initial_acceptance.as_ref().is_none_or(|a| !a.recorded) {
        missing.push("系统初验尚未记录验收情况".into());
    }
    let rows = if d.issues.is_empty() {
        let mut none = vec![String::new(); 9];
        none[2] = Label::NoOutstanding.text(lang).into();
        vec![Row::Cells(none)]
    } else {
        d.issues.iter().map(|r| Row::Cells(r.clone())).collect()
    };
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 2),
                (Label::IssueSource, 2),
                (Label::Description, 6),
                (Label::Severity, 2),
                (Label::ResponsibleParty, 2),
                (Label::Due, 3),
                (Label::Status, 3),
                (Label::Resolution, 6),
                (Label::ClientConfirmed, 3),
            ],
        ),
        rows,
    });
    blocks.push(both_parties(d, lang));
    blocks
}

/// 试运行总结报告: the figures of the run, its faults, the leftover issues and both sides'
/// conclusion.
fn trial_run_summary(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(t) = &d.trial_run else {
        missing.push("试运行尚未开始".into());
        return blocks;
    };
    if t.ended_on.is_empty() {
        missing.push("试运行尚未结束".into());
    }
    blocks.push(Block::Fields(vec![
        (Label::TrialStarted.text(lang).into(), t.started_on.clone()),
        (Label::TrialEnded.text(lang).into(), t.ended_on.clone()),
        (Label::TrialPlannedDays.text(lang).into(), t.planned_days.clone()),
        (Label::TrialDaysRun.text(lang).into(), t.days_run.clone()),
        (Label::LoggedDays.text(lang).into(), t.logged_days.clone()),
        (Label::FaultCount.text(lang).into(), t.faults.clone()),
        (Label::DowntimeMinutes.text(lang).into(), t.downtime_minutes.clone()),
        (Label::Availability.text(lang).into(), t.availability.clone()),
        (Label::IssuesOpened.text(lang).into(), t.issues_opened.clone()),
        (Label::IssuesClosed.text(lang).into(), t.issues_closed.clone()),
        (Label::IssuesStillOpen.text(lang).into(), t.issues_open.clone()),
    ]));
    blocks.push(Block::Heading(Label::Faults.text(lang).into()));
    blocks.push(Block::Table {
        columns: fault_columns(lang),
        rows: fault_rows(t, lang),
    });
    blocks.push(Block::Paragraph(format!(
        "{}：{}",
        Label::TrialConclusion.text(lang),
        t.conclusion
    )));
    blocks.push(both_parties(d, lang));
    blocks
}

/// The training plan's facts both training forms start with.
fn training_fields(t: &TrainingForms, lang: Lang) -> Vec<(String, String)> {
    vec![
        (
            Label::TrainingPeriod.text(lang).into(),
            format!("{} — {}", t.starts_on, t.ends_on),
        ),
        (Label::TrainingPlace.text(lang).into(), t.place.clone()),
        (Label::Trainers.text(lang).into(), t.trainers.clone()),
        (
            Label::PassMark.text(lang).into(),
            Label::PassMarkValue.fill(lang, &[&t.pass_mark]),
        ),
    ]
}

/// 现场培训单: the training plan (content, materials handed out beforehand), then each session's
/// sign-in sheet — tablet sign-ins with the name and time recorded, the others signed by hand.
fn training_sheet(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(t) = &d.training else {
        missing.push("人员培训尚未安排".into());
        return blocks;
    };
    if t.trainee_count == 0 {
        missing.push("尚无受训人员".into());
    }
    if t.sessions.is_empty() {
        missing.push("尚未安排培训课次".into());
    }
    let mut fields = training_fields(t, lang);
    fields.push((
        Label::MaterialsHandedOn.text(lang).into(),
        t.materials_handed_on.clone(),
    ));
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Paragraph(format!(
        "{}：{}",
        Label::TrainingContent.text(lang),
        t.content
    )));
    blocks.push(Block::Paragraph(format!(
        "{}：{}",
        Label::TrainingMaterials.text(lang),
        t.materials
    )));
    if !t.late_reason.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "{}：{}",
            Label::LateStart.text(lang),
            t.late_reason
        )));
    }
    for (n, s) in t.sessions.iter().enumerate() {
        let when = if s.remedial {
            format!("{} {}，{}", s.held_on, s.period, Label::RemedialSession.text(lang))
        } else {
            format!("{} {}", s.held_on, s.period)
        };
        // One heading with who and where: it moves with its sheet to the next page.
        blocks.push(Block::Heading(
            Label::SessionHeading.fill(lang, &[&(n + 1).to_string(), &s.topic, &when, &s.trainers, &s.place]),
        ));
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::Name, 3),
                    (Label::TraineeKindLabel, 3),
                    (Label::Department, 4),
                    (Label::SignIn, 5),
                    (Label::SignInMethod, 3),
                ],
            ),
            rows: s.rows.iter().map(|r| Row::Cells(r.clone())).collect(),
        });
    }
    blocks.push(Block::Paragraph(Label::SignInNote.text(lang).into()));
    blocks.push(both_parties(d, lang));
    blocks
}

/// 培训考核记录: every assessment of every trainee — written and practical scores against the
/// pass mark, failures with their remedial deadline, the re-assessments — and who is still to be
/// assessed.
fn training_assessment(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let Some(t) = &d.training else {
        missing.push("人员培训尚未安排".into());
        return blocks;
    };
    if t.assessment_rows.is_empty() {
        missing.push("尚无考核记录".into());
    }
    let mut fields = training_fields(t, lang);
    fields.push((Label::TraineeCount.text(lang).into(), t.trainee_count.to_string()));
    fields.push((Label::TrainingCompleted.text(lang).into(), t.completed_on.clone()));
    blocks.push(Block::Fields(fields));
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 2),
                (Label::Name, 3),
                (Label::TraineeKindLabel, 3),
                (Label::DaysAttended, 2),
                (Label::Attempt, 2),
                (Label::AssessedOn, 3),
                (Label::WrittenScore, 2),
                (Label::PracticalScore, 2),
                (Label::AssessmentResult, 2),
                (Label::RemedialDue, 4),
                (Label::Examiner, 3),
            ],
        ),
        rows: t.assessment_rows.iter().map(|r| Row::Cells(r.clone())).collect(),
    });
    if !t.not_assessed.is_empty() {
        blocks.push(Block::Paragraph(format!(
            "{}：{}",
            Label::NotYetAssessed.text(lang),
            t.not_assessed.join("、")
        )));
    }
    blocks.push(both_parties(d, lang));
    blocks
}

/// 技术文档交付备忘录 (移交清单): each handover of the technical documents — which issued version of
/// each, its pages and copies — signed by the client on receipt.
fn document_handover(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    if d.document_handovers.is_empty() {
        missing.push("尚未移交技术文档".into());
        return blocks;
    }
    for (k, h) in d.document_handovers.iter().enumerate() {
        if h.signed.client.is_none() {
            missing.push("技术文档交付备忘录尚未由甲方签收".into());
        }
        if k > 0 {
            blocks.push(Block::PageHeading(Label::DocumentHandover.text(lang).into()));
        }
        blocks.push(Block::Fields(vec![
            (Label::Recipient.text(lang).into(), h.recipient.clone()),
            (Label::HandedOverOn.text(lang).into(), h.handed_over_on.clone()),
            (Label::AcknowledgedOn.text(lang).into(), h.acknowledged_on.clone()),
            (Label::CopiesInAll.text(lang).into(), h.copies.clone()),
        ]));
        blocks.push(Block::Paragraph(
            Label::DocumentHandoverText.fill(lang, &[&d.project.contractor, &d.project.client]),
        ));
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::Seq, 2),
                    (Label::DocumentName, 5),
                    (Label::DocumentNumber, 8),
                    (Label::Version, 2),
                    (Label::IssuedOn, 3),
                    (Label::Pages, 2),
                    (Label::Copies, 2),
                ],
            ),
            rows: h.rows.iter().map(|r| Row::Cells(r.clone())).collect(),
        });
        blocks.push(Block::Paragraph(Label::CopiesRegistered.text(lang).into()));
        blocks.push(Block::Signatures(vec![
            signed_party(
                Label::Receiver,
                &d.project.client,
                Vec::new(),
                h.signed.client.as_ref(),
                lang,
                true,
            ),
            signed_party(
                Label::HandingOver,
                &d.project.contractor,
                Vec::new(),
                h.signed.ours.as_ref(),
                lang,
                true,
            ),
        ]));
    }
    blocks
}

/// 终验报告: the final acceptance — when, where, who; what was checked; the trial run, the
/// training and the leftover issues it closed; the conclusion; the delivery and the warranty's
/// start; both parties' signatures.
fn final_report(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let mut blocks = vec![project_fields(d, lang)];
    let a = match &d.final_acceptance {
        None => {
            missing.push("终验尚未安排".into());
            return blocks;
        }
        Some(a) => {
            if !a.recorded {
                missing.push("终验尚未记录验收情况".into());
            }
            a
        }
    };
    both_signed("终验报告", &a.report, missing);
    blocks.push(acceptance_fields(a, lang));
    blocks.push(Block::Heading(Label::BeforeFinal.text(lang).into()));
    let mut facts = Vec::new();
    if let Some(t) = &d.trial_run {
        facts.push((
            Label::TrialRun.text(lang).into(),
            Label::TrialRunFacts.fill(
                lang,
                &[&t.started_on, &t.ended_on, &t.days_run, &t.faults, &t.availability],
            ),
        ));
    }
    if let Some(t) = &d.training {
        facts.push((
            Label::Training.text(lang).into(),
            Label::TrainingFacts.fill(lang, &[&t.trainee_count.to_string(), &t.completed_on]),
        ));
    }
    facts.push((
        Label::LeftoverIssues.text(lang).into(),
        Label::IssuesFacts.fill(lang, &[&d.issues.len().to_string()]),
    ));
    if let Some(h) = d.document_handovers.iter().rev().find(|h| h.signed.client.is_some()) {
        facts.push((
            Label::DocumentsHandedOver.text(lang).into(),
            Label::HandoverFacts.fill(lang, &[&h.rows.len().to_string(), &h.copies, &h.acknowledged_on]),
        ));
    }
    blocks.push(Block::Fields(facts));
    blocks.extend(checks_and_verdict(a, lang));
    blocks.push(Block::Paragraph(if d.project.delivered_on.is_empty() {
        Label::DeliveryPending.text(lang).into()
    } else {
        Label::DeliveryText.fill(lang, &[&d.project.delivered_on, &d.project.warranty_starts_on])
    }));
    blocks.push(signed_by_both(d, &a.report, lang));
    blocks
}

/// 工程总结报告: planned against actual for every phase and task (a chart and its table), the
/// deadlines moved and why, the quality figures (tests, deviations, equipment differences, the
/// trial run, leftover issues, training), and both sides' evaluation.
fn project_summary(d: &Dossier, lang: Lang, missing: &mut Vec<String>) -> Vec<Block> {
    let p = &d.project;
    let mut fields = project_pairs(d, lang);
    fields.extend([
        (Label::ContractSigned.text(lang).into(), p.signed_on.clone()),
        (Label::DeliveredOn.text(lang).into(), p.delivered_on.clone()),
        (Label::WarrantyFrom.text(lang).into(), p.warranty_starts_on.clone()),
    ]);
    let mut blocks = vec![Block::Fields(fields)];
    let Some(s) = &d.summary else {
        missing.push("项目尚未交付（终验报告尚未双方签字）".into());
        return blocks;
    };
    if !s.both_evaluated {
        missing.push("双方评价尚未全部完成".into());
    }
    blocks.push(Block::Heading(Label::SummarySchedule.text(lang).into()));
    blocks.push(Block::Chart {
        chart: s.chart.clone(),
        caption: Label::ChartCaption.text(lang).into(),
    });
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[
                (Label::Seq, 1),
                (Label::PhaseOrTask, 6),
                (Label::PlannedOn, 3),
                (Label::MovedTo, 3),
                (Label::ActualOn, 3),
                (Label::Deviation, 2),
            ],
        ),
        rows: s.schedule.iter().map(|r| Row::Cells(r.clone())).collect(),
    });
    if !s.moved.is_empty() {
        blocks.push(Block::Heading(Label::DeadlinesMoved.text(lang).into()));
        blocks.push(Block::Table {
            columns: columns(
                lang,
                &[
                    (Label::PhaseOrTask, 4),
                    (Label::PlannedOn, 3),
                    (Label::MovedTo, 3),
                    (Label::Reason, 8),
                ],
            ),
            rows: s.moved.iter().map(|r| Row::Cells(r.clone())).collect(),
        });
    }
    blocks.push(Block::Heading(Label::SummaryQuality.text(lang).into()));
    let differences = d.change_notice.as_ref().map_or(0, |n| n.differences.len());
    let mut quality = vec![
        Label::EquipmentDifferences.fill(lang, &[&differences.to_string()]),
        s.deviations.clone(),
        s.tests.clone(),
    ];
    if let Some(t) = &d.trial_run {
        quality.push(Label::TrialRunFacts.fill(
            lang,
            &[&t.started_on, &t.ended_on, &t.days_run, &t.faults, &t.availability],
        ));
    }
    quality.push(s.issues.clone());
    quality.push(s.training.clone());
    for (n, line) in quality.iter().enumerate() {
        blocks.push(Block::Paragraph(format!("{}. {line}", n + 1)));
    }
    blocks.push(Block::Heading(Label::SummaryEvaluation.text(lang).into()));
    blocks.push(Block::Table {
        columns: columns(
            lang,
            &[(Label::EvaluationItem, 4), (Label::PartyB, 4), (Label::PartyA, 4)],
        ),
        rows: s.evaluation_rows.iter().map(|r| Row::Cells(r.clone())).collect(),
    });
    blocks.push(Block::Fields(vec![
        (Label::OurEvaluator.text(lang).into(), s.our_evaluator.clone()),
        (Label::ClientEvaluator.text(lang).into(), s.client_evaluator.clone()),
    ]));
    blocks.push(Block::Paragraph(format!(
        "{}：{}",
        Label::OurComments.text(lang),
        s.our_comments
    )));
    blocks.push(Block::Paragraph(format!(
        "{}：{}",
        Label::ClientComments.text(lang),
        s.client_comments
    )));
    blocks.push(both_parties(d, lang));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every label/value pair of the form's information blocks.
    fn fields(blocks: &[Block]) -> Vec<(String, String)> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Fields(f) => Some(f.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn cells(blocks: &[Block]) -> Vec<Vec<String>> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { rows, .. } => Some(rows),
                _ => None,
            })
            .flatten()
            .filter_map(|r| match r {
                Row::Cells(c) => Some(c.clone()),
                Row::Span(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_implementation_plan_says_how_late_a_task_was_finished() {
        let task = |name: &str, due_on: &str, finished_on: &str| TaskLine {
            name: name.into(),
            due_on: due_on.into(),
            status: "已完成".into(),
            owner: "李明".into(),
            finished_on: finished_on.into(),
        };
        let d = Dossier {
            phases: vec![PhaseLine {
                name: "设备到货".into(),
                due_on: "2026-03-17".into(),
                status: "已完成".into(),
                tasks: vec![
                    task("设备订购与发货", "2026-03-09", "2026-03-12"),
                    task("设备到货签收", "2026-03-17", "2026-03-17"),
                ],
            }],
            ..Dossier::default()
        };
        let rows = cells(&prepare(FormKind::ImplementationPlan, &d, Lang::Zh).blocks);
        let status = |name: &str| rows.iter().find(|r| r[1] == name).map(|r| r[4].clone());
        assert_eq!(status("设备订购与发货").as_deref(), Some("已完成（逾期 3 天）"));
        assert_eq!(status("设备到货签收").as_deref(), Some("已完成"));
    }

    #[test]
    fn the_inspection_record_names_the_inspector_and_the_witness_and_dates_each_round_once() {
        let check = |inspector: &str, witness: &str, on: &str| CheckData {
            documents: "合格".into(),
            appearance: "合格".into(),
            power_on: "合格".into(),
            inspector: inspector.into(),
            witness: witness.into(),
            on: on.into(),
            note: String::new(),
            recheck: false,
        };
        let line = |seq: &str, own_on: &str| ArrivalLine {
            seq: seq.into(),
            name: "机柜".into(),
            serials: vec!["G2-01".into()],
            own: Some(check("李明", "", own_on)),
            client: Some(check("李明", "刘芳", "2026-03-14")),
            ..ArrivalLine::default()
        };
        let d = Dossier {
            arrival: vec![line("1", "2026-03-12"), line("2", "2026-03-13")],
            ..Dossier::default()
        };
        let blocks = prepare(FormKind::InspectionRecord, &d, Lang::Zh).blocks;
        let rows = cells(&blocks);
        assert_eq!(rows[0][5], "李明", "检验人 holds a name, not a date");
        assert_eq!(rows[0][7], "刘芳", "the witness column holds the witness alone");
        let fields = fields(&blocks);
        assert!(
            fields.contains(&("自检日期".into(), "2026-03-12 ～ 2026-03-13".into())),
            "{fields:?}"
        );
        assert!(
            fields.contains(&("甲方检验日期".into(), "2026-03-14".into())),
            "{fields:?}"
        );
        let legend = blocks
            .iter()
            .any(|b| matches!(b, Block::Paragraph(p) if p.contains('=')));
        assert!(!legend, "no legend written with '='");

        // A unit that failed its self-check and passed the re-inspection says both, in their places.
        let mut replaced = line("3", "2026-03-13");
        if let Some(own) = replaced.own.as_mut() {
            own.recheck = true;
        }
        replaced.deviations = vec!["2026-03-12 自检外观 不合格：屏幕划伤；更换：厂家换新屏".into()];
        let d = Dossier {
            arrival: vec![replaced],
            ..Dossier::default()
        };
        let rows = cells(&prepare(FormKind::InspectionRecord, &d, Lang::Zh).blocks);
        assert_eq!(rows[0][4], "合格/合格/合格\n（复检 2026-03-13）");
        assert!(rows[0][8].starts_with("2026-03-12 自检外观 不合格"), "{}", rows[0][8]);
    }

    #[test]
    fn installation_forms_number_their_rows_and_keep_quantities_out_of_the_serial_column() {
        let line = |seq: &str, serial: &str, quantity: f64| InstallationLine {
            seq: seq.into(),
            name: "机柜".into(),
            model: "G2.6042".into(),
            serial: serial.into(),
            quantity,
            location: "机房".into(),
            commissioning: "通过".into(),
            ..InstallationLine::default()
        };
        let d = Dossier {
            installations: vec![line("9", "HW-01", 1.0), line("9", "HW-02", 1.0), line("14", "", 6.0)],
            ..Dossier::default()
        };
        for kind in [
            FormKind::InstallationList,
            FormKind::InstallationRecord,
            FormKind::CommissioningRecord,
        ] {
            let blocks = prepare(kind, &d, Lang::Zh).blocks;
            let rows = cells(&blocks);
            let numbers: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
            assert_eq!(numbers, ["1", "2", "3"], "{kind:?}: 序号 runs 1..n");
            assert!(
                rows.iter().all(|r| r.iter().any(|c| c == "G2.6042")),
                "{kind:?}: 型号 printed"
            );
            assert!(
                matches!(blocks.last(), Some(Block::Signatures(_))),
                "{kind:?} ends with the parties' block"
            );
        }
        let list = cells(&prepare(FormKind::InstallationList, &d, Lang::Zh).blocks);
        assert_eq!(
            (list[2][3].as_str(), list[2][4].as_str()),
            ("6", ""),
            "数量 and 序列号 apart"
        );
    }

    #[test]
    fn amounts_are_grouped_by_thousands() {
        assert_eq!(money(Some(878_800.0)), "878,800.00");
        assert_eq!(money(Some(1_234_567.8)), "1,234,567.80");
        assert_eq!(money(Some(-122_400.0)), "-122,400.00");
        assert_eq!(money(Some(999.999)), "1,000.00");
        assert_eq!(money(Some(12.5)), "12.50");
        assert_eq!(money(None), "");
    }

    #[test]
    fn the_change_notice_states_both_totals_and_the_difference() {
        let list = |amounts: &[f64]| ListData {
            items: amounts
                .iter()
                .map(|a| ItemLine {
                    name: "摄像机".into(),
                    amount: Some(*a),
                    ..ItemLine::default()
                })
                .collect(),
            ..ListData::default()
        };
        let d = Dossier {
            contract_list: Some(list(&[500_000.0, 378_800.0])),
            purchase_order: Some(list(&[500_000.0, 256_400.0])),
            change_notice: Some(NoticeData::default()),
            ..Dossier::default()
        };
        let blocks = prepare(FormKind::ChangeNotice, &d, Lang::Zh).blocks;
        let fields = fields(&blocks);
        for expected in [
            ("协议设备清单金额合计", "878,800.00（大写：人民币捌拾柒万捌仟捌佰元整）"),
            ("设备订购单金额合计", "756,400.00（大写：人民币柒拾伍万陆仟肆佰元整）"),
            ("金额变化", "减少 122,400.00（大写：人民币壹拾贰万贰仟肆佰元整）"),
        ] {
            assert!(
                fields.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {fields:?}"
            );
        }
    }

    #[test]
    fn amounts_are_stated_in_capitals_as_contracts_write_them() {
        for (amount, words) in [
            (878_800.0, "人民币捌拾柒万捌仟捌佰元整"),
            (4_800_000.0, "人民币肆佰捌拾万元整"),
            (100_010.0, "人民币壹拾万零壹拾元整"),
            (102_345.0, "人民币壹拾万贰仟叁佰肆拾伍元整"),
            (10_005.0, "人民币壹万零伍元整"),
            (100_001_000.0, "人民币壹亿零壹仟元整"),
            (1_200.5, "人民币壹仟贰佰元伍角"),
            (3.07, "人民币叁元零柒分"),
            (0.5, "人民币伍角"),
            (0.0, "人民币零元整"),
            (-122_400.0, "负人民币壹拾贰万贰仟肆佰元整"),
        ] {
            assert_eq!(money_in_words(amount), words, "{amount}");
        }
    }

    fn paragraphs(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Paragraph(p) | Block::WriteIn(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn acceptance_forms_leave_boxes_to_write_the_opinion_and_tick_the_conclusion() {
        let d = Dossier {
            installations: vec![InstallationLine {
                name: "庭审主机".into(),
                quantity: 1.0,
                commissioning_passed: true,
                ..InstallationLine::default()
            }],
            not_installed: vec!["2 高清摄像机".into()],
            ..Dossier::default()
        };
        for kind in [FormKind::ArrivalAcceptance, FormKind::InstallationAcceptance] {
            let blocks = prepare(kind, &d, Lang::Zh).blocks;
            let written = paragraphs(&blocks);
            for expected in ["验收结论：□ 合格        □ 不合格", "验收意见", "遗留问题"] {
                assert!(
                    written.iter().any(|p| p == expected),
                    "{kind:?}: {expected} in {written:?}"
                );
            }
            assert!(matches!(blocks.last(), Some(Block::Signatures(_))), "{kind:?}");
        }
        let blocks = prepare(FormKind::InstallationAcceptance, &d, Lang::Zh).blocks;
        let Some(Block::Fields(fields)) = blocks.get(1) else {
            panic!("the installation's facts");
        };
        let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
        assert!(values.contains(&"已安装 1 项（共 2 项）"), "{values:?}");
        assert!(values.contains(&"调试合格 1 项（共 1 项）"), "{values:?}");
    }

    #[test]
    fn a_bulk_item_keeps_its_quantity_out_of_the_serial_column() {
        let d = Dossier {
            installations: vec![InstallationLine {
                name: "机柜".into(),
                quantity: 4.0,
                ..InstallationLine::default()
            }],
            ..Dossier::default()
        };
        for kind in [
            FormKind::InstallationList,
            FormKind::InstallationRecord,
            FormKind::CommissioningRecord,
        ] {
            let blocks = prepare(kind, &d, Lang::Zh).blocks;
            let Some(Block::Table { columns, rows }) = blocks.iter().find(|b| matches!(b, Block::Table { .. })) else {
                panic!("{kind:?} has a table");
            };
            let at = |label: &str| columns.iter().position(|c| c.label == label).expect(label);
            let Row::Cells(row) = &rows[0] else { panic!("a row") };
            assert_eq!(row[at("序号")], "1", "{kind:?}");
            assert_eq!(row[at("数量")], "4", "{kind:?}");
            assert_eq!(row[at("序列号")], "", "{kind:?}");
            assert!(columns[at("数量")].figures, "{kind:?}: quantities right-aligned");
        }
    }

    fn plan_with_one_page() -> TestPlanData {
        TestPlanData {
            title: "数字法庭系统功能测试方案".into(),
            pages: vec![TestPageData {
                number: 1,
                stage: Stage::Line,
                rows: vec![vec!["1.1".into()]],
                client: None,
                ours: None,
            }],
            certificate: CertificateData {
                rows: vec![vec![
                    "第 1 页".into(),
                    "线路测试".into(),
                    "1".into(),
                    String::new(),
                    String::new(),
                ]],
                ..CertificateData::default()
            },
            ..TestPlanData::default()
        }
    }

    #[test]
    fn the_certificate_draft_holds_its_statement_and_cites_the_registered_test_record() {
        let mut d = Dossier {
            project: ProjectFacts {
                name: "数字法庭建设项目".into(),
                ..ProjectFacts::default()
            },
            test_plans: vec![plan_with_one_page()],
            ..Dossier::default()
        };
        let draft = prepare(FormKind::PreAcceptance, &d, Lang::Zh);
        let statement = paragraphs(&draft.blocks).join("");
        assert!(
            statement.contains("对数字法庭建设项目进行了功能测试"),
            "no stray spaces around the project: {statement}"
        );
        assert!(statement.contains("《功能测试表》（尚未登记）"), "{statement}");
        assert!(
            draft.missing.iter().any(|m| m == "功能测试表尚未登记"),
            "{:?}",
            draft.missing
        );
        assert!(draft.blocks.iter().any(|b| matches!(b, Block::Signatures(_))));
        d.functional_test_record = Some(("ZJFY-2026-018-GN-01 V1".into(), "2026-03-30".into()));
        let cited = paragraphs(&prepare(FormKind::PreAcceptance, &d, Lang::Zh).blocks).join("");
        assert!(
            cited.contains("《功能测试表》（文件编号：ZJFY-2026-018-GN-01 V1，2026-03-30）")
                && cited.contains("测试结论：通过"),
            "{cited}"
        );
    }

    #[test]
    fn a_test_sheet_is_numbered_apart_from_the_printed_pages() {
        let d = Dossier {
            test_plans: vec![plan_with_one_page()],
            ..Dossier::default()
        };
        let blocks = prepare(FormKind::FunctionalTest, &d, Lang::Zh).blocks;
        let headings: Vec<&String> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::PageHeading(h) => Some(h),
                _ => None,
            })
            .collect();
        assert!(
            headings
                .iter()
                .any(|h| h.as_str() == "第一部分 测试内容    测试页 1 / 1（线路测试）"),
            "{headings:?}"
        );
    }

    #[test]
    fn the_approved_list_names_its_approver_and_marks_where_it_departs_from_the_contract() {
        let line = |seq: &str, name: &str, model: &str, price: f64| ItemLine {
            seq: seq.into(),
            name: name.into(),
            model: model.into(),
            quantity: Some(2.0),
            unit_price: Some(price),
            amount: Some(2.0 * price),
            ..ItemLine::default()
        };
        let d = Dossier {
            contract_list: Some(ListData {
                items: vec![
                    line("1", "庭审主机", "KDV-TR8000", 100.0),
                    line("2", "核心交换机", "S5735-A", 50.0),
                ],
                ..ListData::default()
            }),
            approved_list: Some(ListData {
                approved_on: Some("2026-03-06".into()),
                approved_by: "王建国".into(),
                items: vec![
                    line("1", "庭审主机", "KDV-TR8000", 100.0),
                    line("2", "核心交换机", "S5735-B", 50.0),
                    line("3", "不间断电源", "C3KS", 10.0),
                ],
                ..ListData::default()
            }),
            ..Dossier::default()
        };
        let prepared = prepare(FormKind::ApprovedList, &d, Lang::Zh);
        assert!(prepared.missing.is_empty(), "{:?}", prepared.missing);
        let Some(Block::Fields(fields)) = prepared.blocks.get(1) else {
            panic!("who approved it and when");
        };
        assert_eq!(fields[0], ("审定人".to_string(), "王建国".to_string()));
        assert_eq!(fields[1], ("审定日期".to_string(), "2026-03-06".to_string()));
        let remarks: Vec<String> = cells(&prepared.blocks).iter().map(|r| r[9].clone()).collect();
        assert_eq!(remarks, ["", "※ 型号原为S5735-A", "※ 新增"]);
        assert!(
            paragraphs(&prepared.blocks)
                .iter()
                .any(|p| p.contains("标 ※ 者共 2 项"))
        );
        // The contract list itself marks nothing.
        let contract = prepare(FormKind::ContractList, &d, Lang::Zh);
        assert!(cells(&contract.blocks).iter().all(|r| r[9].is_empty()));
    }

    #[test]
    fn the_purchase_order_states_its_supplier_and_terms_and_is_signed_with_the_supplier() {
        let mut order = ListData {
            items: vec![ItemLine {
                name: "庭审主机".into(),
                ..ItemLine::default()
            }],
            ..ListData::default()
        };
        let dossier = |order: &ListData| Dossier {
            project: ProjectFacts {
                contractor: "浙江某某系统集成有限公司".into(),
                ..ProjectFacts::default()
            },
            purchase_order: Some(order.clone()),
            ..Dossier::default()
        };
        let unstated = prepare(FormKind::PurchaseOrder, &dossier(&order), Lang::Zh);
        assert_eq!(
            unstated.missing,
            ["设备订购单尚未填写供货单位", "设备订购单尚未填写订购日期"]
        );
        order.terms = OrderTerms {
            supplier: "杭州某某科技有限公司".into(),
            ordered_on: "2026-03-09".into(),
            delivery_due_on: "2026-03-20".into(),
            delivery_place: "审判楼一楼库房".into(),
        };
        let prepared = prepare(FormKind::PurchaseOrder, &dossier(&order), Lang::Zh);
        assert!(prepared.missing.is_empty(), "{:?}", prepared.missing);
        let stated = fields(&prepared.blocks);
        for pair in [
            ("供货单位", "杭州某某科技有限公司"),
            ("订购日期", "2026-03-09"),
            ("交货期", "2026-03-20"),
            ("交货地点", "审判楼一楼库房"),
        ] {
            assert!(
                stated.contains(&(pair.0.into(), pair.1.into())),
                "{pair:?} in {stated:?}"
            );
        }
        let Some(Block::Signatures(parties)) = prepared.blocks.last() else {
            panic!("the order ends with its signatures");
        };
        let sides: Vec<(&str, &str)> = parties.iter().map(|p| (p.side.as_str(), p.name.as_str())).collect();
        assert_eq!(
            sides,
            [
                ("订购方", "浙江某某系统集成有限公司"),
                ("供货单位", "杭州某某科技有限公司")
            ]
        );
    }
}
