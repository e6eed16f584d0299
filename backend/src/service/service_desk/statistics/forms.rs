//! The month's figures as the 维护统计汇总表 (Word, for the general manager's signature and
//! quality's archive) and as a workbook for those who go on in Excel.
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::{Approval, Group, Line, MonthStatistics};
use crate::documents::{Block, Column, Form, Meta, Party, Row};
use crate::domain::statistics::{Counts, Rate, TARGET_PER_MILLE, one_decimal};

/// The table's columns: where, what, and the month's figures.
const COLUMNS: [(&str, u32); 13] = [
    ("区域", 6),
    ("类别", 8),
    ("工程名称", 13),
    ("维修故障", 5),
    ("维修次数", 5),
    ("次/故障", 5),
    ("响应达标", 6),
    ("平均响应（分）", 6),
    ("修复达标", 6),
    ("平均修复（时）", 6),
    ("使用备件", 5),
    ("巡检（完成/应）", 6),
    ("回访（不满意/答复）", 7),
];

fn kept(measured: u64, broken: u64) -> String {
    if measured == 0 {
        "—".into()
    } else {
        format!("{}/{}", measured - broken.min(measured), measured)
    }
}

/// The figures of one row, after its region, category and name.
fn figures(c: &Counts) -> Vec<String> {
    vec![
        c.faults.to_string(),
        c.site_visits.to_string(),
        one_decimal(c.visits_per_fault()),
        kept(c.responses, c.responses_broken),
        one_decimal(c.mean_response_minutes()),
        kept(c.repairs, c.repairs_broken),
        one_decimal(c.mean_repair_hours()),
        c.spares_used.to_string(),
        format!("{}/{}", c.patrols_done, c.patrols_due),
        format!("{}/{}", c.visits_unsatisfied, c.visits_answered),
    ]
}

fn line_row(l: &Line) -> Vec<String> {
    let mut cells = vec![l.region.clone(), l.category_label.clone(), l.project_name.clone()];
    cells.extend(figures(&l.counts));
    cells
}

fn sum_row(label: &str, c: &Counts) -> Vec<String> {
    let mut cells = vec![label.to_string(), String::new(), String::new()];
    cells.extend(figures(c));
    cells
}

/// The three targets, each with what it counts over what.
pub fn rates(c: &Counts) -> [(&'static str, &'static str, &'static str, Rate); 3] {
    [
        ("服务投诉率", "投诉", "服务事件（报修＋应巡检）", c.complaint_rate()),
        (
            "服务遗漏率",
            "遗漏（响应超时＋遗漏巡检）",
            "服务事件（报修＋应巡检）",
            c.omission_rate(),
        ),
        ("服务不满意率", "不满意回访", "答复的回访", c.unsatisfied_rate()),
    ]
}

fn verdict(r: &Rate) -> &'static str {
    match (r.per_mille, r.above_target) {
        (None, _) => "无数据",
        (Some(_), true) => "超标",
        (Some(_), false) => "达标",
    }
}

/// The 维护统计汇总表 of a month: per region, category and project, subtotals by region, the
/// total, the three rates against their targets, and the general manager's and quality's blocks
/// (printed as signed when approved and archived in the app).
pub fn monthly_form(s: &MonthStatistics, approval: Option<&Approval>, company: &str) -> Form {
    let mut rows = Vec::new();
    for region in &s.by_region {
        rows.push(Row::Span(region.label.clone()));
        rows.extend(
            s.lines
                .iter()
                .filter(|l| l.region == region.key)
                .map(|l| Row::Cells(line_row(l))),
        );
        rows.push(Row::Cells(sum_row(&format!("{} 小计", region.label), &region.counts)));
    }
    rows.push(Row::Cells(sum_row("合计", &s.total)));
    let mut blocks = vec![Block::Fields(vec![
        ("统计月份".into(), s.month.label_zh()),
        ("统计单位".into(), company.to_string()),
        ("服务事件".into(), s.total.service_events().to_string()),
        ("统计范围".into(), scope(s)),
    ])];
    blocks.push(Block::Heading("服务质量目标（均应小于 1‰）".into()));
    blocks.push(rates_table(&s.total));
    blocks.push(Block::Heading("各工程维护统计".into()));
    blocks.push(Block::Table {
        columns: COLUMNS
            .iter()
            .enumerate()
            .map(|(i, (label, weight))| {
                let c = Column::new(*label, *weight);
                if i >= 3 { c.figures() } else { c }
            })
            .collect(),
        rows: if s.lines.is_empty() {
            vec![Row::Span("本月无报修、巡检或回访".into())]
        } else {
            rows
        },
    });
    blocks.push(Block::Heading("按类别".into()));
    blocks.push(group_table("类别", &s.by_category, &s.total));
    blocks.push(Block::Paragraph(format!(
        "说明：服务事件为本月受理的报修与应进行的定时巡检；遗漏为响应超时的报修与月底前未完成的巡检；不满意回访为任一项评价为“不满意”的回访。比率达到 {TARGET_PER_MILLE}‰ 即为超标。"
    )));
    let signed = |by: Option<&String>, at: Option<chrono::DateTime<chrono::Utc>>| {
        (by.cloned(), at.map(|a| a.format("%Y-%m-%d").to_string()))
    };
    let (approved_by, approved_on) = signed(
        approval.and_then(|a| a.approved_by.as_ref()),
        approval.and_then(|a| a.approved_at),
    );
    let (archived_by, archived_on) = signed(
        approval.and_then(|a| a.archived_by.as_ref()),
        approval.and_then(|a| a.archived_at),
    );
    blocks.push(Block::Signatures(vec![
        party("制表（售后服务部）", None, None),
        party("总经理审阅", approved_by, approved_on),
        party("质检部监督归档", archived_by, archived_on),
    ]));
    Form {
        meta: Meta {
            title: "维护统计汇总表".into(),
            number: Some(format!("WHTJ-{}", s.month)),
            version: 1,
            verify_code: None,
            landscape: true,
            draft: approval.is_none(),
            made_at: Some(s.as_of),
            dated: Some(s.month.last_day().to_string()),
        },
        blocks,
        pictures: Default::default(),
    }
}

