//! Functional test plans (功能测试方案): the templates they are made from, how Part 1 is laid out
//! in pages, when a page may be signed, and the canonical content a signature covers.
use serde::{Deserialize, Serialize};

pub use super::types::Stage;
use super::types::SystemType;

impl Stage {
    pub fn label_zh(self) -> &'static str {
        match self {
            Stage::Line => "线路测试",
            Stage::Device => "设备测试",
            Stage::Network => "网络测试",
            Stage::System => "系统测试",
        }
    }

    pub fn order(self) -> u8 {
        match self {
            Stage::Line => 1,
            Stage::Device => 2,
            Stage::Network => 3,
            Stage::System => 4,
        }
    }
}

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

/// Page numbers for items in order: a new page at every stage change and whenever a page is full.
pub fn paginate(stages: &[Stage], per_page: usize) -> Vec<i32> {
    let per_page = per_page.clamp(1, MAX_ITEMS_PER_PAGE);
    let mut pages = Vec::with_capacity(stages.len());
    let (mut page, mut on_page) = (0, 0);
    let mut last: Option<Stage> = None;
    for &stage in stages {
        if last != Some(stage) || on_page == per_page {
            page += 1;
            on_page = 0;
        }
        on_page += 1;
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
        let stages = [Line, Line, Line, Device, Device, Device, Device, Network];
        assert_eq!(paginate(&stages, 2), [1, 1, 2, 3, 3, 4, 4, 5]);
        assert_eq!(paginate(&stages, 6), [1, 1, 1, 2, 2, 2, 2, 3]);
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
