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
    VerifyCode => "验证码", "Verification code";
    Draft => "草稿", "DRAFT";
    PageOf => "第 | 页 共 | 页", "Page | of |";
    Signature => "签字", "Signature";
    Date => "日期", "Date";
    Seal => "盖章", "Seal";
    PartyA => "甲方", "Client";
    PartyB => "乙方", "Contractor";
    Receiver => "接收人", "Received by";
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
    Witness => "甲方见证人", "Client witness";
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
}

impl Label {
    /// "第 X 页 共 Y 页" split around the two page fields.
    pub fn page_parts(self, lang: Lang) -> (&'static str, &'static str, &'static str) {
        let mut parts = self.text(lang).splitn(3, '|');
        let before = parts.next().unwrap_or_default();
        let middle = parts.next().unwrap_or_default();
        let after = parts.next().unwrap_or_default();
        (before, middle, after)
    }
}
