//! Every word a form prints that is not data, in one table: Chinese first, English beside it, so
//! an English edition is a switch of [`Lang`].

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn parse(v: &str) -> Option<Lang> {
        match v.trim().to_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" => Some(Lang::Zh),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
}

/// A date as Chinese readers write it: 2026年3月9日（周一）.
pub fn long_date_zh(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const DAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    format!(
        "{}年{}月{}日（周{}）",
        d.year(),
        d.month(),
        d.day(),
        DAYS[d.weekday().num_days_from_monday() as usize]
    )
}

/// The same for a template: a `YYYY-MM-DD` (or an RFC 3339 instant's date); other text unchanged.
pub fn long_date_zh_text(value: String) -> String {
    value
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or(value, long_date_zh)
}

macro_rules! labels {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        /// A printed label.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Label { $($name),* }

        impl Label {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Label::$name, Lang::Zh) => $zh, (Label::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

labels! {
    // Page furniture
    Address => "地址", "Address";
    Phone => "电话", "Phone";
    DocumentNumber => "文件编号", "Document No.";
    Version => "版本", "Version";
    NotIssued => "未登记（草稿）", "not issued (draft)";
    ForSigning => "未登记（供签字）", "not registered (for signing)";
    CompanyNotSet => "未设置公司名称", "company name not set";
    ContractNumber => "合同编号", "Contract No.";
    Supervisor => "监理单位", "Supervisor";
    VerifyCode => "验证码", "Verification code";
    VerifyAt => "验证地址", "Check at";
    Draft => "草稿", "DRAFT";
    PageOf => "第 | 页 共 | 页", "Page | of |";
    Signature => "签字", "Signature";
    Date => "日期", "Date";
    Seal => "盖章", "Seal";
    BlankDate => "＿＿＿＿年＿＿月＿＿日", "＿＿＿＿＿＿＿＿＿＿";
    PartyA => "甲方", "Client";
    PartyB => "乙方", "Contractor";
    Receiver => "接收单位", "Received by";
    ReceivedBy => "签收人", "Signed for by";
    // Form titles
    ImplementationPlan => "项目实施计划", "Project Implementation Plan";
    ContractList => "协议设备清单", "Contract Equipment List";
    PurchaseOrder => "设备订购单", "Equipment Purchase Order";
    ApprovedList => "分项设备清单审定版", "Approved Itemised Equipment List";
    ChangeNotice => "设备清单变更通知", "Equipment List Change Notice";
    Receipt => "设备签收单", "Equipment Receipt";
    ArrivalAcceptance => "设备到货验收单", "Equipment Arrival Acceptance";
    InspectionRecord => "设备进场检验记录", "Equipment Arrival Inspection Record";
    InstallationList => "现场安装一览表", "Site Installation Schedule";
    InstallationRecord => "设备安装记录", "Equipment Installation Record";
    CommissioningRecord => "设备调试记录", "Equipment Commissioning Record";
    InstallationAcceptance => "设备安装调试验收单", "Installation and Commissioning Acceptance";
    WorkLog => "工作记录单", "Work Log";
    // Project facts
    Project => "项目名称", "Project";
    ProjectCode => "项目编号", "Project code";
    Client => "建设单位", "Client";
    Contractor => "承建单位", "Contractor";
    Site => "项目地点", "Site";
    ContractSigned => "合同签订日期", "Contract signed";
    DeliveryDue => "合同交付日期", "Delivery due";
    Systems => "系统类型", "Systems";
    Team => "项目组成员", "Project team";
    ClientContacts => "甲方联系人", "Client contacts";
    Name => "姓名", "Name";
    Role => "职责", "Role";
    Schedule => "实施进度", "Schedule";
    // Columns
    Seq => "序号", "No.";
    Item => "设备名称", "Item";
    Brand => "品牌", "Brand";
    Model => "型号", "Model";
    Spec => "规格参数", "Specification";
    Quantity => "数量", "Qty";
    Unit => "单位", "Unit";
    UnitPrice => "单价（元）", "Unit price";
    Amount => "金额（元）", "Amount";
    Origin => "产地", "Origin";
    Warranty => "质保期", "Warranty";
    Remark => "备注", "Remarks";
    Total => "合计", "Total";
    Phase => "阶段", "Phase";
    Task => "工作内容", "Task";
    Due => "完成期限", "Due";
    Status => "状态", "Status";
    Owner => "负责人", "Owner";
    Finished => "完成时间", "Finished";
    Difference => "差异", "Difference";
    ContractValue => "协议清单", "Contract list";
    OrderValue => "订购单", "Purchase order";
    Reason => "原因", "Reason";
    Decision => "处理决定", "Decision";
    Shipment => "发货批次", "Shipment";
    DispatchedBy => "发货单位", "Dispatched by";
    Carrier => "承运", "Carrier";
    Arrived => "到货日期", "Arrived";
    Serials => "序列号", "Serial numbers";
    Ordered => "应到数量", "Ordered";
    Received => "实到数量", "Received";
    Documents => "随机资料检验", "Documents";
    Appearance => "外观检验", "Appearance";
    PowerOn => "通电测试", "Power-on test";
    OwnCheck => "自检", "Self-check";
    ClientCheck => "甲方检验", "Client inspection";
    Inspector => "检验人", "Inspector";
    OwnCheckDate => "自检日期", "Self-check on";
    ClientCheckDate => "甲方检验日期", "Client check on";
    ResultsInOrder => "检验结果依次为", "Results in order";
    ContractTotal => "协议设备清单金额合计", "Contract list total";
    OrderTotal => "设备订购单金额合计", "Purchase order total";
    TotalChange => "金额变化", "Change in total";
    Increase => "增加", "up by";
    Decrease => "减少", "down by";
    NoChange => "无变化", "unchanged";
    Witness => "甲方见证人", "Client witness";
    PhotoAppendix => "附：现场照片", "Appendix: site photos";
    Deviations => "偏差及处理", "Deviations";
    Conclusion => "结论", "Conclusion";
    Accepted => "合格", "Accepted";
    NotAccepted => "不合格", "Not accepted";
    Location => "安装位置", "Location";
    Installed => "安装日期", "Installed";
    Engineer => "工程师", "Engineer";
    IpAddress => "IP 地址", "IP address";
    Firmware => "固件版本", "Firmware";
    Configuration => "配置说明", "Configuration";
    Commissioning => "调试结果", "Commissioning";
    Commissioned => "调试日期", "Commissioned";
    WorkDate => "日期", "Date";
    People => "人员", "People";
    WorkDone => "工作内容", "Work done";
    Problems => "存在问题", "Problems";
    Summary => "验收意见", "Acceptance opinion";
    Outstanding => "遗留问题", "Outstanding issues";
    AcceptanceConclusion => "验收结论", "Conclusion";
    InWords => "大写", "in words";
    Installation => "安装情况", "Installation";
    ApprovedBy => "审定人", "Approved by";
    Orderer => "订购方", "Ordered by";
    Supplier => "供货单位", "Supplier";
    OrderedOn => "订购日期", "Ordered on";
    DeliveryTerm => "交货期", "Delivery due";
    DeliveryPlace => "交货地点", "Delivery place";
    ApprovedOn => "审定日期", "Approved on";
    Added => "新增", "added";
    WasBefore => "原为", " was ";
    ChangesMarked => "注：备注栏标 ※ 者共 | 项，为与协议设备清单不同之处，依据《设备清单变更通知》审定。", "Note: the | lines marked ※ differ from the contract list, as the change notice decided.";
    InstalledCount => "已安装 | 项（共 | 项）", "| of | installed";
    CommissionedCount => "调试合格 | 项（共 | 项）", "| of | commissioned";
    // Functional test plans
    FunctionalTest => "功能测试表", "Functional Test Record";
    DeviceTest => "设备测试表", "Equipment Test Record";
    PreAcceptance => "预验收证书", "Pre-acceptance Certificate";
    LineTests => "线路测试", "Line tests";
    DeviceTests => "设备测试", "Equipment tests";
    NetworkTests => "网络测试", "Network tests";
    SystemTests => "系统测试", "System tests";
    TestNumber => "编号", "No.";
    TestStage => "测试阶段", "Stage";
    TestItem => "测试项目", "Test item";
    TestReference => "参照", "Ref.";
    Expected => "预期结果", "Expected result";
    Actual => "实际结果", "Actual result";
    Verdict => "结论", "Result";
    Pass => "通过", "Pass";
    Fail => "不通过", "Fail";
    Note => "说明", "Notes";
    Part1 => "第一部分 测试内容", "Part 1 Test content";
    Part2 => "第二部分 硬件功能测试步骤", "Part 2 Hardware function test procedures";
    PageNo => "第 | 页", "Page |";
    TestSheet => "测试页 | / |", "Test sheet | of |";
    DaysLate => "逾期 | 天", "| days late";
    Step => "步骤", "Step";
    Procedure => "操作及检查内容", "Procedure";
    TestPlan => "测试方案", "Test plan";
    OurEngineers => "乙方测试工程师", "Contractor's engineers";
    ClientEngineers => "甲方测试工程师", "Client's engineers";
    ConditionsConfirmed => "测试条件确认", "Test conditions confirmed";
    ClientSigner => "甲方签字人", "Client's signatory";
    Items => "测试项数", "Items";
    PageColumn => "页码", "Page";
    Signatory => "签字人", "Signatory";
    ElectronicSignature => "电子签名", "signed electronically";
    PlanScope => "第一部分共 | 页 | 项，第二部分共 | 个模块。第一部分每页只有在该页全部测试项目的实际结果与预期结果相符后，方由双方测试工程师在页末签字确认。",
        "Part 1 has | pages and | items; Part 2 has | modules. Each Part 1 page is signed at its foot by both parties' engineers only once every item on it gave the expected result.";
    CertificateText => "依据《|》，甲乙双方测试工程师对|进行了功能测试，测试记录见《功能测试表》（|）。第一部分共 | 页 | 项测试全部通过，各页均经双方签字确认（见下表），测试结论：通过。双方同意系统通过预验收，进入系统初验阶段。",
        "Following the test plan \"|\", both parties' engineers tested |, as recorded in the Functional Test Record (|). All | pages and | items of Part 1 passed and each page was signed by both parties (table below); result: passed. Both parties agree that the system passes pre-acceptance and proceeds to initial acceptance.";
    NotYetRegistered => "尚未登记", "not yet registered";
    // Acceptance
    InitialReport => "系统初验报告", "Initial Acceptance Report";
    InitialMemo => "系统初验备忘录", "Initial Acceptance Memorandum";
    HeldOn => "验收日期", "Held on";
    AcceptancePlace => "验收地点", "Place";
    AcceptanceForm => "验收形式", "Form";
    ClientAttendees => "甲方参加人员", "Client's attendees";
    OurAttendees => "乙方参加人员", "Contractor's attendees";
    ChecksDone => "验收检查情况", "What was checked";
    CheckItem => "检查项目", "Item checked";
    CheckResult => "检查结果", "Result";
    Severity => "严重程度", "Severity";
    Description => "问题描述", "Description";
    ResponsibleParty => "责任方", "Responsible";
    NoOutstanding => "无", "none";
    MemoText => "甲乙双方于 | 在|对|进行了系统初验，验收结论为“|”。双方确认以下事项：", "On |, at |, both parties held the initial acceptance of |; the conclusion: |. Both parties agree as follows:";
    MemoMatters => "备忘事项", "Matters agreed";
    IssuesToFix => "遗留问题及整改期限", "Outstanding issues and deadlines";
    PasswordHandover => "口令移交单", "Password Handover";
    Recipient => "接收人", "Received by";
    HandedOverOn => "移交日期", "Handed over on";
    AcknowledgedOn => "签收日期", "Acknowledged on";
    Target => "设备/系统", "Device or system";
    Category => "类别", "Kind";
    LoginAddress => "地址", "Address";
    Account => "账号", "Account";
    AccountRole => "权限/角色", "Role";
    NoPasswordsHere => "本单列明移交的设备和系统账号；口令已通过一次性链接单独移交，不在本单中。甲方签收后应及时修改口令并妥善保管。", "This form lists the accounts handed over; their passwords were handed over separately through a one-time link and are not on it.";
    HandingOver => "移交单位", "Handed over by";
    TrialRunRecord => "试运行记录", "Trial Run Record";
    IssueList => "遗留问题清单", "Outstanding Issues";
    TrialRunSummary => "试运行总结报告", "Trial Run Summary Report";
    TrialStarted => "试运行开始日期", "Started on";
    TrialEnded => "试运行结束日期", "Ended on";
    TrialPlannedDays => "计划天数", "Days planned";
    TrialDaysRun => "实际运行天数", "Days run";
    LoggedDays => "有运行日志的天数", "Days logged";
    FaultCount => "故障次数", "Faults";
    DowntimeMinutes => "停机（分钟）", "Downtime (min)";
    Availability => "系统可用率", "Availability";
    IssuesOpened => "遗留问题总数", "Issues recorded";
    IssuesClosed => "已关闭（含甲方同意暂缓）", "Closed or deferred";
    IssuesStillOpen => "未关闭", "Still open";
    TrialConclusion => "试运行结论", "Conclusion";
    RunLog => "运行日志", "Run log";
    LogParty => "记录方", "Side";
    RunStateLabel => "运行状态", "State";
    RunEvents => "运行情况", "Events";
    WrittenBy => "记录人", "Written by";
    Faults => "故障及处理", "Faults and fixes";
    OccurredAt => "发生时间", "Occurred";
    FaultSymptom => "故障现象", "Symptom";
    ReportedBy => "报告人", "Reported by";
    FaultFix => "处理方法", "Fix";
    RestoredAt => "恢复时间", "Restored";
    IssueSource => "来源", "Found at";
    Resolution => "处理结果", "Resolution";
    ClientConfirmed => "甲方确认", "Client confirmed";
    // Training
    TrainingSheet => "现场培训单", "On-site Training Attendance";
    TrainingAssessment => "培训考核记录", "Training Assessment Record";
    TrainingPeriod => "培训时间", "Training period";
    TrainingPlace => "培训地点", "Place";
    Trainers => "培训讲师", "Trainers";
    PassMark => "合格分数", "Pass mark";
    PassMarkValue => "|分（笔试、实操均须达到）", "| (written and practical alike)";
    TrainingContent => "培训内容", "Content";
    TrainingMaterials => "培训资料", "Materials";
    MaterialsHandedOn => "资料发放日期", "Materials handed out on";
    LateStart => "推迟开始的原因", "Why it started late";
    SessionHeading => "第|次培训：|（|；讲师 |，地点 |）", "Session |: | (|; trainers |, at |)";
    RemedialSession => "强化培训", "remedial";
    SessionTopic => "培训主题", "Topic";
    Department => "单位/部门", "Department";
    TraineeKindLabel => "人员类别", "Trainee";
    SignIn => "签到", "Signature";
    SignInMethod => "签到方式", "Signed";
    SignInNote => "平板签到者的姓名与时间已由系统记录；纸质签到者在本栏亲笔签名。", "Tablet sign-ins print the name and time recorded; the others sign here by hand.";
    TraineeCount => "受训人数", "Trainees";
    TrainingCompleted => "全部合格日期", "All passed on";
    DaysAttended => "出勤天数", "Days attended";
    Attempt => "考核次数", "Attempt";
    AssessedOn => "考核日期", "Assessed on";
    WrittenScore => "笔试成绩", "Written";
    PracticalScore => "实操成绩", "Practical";
    AssessmentResult => "考核结果", "Result";
    RemedialDue => "强化培训及复考期限", "Remedial by";
    Examiner => "考核人", "Examiner";
    NotYetAssessed => "尚未考核", "Not yet assessed";
    // Final acceptance
    FinalReport => "终验报告", "Final Acceptance Report";
    BeforeFinal => "试运行、培训与文档移交情况", "Trial run, training and documents";
    TrialRun => "试运行", "Trial run";
    Training => "人员培训", "Training";
    LeftoverIssues => "遗留问题", "Leftover issues";
    DocumentsHandedOver => "文档移交", "Documents";
    TrialRunFacts => "| 至 |，运行 | 天，故障 | 次，系统可用率 |", "| to |: | days, | faults, availability |";
    TrainingFacts => "受训人员 | 人全部考核合格（|）", "all | trainees passed (|)";
    IssuesFacts => "遗留问题 | 项，均已关闭或经甲方书面同意暂缓", "| leftover issues, all closed or deferred by the client in writing";
    HandoverFacts => "| 项技术文档共 | 份，甲方于 | 签收", "| documents, | copies, received by the client on |";
    DeliveryText => "经双方验收，系统于 | 交付使用；质保期自 | 起计算。", "The system was delivered on |; the warranty runs from |.";
    DeliveryPending => "双方签字后，系统即交付使用，质保期自合同约定的交付日期起计算。", "Once both parties sign, the system is delivered; the warranty runs from the contractual delivery date.";
    // Project summary
    ProjectSummary => "工程总结报告", "Project Summary Report";
    DeliveredOn => "交付日期", "Delivered on";
    WarrantyFrom => "质保期起始", "Warranty from";
    SummarySchedule => "一、工程进度：计划与实际", "1. Schedule: planned and actual";
    ChartCaption => "图：各阶段、各任务的计划完成日（灰）与实际完成日（蓝；延误为红），横轴为合同签订后的天数，行号同下表。", "Planned (grey) and actual (blue; red when late) completion, in days after the contract's signing; rows numbered as in the table.";
    PhaseOrTask => "阶段/任务", "Phase or task";
    PlannedOn => "计划完成", "Planned";
    MovedTo => "调整后", "Moved to";
    ActualOn => "实际完成", "Actual";
    Deviation => "偏差（天）", "Days";
    DeadlinesMoved => "期限调整及原因", "Deadlines moved";
    SummaryQuality => "二、工程质量与实施情况", "2. Quality";
    EquipmentDifferences => "合同清单与订购单差异 | 项，均已按设备变更通知单处理", "| differences between the contract list and the purchase order, settled by change notice";
    SummaryEvaluation => "三、双方评价", "3. Both parties' evaluation";
    EvaluationItem => "评价项目", "Criterion";
    OurEvaluator => "乙方评价人", "Evaluated for the contractor by";
    ClientEvaluator => "甲方评价人", "Evaluated for the client by";
    OurComments => "乙方意见", "Contractor's comments";
    ClientComments => "甲方意见", "Client's comments";
    // Document handover
    DocumentHandover => "技术文档交付备忘录", "Technical Documents Handover";
    DocumentHandoverText => "|向|移交下列工程技术文档（移交清单）。接收方已核对文档名称、编号、版本、页数和份数，确认无误后签收。", "| hands the following technical documents over to |. The recipient has checked each document's name, number, version, pages and copies.";
    CopiesInAll => "移交份数合计", "Copies in all";
    DocumentName => "文档名称", "Document";
    IssuedOn => "登记日期", "Issued on";
    Pages => "页数", "Pages";
    Copies => "份数", "Copies";
    CopiesRegistered => "以上每一份文档均已登记在文档发放登记中；遗失应立即报告（保密条例）。", "Every copy above is entered in the distribution register; a lost copy is reported at once.";
}

impl Label {
    /// A test stage's name.
    pub fn stage(stage: crate::domain::types::Stage) -> Label {
        use crate::domain::types::Stage;
        match stage {
            Stage::Line => Label::LineTests,
            Stage::Device => Label::DeviceTests,
            Stage::Network => Label::NetworkTests,
            Stage::System => Label::SystemTests,
        }
    }

    /// Fills the `|` placeholders of a label in order.
    pub fn fill(self, lang: Lang, values: &[&str]) -> String {
        let mut out = String::new();
        for (i, part) in self.text(lang).split('|').enumerate() {
            if i > 0 {
                out.push_str(values.get(i - 1).copied().unwrap_or_default());
            }
            out.push_str(part);
        }
        out
    }

    /// "第 X 页 共 Y 页" split around the two page fields.
    pub fn page_parts(self, lang: Lang) -> (&'static str, &'static str, &'static str) {
        let mut parts = self.text(lang).splitn(3, '|');
        let before = parts.next().unwrap_or_default();
        let middle = parts.next().unwrap_or_default();
        let after = parts.next().unwrap_or_default();
        (before, middle, after)
    }
}

/// A quantity as people write it: 30, not 30.0; two decimals when it has a fraction. Also the
/// pages' `num` filter.
pub fn number(n: Option<f64>) -> String {
    match n {
        None => String::new(),
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
        Some(v) => format!("{v:.2}"),
    }
}