/// A block signed in the app (who and on which day), printed as such.
fn party(side: &str, signed_by: Option<String>, signed_on: Option<String>) -> Party {
    Party {
        side: side.into(),
        name: String::new(),
        signed_by,
        signed_on,
        seal: false,
        details: Vec::new(),
        verify_code: None,
    }
}

fn scope(s: &MonthStatistics) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &s.filter.region {
        parts.push(format!("区域 {r}"));
    }
    if let Some(c) = &s.filter.category {
        parts.push(format!("类别 {}", super::category_label(c)));
    }
    if parts.is_empty() {
        "全部工程".into()
    } else {
        parts.join("，")
    }
}

fn group_table(label: &str, groups: &[Group], total: &Counts) -> Block {
    let mut columns = vec![Column::new(label, 10)];
    columns.extend(COLUMNS[3..].iter().map(|(l, w)| Column::new(*l, *w).figures()));
    let row = |name: &str, c: &Counts| {
        let mut cells = vec![name.to_string()];
        cells.extend(figures(c));
        Row::Cells(cells)
    };
    let mut rows: Vec<Row> = groups.iter().map(|g| row(&g.label, &g.counts)).collect();
    rows.push(row("合计", total));
    Block::Table { columns, rows }
}

fn rates_table(c: &Counts) -> Block {
    Block::Table {
        columns: vec![
            Column::new("指标", 8),
            Column::new("分子", 12),
            Column::new("数", 4).figures(),
            Column::new("分母", 12),
            Column::new("数", 4).figures(),
            Column::new("比率", 6).figures(),
            Column::new("结论", 5),
        ],
        rows: rates(c)
            .into_iter()
            .map(|(name, num, den, r)| {
                Row::Cells(vec![
                    name.into(),
                    num.into(),
                    r.numerator.to_string(),
                    den.into(),
                    r.denominator.to_string(),
                    r.text(),
                    verdict(&r).into(),
                ])
            })
            .collect(),
    }
}

