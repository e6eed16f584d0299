//! Functional test plans (功能测试方案): the templates they are made from, how Part 1 is laid out
//! in pages, when a page may be signed, and the canonical content a signature covers.
use serde::{Deserialize, Serialize};

pub use super::types::Stage;
use super::types::SystemType;

/// A Part 2 module: a numbered procedure Part 1 items refer to.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Module {
    pub code: String,
    pub title: String,
    pub steps: Vec<String>,
}

/// A Part 1 item as a template writes it.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateItem {
    pub stage: String,
    /// Within 设备测试: 外观, 配置 or 功能.
    pub aspect: Option<String>,
    pub name: String,
    pub module: Option<String>,
    pub expected: String,
}

/// A test-plan template under templates/test-plans/.
#[derive(Debug, Clone, Deserialize)]
pub struct TestPlanTemplate {
    pub code: String,
    pub name: String,
    pub system_type: String,
    /// Items on one printed page of Part 1 (each page ends with both parties' signatures).
    #[serde(default = "default_items_per_page")]
    pub items_per_page: usize,
    #[serde(default)]
    pub modules: Vec<Module>,
    pub items: Vec<TemplateItem>,
}

fn default_items_per_page() -> usize {
    DEFAULT_ITEMS_PER_PAGE
}

pub const DEFAULT_ITEMS_PER_PAGE: usize = 6;
/// More rows than this do not fit one landscape page with its signature block.
pub const MAX_ITEMS_PER_PAGE: usize = 8;

impl TestPlanTemplate {
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let t: Self = toml::from_str(text)?;
        t.validate()?;
        Ok(t)
    }

    fn validate(&self) -> anyhow::Result<()> {
        SystemType::parse(&self.system_type).map_err(|e| anyhow::anyhow!("{e}"))?;
        anyhow::ensure!(!self.items.is_empty(), "a test plan needs items");
        anyhow::ensure!(
            (1..=MAX_ITEMS_PER_PAGE).contains(&self.items_per_page),
            "items_per_page must be 1 to {MAX_ITEMS_PER_PAGE}"
        );
        for (n, item) in self.items.iter().enumerate() {
            Stage::parse(&item.stage).map_err(|e| anyhow::anyhow!("item {}: {e}", n + 1))?;
            if let Some(m) = &item.module {
                anyhow::ensure!(
                    self.modules.iter().any(|x| &x.code == m),
                    "item {} '{}' refers to module {m}, which the template does not define",
                    n + 1,
                    item.name
                );
            }
        }
        let mut codes: Vec<&str> = self.modules.iter().map(|m| m.code.as_str()).collect();
        codes.sort_unstable();
        anyhow::ensure!(codes.windows(2).all(|w| w[0] != w[1]), "module codes must be unique");
        Ok(())
    }
}

/// Part 1's printed columns, as shares of a landscape A4 page's text width: 编号, 测试阶段, 测试项目,
/// 参照, 预期结果, 实际结果, 结论, 说明, 备注. The form lays the table out with these and the page
/// budget below is estimated from them, so what fits here fits on paper.
pub const PART1_WEIGHTS: [u32; 9] = [4, 5, 10, 3, 16, 14, 3, 8, 9];

/// Text lines (9 pt, the East Asian font's line height) a Part 1 page holds for its item rows
/// between the page heading and both parties' signature block, with a margin for safety.
pub const PAGE_LINES: usize = 16;

/// A row is planned at no less than this many lines: results are usually added after pagination.
const PLANNED_ROW_LINES: usize = 2;

/// Text width of a landscape A4 page with 2 cm margins, and what a table cell loses to padding,
/// in twips; an East Asian character at 9 pt is 180 twips wide, a Latin one about half.
const TEXT_WIDTH: u32 = 14_570;
const CELL_PADDING: u32 = 216;
const WIDE_CHAR: u32 = 180;