/// The month's figures as a workbook: the table, by region, by category, the rates and the
/// twelve months' trend, each on its sheet with figures as numbers.
pub fn workbook(s: &MonthStatistics) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let decimal = Format::new().set_num_format("0.0");
    let heads: Vec<&str> = [
        "区域",
        "类别",
        "工程编号",
        "工程名称",
        "维修故障",
        "维修次数",
        "次/故障",
        "响应（计）",
        "响应超时",
        "平均响应（分）",
        "修复（计）",
        "修复超时",
        "平均修复（时）",
        "使用备件",
        "应巡检",
        "完成巡检",
        "遗漏巡检",
        "答复回访",
        "不满意回访",
        "投诉",
    ]
    .into();
    let numbers = |ws: &mut Worksheet, row: u32, first: u16, c: &Counts| -> Result<(), XlsxError> {
        ws.write_number(row, first, c.faults as f64)?;
        ws.write_number(row, first + 1, c.site_visits as f64)?;
        optional(ws, row, first + 2, c.visits_per_fault(), &decimal)?;
        ws.write_number(row, first + 3, c.responses as f64)?;
        ws.write_number(row, first + 4, c.responses_broken as f64)?;
        optional(ws, row, first + 5, c.mean_response_minutes(), &decimal)?;
        ws.write_number(row, first + 6, c.repairs as f64)?;
        ws.write_number(row, first + 7, c.repairs_broken as f64)?;
        optional(ws, row, first + 8, c.mean_repair_hours(), &decimal)?;
        ws.write_number(row, first + 9, c.spares_used as f64)?;
        ws.write_number(row, first + 10, c.patrols_due as f64)?;
        ws.write_number(row, first + 11, c.patrols_done as f64)?;
        ws.write_number(row, first + 12, c.patrols_missed as f64)?;
        ws.write_number(row, first + 13, c.visits_answered as f64)?;
        ws.write_number(row, first + 14, c.visits_unsatisfied as f64)?;
        ws.write_number(row, first + 15, c.complaints as f64)?;
        Ok(())
    };

    let ws = wb.add_worksheet();
    ws.set_name("维护统计汇总表")?;
    ws.write_string_with_format(0, 0, format!("维护统计汇总表 {}", s.month.label_zh()), &bold)?;
    for (i, h) in heads.iter().enumerate() {
        ws.write_string_with_format(2, i as u16, *h, &bold)?;
    }
    let mut row = 3;
    for l in &s.lines {
        ws.write_string(row, 0, &l.region)?;
        ws.write_string(row, 1, &l.category_label)?;
        ws.write_string(row, 2, &l.project_code)?;
        ws.write_string(row, 3, &l.project_name)?;
        numbers(ws, row, 4, &l.counts)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, "合计", &bold)?;
    numbers(ws, row, 4, &s.total)?;
    ws.set_column_width(3, 28)?;
    ws.set_freeze_panes(3, 0)?;

    for (name, label, groups) in [("按区域", "区域", &s.by_region), ("按类别", "类别", &s.by_category)] {
        let ws = wb.add_worksheet();
        ws.set_name(name)?;
        ws.write_string_with_format(0, 0, label, &bold)?;
        for (i, h) in heads[4..].iter().enumerate() {
            ws.write_string_with_format(0, 1 + i as u16, *h, &bold)?;
        }
        let mut row = 1;
        for g in groups.iter() {
            ws.write_string(row, 0, &g.label)?;
            numbers(ws, row, 1, &g.counts)?;
            row += 1;
        }
        ws.write_string_with_format(row, 0, "合计", &bold)?;
        numbers(ws, row, 1, &s.total)?;
    }

    let ws = wb.add_worksheet();
    ws.set_name("三项指标")?;
    for (i, h) in ["指标", "分子", "数", "分母", "数", "比率（‰）", "目标（‰）", "结论"]
        .iter()
        .enumerate()
    {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (i, (name, num, den, r)) in rates(&s.total).into_iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string(row, 0, name)?;
        ws.write_string(row, 1, num)?;
        ws.write_number(row, 2, r.numerator as f64)?;
        ws.write_string(row, 3, den)?;
        ws.write_number(row, 4, r.denominator as f64)?;
        if let Some(v) = r.per_mille {
            ws.write_number(row, 5, v)?;
        }
        ws.write_number(row, 6, TARGET_PER_MILLE)?;
        ws.write_string(row, 7, verdict(&r))?;
    }
    ws.set_column_width(1, 26)?;
    ws.set_column_width(3, 26)?;

    let ws = wb.add_worksheet();
    ws.set_name("趋势")?;
    for (i, h) in [
        "月份",
        "服务事件",
        "投诉率（‰）",
        "遗漏率（‰）",
        "不满意率（‰）",
        "维修故障",
        "响应达标（%）",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, i as u16, *h, &bold)?;
    }
    for (i, g) in s.trend.iter().enumerate() {
        let row = 1 + i as u32;
        let c = &g.counts;
        ws.write_string(row, 0, &g.key)?;
        ws.write_number(row, 1, c.service_events() as f64)?;
        for (col, r) in [
            (2, c.complaint_rate()),
            (3, c.omission_rate()),
            (4, c.unsatisfied_rate()),
        ] {
            if let Some(v) = r.per_mille {
                ws.write_number(row, col, v)?;
            }
        }
        ws.write_number(row, 5, c.faults as f64)?;
        optional(ws, row, 6, c.response_kept_percent(), &decimal)?;
    }
    wb.save_to_buffer()
}