/// Printed lines of one Part 1 row: its tallest cell, each cell's text wrapped at its column's width.
pub fn row_lines(cells: &[String]) -> usize {
    let total: u32 = PART1_WEIGHTS.iter().sum();
    cells
        .iter()
        .zip(PART1_WEIGHTS)
        .map(|(text, weight)| {
            let room = (TEXT_WIDTH * weight / total)
                .saturating_sub(CELL_PADDING)
                .max(WIDE_CHAR)
                * 2;
            text.split('\n')
                .map(|line| {
                    let width: u32 = line
                        .chars()
                        .map(|c| if c.is_ascii() { WIDE_CHAR } else { 2 * WIDE_CHAR })
                        .sum();
                    width.div_ceil(room).max(1) as usize
                })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(1)
}

/// Page numbers for items in order: a new page at every stage change, whenever a page holds
/// `per_page` items, and before a row that would not fit the page's lines. Each item is its
/// stage and its printed lines ([`row_lines`]).
pub fn paginate(items: &[(Stage, usize)], per_page: usize) -> Vec<i32> {
    let per_page = per_page.clamp(1, MAX_ITEMS_PER_PAGE);
    let mut pages = Vec::with_capacity(items.len());
    let (mut page, mut on_page, mut lines) = (0, 0, 0);
    let mut last: Option<Stage> = None;
    for &(stage, row) in items {
        let row = row.max(PLANNED_ROW_LINES);
        if last != Some(stage) || on_page == per_page || lines + row > PAGE_LINES {
            page += 1;
            on_page = 0;
            lines = 0;
        }
        on_page += 1;
        lines += row;
        last = Some(stage);
        pages.push(page);
    }
    pages
}

/// What an item needs before its page can be signed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Blocker {
    pub number: String,
    pub name: String,
    pub reason: &'static str,
}

/// The facts of an item that decide whether its page can be signed.
pub struct ItemState<'a> {
    pub number: &'a str,
    pub name: &'a str,
    pub actual: Option<&'a str>,
    pub passed: Option<bool>,
}

/// Items that keep a page from being signed: no actual result yet, or not passed.
pub fn blockers(items: &[ItemState<'_>]) -> Vec<Blocker> {
    items
        .iter()
        .filter_map(|i| {
            let reason = match (i.actual.map(str::trim).filter(|a| !a.is_empty()), i.passed) {
                (None, _) => "no actual result recorded",
                (Some(_), None) => "no pass/fail recorded",
                (Some(_), Some(false)) => "failed",
                (Some(_), Some(true)) => return None,
            };
            Some(Blocker {
                number: i.number.to_string(),
                name: i.name.to_string(),
                reason,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_break_at_each_stage_and_when_full() {
        use Stage::*;
        let stages = [Line, Line, Line, Device, Device, Device, Device, Network].map(|s| (s, 1));
        assert_eq!(paginate(&stages, 2), [1, 1, 2, 3, 3, 4, 4, 5]);
        assert_eq!(paginate(&stages, 6), [1, 1, 1, 2, 2, 2, 2, 3]);
    }

    #[test]
    fn a_page_breaks_before_a_row_that_would_not_fit_its_lines() {
        use Stage::*;
        let stages = [(Line, 8), (Line, 8), (Line, 8), (Line, 2)];
        assert_eq!(paginate(&stages, 8), [1, 1, 2, 2]);
    }

    #[test]
    fn a_row_is_as_tall_as_its_longest_wrapped_cell() {
        let mut cells = vec![String::new(); 9];
        assert_eq!(row_lines(&cells), 1);
        cells[4] = "全".repeat(17);
        assert_eq!(row_lines(&cells), 2, "预期结果 holds 16 wide characters a line");
        cells[4] = "a".repeat(34);
        assert_eq!(row_lines(&cells), 2, "Latin letters are half as wide");
        cells[1] = "设备测试\n（外观）".into();
        cells[4] = String::new();
        assert_eq!(row_lines(&cells), 2, "a line break starts a line");
    }

    #[test]
    fn a_page_is_blocked_by_missing_and_failed_results() {
        let items = [
            ItemState {
                number: "1",
                name: "a",
                actual: Some("ok"),
                passed: Some(true),
            },
            ItemState {
                number: "2",
                name: "b",
                actual: Some(" "),
                passed: Some(true),
            },
            ItemState {
                number: "3",
                name: "c",
                actual: Some("丢包 5 个"),
                passed: Some(false),
            },
        ];
        let b = blockers(&items);
        assert_eq!(
            b.iter().map(|b| (b.number.as_str(), b.reason)).collect::<Vec<_>>(),
            [("2", "no actual result recorded"), ("3", "failed")]
        );
    }

    #[test]
    fn a_template_must_define_the_modules_its_items_name() {
        let text = r#"
code = "x"
name = "x"
system_type = "digital_courtroom"
[[items]]
stage = "line"
name = "a"
module = "M9"
expected = "b"
"#;
        let e = TestPlanTemplate::from_toml(text).expect_err("refused");
        assert!(e.to_string().contains("M9"), "{e}");
    }
}