fn optional(ws: &mut Worksheet, row: u32, col: u16, v: Option<f64>, format: &Format) -> Result<(), XlsxError> {
    if let Some(v) = v {
        ws.write_number_with_format(row, col, v, format)?;
    }
    Ok(())
}

/// The PM's 维护总结汇报表 of a month: the project's figures, its faults by cause, what failed
/// again, every fault with its cause and remedy, the PM's analysis and measures, and the PM's
/// and quality's blocks (printed as signed when submitted and archived in the app).
pub fn summary_form(s: &super::summary::Summary, company: &str) -> Form {
    let f = &s.figures;
    let c = &f.counts;
    let mut blocks = vec![Block::Fields(vec![
        ("工程名称".into(), f.project_name.clone()),
        ("工程编号".into(), f.project_code.clone()),
        ("区域".into(), f.region.clone()),
        ("总结月份".into(), f.month.label_zh()),
        ("维护单位".into(), company.to_string()),
    ])];
    blocks.push(Block::Heading("一、本月维护概况".into()));
    blocks.push(Block::Table {
        columns: COLUMNS[3..]
            .iter()
            .map(|(l, w)| Column::new(*l, *w).figures())
            .collect(),
        rows: vec![Row::Cells(figures(c))],
    });
    blocks.push(Block::Heading("二、故障原因分类".into()));
    blocks.push(Block::Table {
        columns: vec![
            Column::new("故障类别", 12),
            Column::new("故障数", 5).figures(),
            Column::new("占比", 5).figures(),
        ],
        rows: if f.by_cause.is_empty() {
            vec![Row::Span("本月无报修".into())]
        } else {
            f.by_cause
                .iter()
                .map(|l| Row::Cells(vec![l.label.clone(), l.faults.to_string(), l.share.clone()]))
                .collect()
        },
    });
    blocks.push(Block::Heading("三、重复故障（近三个月同一设备两次及以上）".into()));
    blocks.push(Block::Table {
        columns: vec![
            Column::new("设备", 12),
            Column::new("次数", 4).figures(),
            Column::new("报修单号", 16),
        ],
        rows: if f.recurring.is_empty() {
            vec![Row::Span("无".into())]
        } else {
            f.recurring
                .iter()
                .map(|r| Row::Cells(vec![r.what.clone(), r.faults.to_string(), r.numbers.join("、")]))
                .collect()
        },
    });
    blocks.push(Block::Heading("四、本月故障明细".into()));
    blocks.push(Block::Table {
        columns: vec![
            Column::new("报修单号", 8),
            Column::new("报修时间", 7),
            Column::new("设备及现象", 12),
            Column::new("故障类别", 7),
            Column::new("故障原因及排除方法", 16),
            Column::new("到场", 4).figures(),
        ],
        rows: if f.faults.is_empty() {
            vec![Row::Span("本月无报修".into())]
        } else {
            f.faults
                .iter()
                .map(|t| {
                    let what = if t.device.is_empty() {
                        t.symptom.clone()
                    } else {
                        format!("{}：{}", t.device, t.symptom)
                    };
                    let how = match (t.cause.is_empty(), t.remedy.is_empty()) {
                        (true, true) => "未填上门服务单".to_string(),
                        _ => format!("{}；{}", t.cause, t.remedy),
                    };
                    Row::Cells(vec![
                        t.number.clone(),
                        t.reported_local.clone(),
                        what,
                        t.cause_label.clone(),
                        how,
                        t.site_visits.to_string(),
                    ])
                })
                .collect()
        },
    });
    let written = |v: &Option<String>| v.clone().unwrap_or_else(|| "（未填写）".into());
    blocks.push(Block::Heading("五、事故多发原因分析".into()));
    blocks.push(Block::Paragraph(written(&s.analysis)));
    blocks.push(Block::Heading("六、处理方法与改进措施".into()));
    blocks.push(Block::Paragraph(written(&s.measures)));
    let day = |at: Option<chrono::DateTime<chrono::Utc>>| at.map(|a| a.format("%Y-%m-%d").to_string());
    blocks.push(Block::Signatures(vec![
        party("项目主管", s.submitted_by.clone(), day(s.submitted_at)),
        party("质检部监督归档", s.archived_by.clone(), day(s.archived_at)),
    ]));
    Form {
        meta: Meta {
            title: "维护总结汇报表".into(),
            number: Some(format!("WHZJ-{}-{}", f.project_code, f.month)),
            version: 1,
            verify_code: None,
            landscape: false,
            draft: s.submitted_at.is_none(),
            made_at: s.submitted_at,
            dated: Some(f.month.last_day().to_string()),
        },
        blocks,
        pictures: Default::default(),
    }
}
