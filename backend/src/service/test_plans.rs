//! Functional test plans (功能测试方案): made from templates, edited, results recorded item by item,
//! each Part 1 page signed by both parties once every item on it passed, and the 预验收证书.
//! A signature covers the SHA-256 of its page's canonical content; any change that would alter a
//! signed page is refused until its signatures are voided with a reason.
use super::access::{Granted, MayManage, MayRead, MayRecordWork};
use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{project, signature, signing_request, test_item, test_plan, test_procedure};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;

use super::{
    Actor,
    access::WorkAccess,
    audit::project_event as event,
    auth::sha256_hex,
    milestones::{self, Milestone},
    projects::timezone_of,
    signing::{self, Evidence, Signable, Signed, signed_minute, signed_text},
};
use crate::{
    db::begin_write,
    documents::{
        Label, Lang,
        forms::{
            CERTIFICATE_COLUMNS, CertificateData, ModuleData, PART1_COLUMNS, SignedBy, TestPageData, TestPlanData,
        },
    },
    domain::{
        test_plan::{self as rules, Blocker, ItemState, MAX_ITEMS_PER_PAGE, Stage},
        types::{SignParty, SignedDocument},
    },
    error::{AppError, AppResult, RowProblem},
    templates::Templates,
};

/// The page number the 预验收证书 is signed as.
pub const CERTIFICATE: i32 = 0;

/// A test plan with everything on it.
#[derive(Debug, Clone)]
pub struct PlanData {
    pub project: project::Model,
    pub plan: test_plan::Model,
    pub procedures: Vec<test_procedure::Model>,
    /// In page and position order.
    pub items: Vec<test_item::Model>,
    /// Signatures not voided.
    pub signatures: Vec<signature::Model>,
}

/// One Part 1 page as it stands.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    pub number: i32,
    pub items: Vec<(&'a test_item::Model, String)>,
    pub blockers: Vec<Blocker>,
    pub ours: Option<&'a signature::Model>,
    pub client: Option<&'a signature::Model>,
    pub content_sha256: String,
}

impl Page<'_> {
    pub fn label(&self, lang: Lang) -> String {
        page_label(self.number, lang)
    }

    /// The stage its items test (a page never spans two).
    pub fn stage(&self) -> Option<Stage> {
        self.items.first().map(|(i, _)| i.stage)
    }
}

/// "第一部分 测试内容 第 3 页", or the certificate's title for page 0.
pub fn page_label(page: i32, lang: Lang) -> String {
    if page == CERTIFICATE {
        Label::PreAcceptance.text(lang).into()
    } else {
        format!(
            "{} {}",
            Label::Part1.text(lang),
            Label::PageNo.fill(lang, &[&page.to_string()])
        )
    }
}

#[derive(Serialize)]
struct ItemContent<'a> {
    number: &'a str,
    stage: &'a str,
    aspect: &'a str,
    name: &'a str,
    module: &'a str,
    expected: &'a str,
    actual: &'a str,
    passed: Option<bool>,
    note: &'a str,
    remark: &'a str,
}

/// An item's Part 1 row exactly as the document prints it and the signing page shows it.
pub fn printed_row(item: &test_item::Model, number: &str, lang: Lang) -> Vec<String> {
    let stage = Label::stage(item.stage).text(lang);
    let verdict = match item.passed {
        Some(true) => Label::Pass.text(lang),
        Some(false) => Label::Fail.text(lang),
        None => "",
    };
    vec![
        number.into(),
        match &item.aspect {
            Some(aspect) => format!("{stage}\n（{aspect}）"),
            None => stage.into(),
        },
        item.name.clone(),
        item.module.clone().unwrap_or_default(),
        item.expected.clone(),
        item.actual.clone().unwrap_or_default(),
        verdict.into(),
        item.note.clone().unwrap_or_default(),
        item.remark.clone().unwrap_or_default(),
    ]
}

/// Printed lines of an item's row (see [`rules::row_lines`]).
fn item_lines(item: &test_item::Model) -> usize {
    rules::row_lines(&printed_row(item, "", Lang::Zh))
}

impl PlanData {
    /// Pages whose rows no longer fit one printed page, with their lines.
    fn overfull_pages(&self) -> Vec<(i32, usize)> {
        let mut lines: Vec<(i32, usize)> = Vec::new();
        for item in &self.items {
            match lines.last_mut() {
                Some((page, n)) if *page == item.page => *n += item_lines(item),
                _ => lines.push((item.page, item_lines(item))),
            }
        }
        lines.retain(|(_, n)| *n > rules::PAGE_LINES);
        lines
    }

    /// Refuses a layout in which a page would not print on one sheet with its signatures.
    fn fits_printed_pages(&self) -> AppResult<()> {
        match self.overfull_pages().first() {
            None => Ok(()),
            Some((page, n)) => Err(AppError::Conflict(format!(
                "page {page} would need {n} printed lines and one printed page holds {}: shorten the text, move an \
                 item to another page or re-paginate",
                rules::PAGE_LINES
            ))),
        }
    }

    /// Item numbers as printed: stage order and place within the stage ("2.3").
    pub fn numbers(&self) -> HashMap<i32, String> {
        let mut within: HashMap<&str, u32> = HashMap::new();
        self.items
            .iter()
            .map(|i| {
                let n = within.entry(i.stage.as_str()).or_default();
                *n += 1;
                let order = i.stage.order();
                (i.id, format!("{order}.{n}"))
            })
            .collect()
    }

    pub fn page_numbers(&self) -> Vec<i32> {
        let mut pages: Vec<i32> = self.items.iter().map(|i| i.page).collect();
        pages.dedup();
        pages
    }

    /// The canonical content a signature on `page` covers: the project, the plan and every item
    /// on the page with its result, serialised field by field.
    fn content(&self, page: i32, numbers: &HashMap<i32, String>) -> String {
        let items: Vec<ItemContent<'_>> = self
            .items
            .iter()
            .filter(|i| i.page == page)
            .map(|i| ItemContent {
                number: numbers.get(&i.id).map_or("", String::as_str),
                stage: i.stage.as_str(),
                aspect: i.aspect.as_deref().unwrap_or_default(),
                name: &i.name,
                module: i.module.as_deref().unwrap_or_default(),
                expected: &i.expected,
                actual: i.actual.as_deref().unwrap_or_default(),
                passed: i.passed,
                note: i.note.as_deref().unwrap_or_default(),
                remark: i.remark.as_deref().unwrap_or_default(),
            })
            .collect();
        json!({
            "project": self.project.code,
            "plan": self.plan.id,
            "title": self.plan.title,
            "page": page,
            "items": items,
        })
        .to_string()
    }

    pub fn pages(&self) -> Vec<Page<'_>> {
        let numbers = self.numbers();
        self.page_numbers()
            .into_iter()
            .map(|n| {
                let items: Vec<(&test_item::Model, String)> = self
                    .items
                    .iter()
                    .filter(|i| i.page == n)
                    .map(|i| (i, numbers.get(&i.id).cloned().unwrap_or_default()))
                    .collect();
                let states: Vec<ItemState<'_>> = items
                    .iter()
                    .map(|(i, number)| ItemState {
                        number,
                        name: &i.name,
                        actual: i.actual.as_deref(),
                        passed: i.passed,
                    })
                    .collect();
                let blockers = rules::blockers(&states);
                Page {
                    number: n,
                    blockers,
                    ours: self.signature(n, SignParty::Ours),
                    client: self.signature(n, SignParty::Client),
                    content_sha256: sha256_hex(self.content(n, &numbers).as_bytes()),
                    items,
                }
            })
            .collect()
    }

    /// The 预验收证书's table: every Part 1 page, its stage, items and both signatures.
    pub fn certificate_rows(&self, lang: Lang) -> Vec<Vec<String>> {
        self.pages()
            .iter()
            .map(|p| {
                let stage = p.stage().map_or("", |s| Label::stage(s).text(lang));
                vec![
                    Label::PageNo.fill(lang, &[&p.number.to_string()]),
                    stage.into(),
                    p.items.len().to_string(),
                    p.client.map(signed_text).unwrap_or_default(),
                    p.ours.map(signed_text).unwrap_or_default(),
                ]
            })
            .collect()
    }

    /// The 预验收证书's content: the plan and the hash of every page as both parties signed it.
    pub fn certificate_content_sha256(&self) -> String {
        let pages: Vec<(i32, String)> = self.pages().into_iter().map(|p| (p.number, p.content_sha256)).collect();
        let content = json!({
            "project": self.project.code,
            "plan": self.plan.id,
            "title": self.plan.title,
            "certificate": true,
            "pages": pages,
        });
        sha256_hex(content.to_string().as_bytes())
    }

    /// The SHA-256 of what a signature on `page` covers now.
    pub fn content_sha256(&self, page: i32) -> Option<String> {
        if page == CERTIFICATE {
            return self
                .plan
                .certificate_issued_at
                .map(|_| self.certificate_content_sha256());
        }
        self.page_numbers()
            .contains(&page)
            .then(|| sha256_hex(self.content(page, &self.numbers()).as_bytes()))
    }

    /// Pages not yet signed by both parties.
    pub fn unsigned_pages(&self) -> Vec<i32> {
        self.pages()
            .into_iter()
            .filter(|p| p.ours.is_none() || p.client.is_none())
            .map(|p| p.number)
            .collect()
    }

    pub fn conditions_confirmed(&self) -> bool {
        self.plan.our_conditions_at.is_some() && self.plan.client_conditions_at.is_some()
    }
}

/// A test plan signs page by page; page 0 is its 预验收证书.
impl Signed for PlanData {
    fn project(&self) -> &project::Model {
        &self.project
    }

    fn document(&self) -> (SignedDocument, i32) {
        (SignedDocument::TestPlan, self.plan.id)
    }

    fn title(&self) -> String {
        self.plan.title.clone()
    }

    fn part_label(&self, part: i32, lang: Lang) -> String {
        page_label(part, lang)
    }

    fn part_table(&self, part: i32, lang: Lang) -> (Vec<String>, Vec<Vec<String>>) {
        let labels = |columns: &[Label]| columns.iter().map(|l| l.text(lang).to_string()).collect::<Vec<_>>();
        if part == CERTIFICATE {
            return (labels(&CERTIFICATE_COLUMNS), self.certificate_rows(lang));
        }
        let rows = self
            .pages()
            .iter()
            .find(|p| p.number == part)
            .map(|p| p.items.iter().map(|(i, number)| printed_row(i, number, lang)).collect())
            .unwrap_or_default();
        (labels(&PART1_COLUMNS), rows)
    }

    fn part_size(&self, part: i32) -> Option<usize> {
        Some(if part == CERTIFICATE {
            1
        } else {
            self.items.iter().filter(|i| i.page == part).count()
        })
    }

    fn content_sha256(&self, part: i32) -> Option<String> {
        PlanData::content_sha256(self, part)
    }

    fn refuse(&self, page: i32, party: SignParty) -> Option<String> {
        if page == CERTIFICATE {
            if self.plan.certificate_issued_at.is_none() {
                return Some("the 预验收证书 has not been issued".into());
            }
        } else {
            let pages = self.pages();
            let Some(p) = pages.iter().find(|p| p.number == page) else {
                return Some(format!("the plan has no page {page}"));
            };
            if !p.blockers.is_empty() {
                let list: Vec<String> = p
                    .blockers
                    .iter()
                    .map(|b| format!("item {} {} ({})", b.number, b.name, b.reason))
                    .collect();
                return Some(format!("page {page} cannot be signed: {}", list.join("; ")));
            }
        }
        self.signature(page, party).map(|s| {
            format!(
                "{} is already signed for {} by {} on {}",
                if page == CERTIFICATE {
                    "the 预验收证书".to_string()
                } else {
                    format!("page {page}")
                },
                if party == SignParty::Ours { "乙方" } else { "甲方" },
                s.signer_name,
                s.signed_local
            )
        })
    }

    fn signatures(&self) -> &[signature::Model] {
        &self.signatures
    }

    fn audit_subject(&self, part: i32) -> String {
        page_subject(self.plan.id, part)
    }

    fn client_signer(&self) -> (Option<String>, Option<String>) {
        (
            self.plan.client_signer_name.clone(),
            self.plan.client_signer_email.clone(),
        )
    }

    fn statement(&self, client: &str, parts: usize) -> String {
        format!(
            "本人代表 {client} 确认：已审阅以上 {parts} 页的全部测试项，实际结果与预期结果相符，同意在以上各页签字。本电子签字与本人手写签字具有同等效力。"
        )
    }

    fn request_intro(&self) -> String {
        "以下各页的全部测试项均已通过，请您作为甲方签字人审阅并签字：".into()
    }
}

#[tracing::instrument(skip_all)]
pub async fn load(db: &impl ConnectionTrait, project: project::Model, plan_id: i32) -> AppResult<PlanData> {
    let plan = test_plan::Entity::find_by_id(plan_id)
        .filter(test_plan::Column::ProjectId.eq(project.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no test plan {plan_id} in project {}", project.id)))?;
    let procedures = test_procedure::Entity::find()
        .filter(test_procedure::Column::PlanId.eq(plan_id))
        .order_by_asc(test_procedure::Column::Position)
        .all(db)
        .await?;
    let items = test_item::Entity::find()
        .filter(test_item::Column::PlanId.eq(plan_id))
        .order_by_asc(test_item::Column::Page)
        .order_by_asc(test_item::Column::Position)
        .order_by_asc(test_item::Column::Id)
        .all(db)
        .await?;
    let signatures = signing::signatures_of(db, SignedDocument::TestPlan, plan_id).await?;
    Ok(PlanData {
        project,
        plan,
        procedures,
        items,
        signatures,
    })
}

/// Every plan of the project as its Word records print it.
#[tracing::instrument(skip_all)]
pub async fn records(db: &impl ConnectionTrait, project: &project::Model, lang: Lang) -> AppResult<Vec<TestPlanData>> {
    let plans = test_plan::Entity::find()
        .filter(test_plan::Column::ProjectId.eq(project.id))
        .order_by_asc(test_plan::Column::Id)
        .all(db)
        .await?;
    let tz = timezone_of(project);
    let day = |at: Option<DateTime<Utc>>| {
        at.map(|t| t.with_timezone(&tz).date_naive().to_string())
            .unwrap_or_default()
    };
    let signed = |s: Option<&signature::Model>| {
        s.map(|s| SignedBy {
            name: s.signer_name.clone(),
            on: signed_minute(s).to_string(),
            verify_code: s.verify_code.clone(),
        })
    };
    let mut out = Vec::new();
    for plan in plans {
        let data = load(db, project.clone(), plan.id).await?;
        let pages = data
            .pages()
            .iter()
            .map(|p| TestPageData {
                number: p.number,
                stage: p.stage().unwrap_or(Stage::System),
                rows: p.items.iter().map(|(i, n)| printed_row(i, n, lang)).collect(),
                client: signed(p.client),
                ours: signed(p.ours),
            })
            .collect();
        let certificate = CertificateData {
            issued_on: data.plan.certificate_issued_at.map(|at| day(Some(at))),
            rows: data.certificate_rows(lang),
            client: signed(data.signature(CERTIFICATE, SignParty::Client)),
            ours: signed(data.signature(CERTIFICATE, SignParty::Ours)),
        };
        let p = &data.plan;
        out.push(TestPlanData {
            title: p.title.clone(),
            our_engineers: p.our_engineers.clone().unwrap_or_default(),
            client_engineers: p.client_engineers.clone().unwrap_or_default(),
            our_conditions_on: day(p.our_conditions_at),
            client_conditions_on: day(p.client_conditions_at),
            client_signer: p.client_signer_name.clone().unwrap_or_default(),
            pages,
            modules: data
                .procedures
                .iter()
                .map(|m| ModuleData {
                    code: m.code.clone(),
                    title: m.title.clone(),
                    steps: serde_json::from_str(&m.steps).unwrap_or_default(),
                })
                .collect(),
            certificate,
        });
    }
    Ok(out)
}

/// The plan, for a reader of the project.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn get(db: &DatabaseConnection, p: &Granted<impl MayRead>, plan_id: i32) -> AppResult<PlanData> {
    load(db, p.project().clone(), plan_id).await
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn list(db: &DatabaseConnection, p: &Granted<impl MayRead>) -> AppResult<Vec<test_plan::Model>> {
    Ok(test_plan::Entity::find()
        .filter(test_plan::Column::ProjectId.eq(p.id()))
        .order_by_asc(test_plan::Column::Id)
        .all(db)
        .await?)
}

/// The plan as a change inside the transaction left it, or why the change is refused: a page that
/// no longer fits its printed sheet, or a signed page (or the signed certificate) whose content
/// changed. Called before committing, so a refusal rolls the change back.
async fn checked(db: &impl ConnectionTrait, project: &project::Model, plan_id: i32) -> AppResult<PlanData> {
    let data = load(db, project.clone(), plan_id).await?;
    data.fits_printed_pages()?;
    let mut changed: Vec<String> = Vec::new();
    for s in &data.signatures {
        if data.content_sha256(s.page).as_deref() != Some(s.content_sha256.as_str()) {
            let what = if s.page == CERTIFICATE {
                "the 预验收证书".to_string()
            } else {
                format!("page {}", s.page)
            };
            if !changed.contains(&what) {
                changed.push(what);
            }
        }
    }
    if changed.is_empty() {
        Ok(data)
    } else {
        Err(AppError::Conflict(format!(
            "{} {} signed: void its signatures with a reason before changing what it says",
            changed.join(", "),
            if changed.len() == 1 { "is" } else { "are" }
        )))
    }
}

fn page_subject(plan_id: i32, page: i32) -> String {
    if page == CERTIFICATE {
        format!("test_plan:{plan_id}:certificate")
    } else {
        format!("test_plan:{plan_id}:page:{page}")
    }
}

pub struct NewPlan {
    pub templates: Vec<String>,
    pub title: Option<String>,
    pub items_per_page: Option<i32>,
    /// Make it even though a plan from the same templates exists (a second system of one kind);
    /// otherwise that is refused as a mistake.
    pub again: bool,
}

fn items_per_page(value: Option<i32>, default: usize) -> AppResult<usize> {
    let n = value
        .map_or(Ok(default), |v| usize::try_from(v).map_err(|_| ()))
        .unwrap_or(0);
    if (1..=MAX_ITEMS_PER_PAGE).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::invalid(
            "items_per_page",
            format!(
                "items_per_page: 1 to {MAX_ITEMS_PER_PAGE} (each page must fit one printed page with its signatures)"
            ),
        ))
    }
}

/// Makes the project's plan from one or more templates: their items merged stage by stage, their
/// Part 2 modules one after the other, paginated.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn create(
    db: &DatabaseConnection,
    templates: &Templates,
    p: &Granted<impl MayManage>,
    input: NewPlan,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    if input.templates.is_empty() {
        return Err(AppError::invalid(
            "templates",
            "templates: name at least one test-plan template",
        ));
    }
    let mut chosen = Vec::new();
    for code in &input.templates {
        let t = templates.test_plans.iter().find(|t| &t.code == code).ok_or_else(|| {
            let known: Vec<&str> = templates.test_plans.iter().map(|t| t.code.as_str()).collect();
            AppError::invalid(
                "templates",
                format!(
                    "templates: '{code}' is not a test-plan template; choose from {}",
                    known.join(", ")
                ),
            )
        })?;
        if !chosen.iter().any(|c: &&rules::TestPlanTemplate| c.code == t.code) {
            chosen.push(t);
        }
    }
    let per_page = items_per_page(input.items_per_page, chosen[0].items_per_page)?;
    let title = match input.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_string(),
        _ => chosen.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join("、"),
    };
    // Stage by stage across the templates: all line tests first, then the device tests, ...
    let mut items: Vec<(Stage, &rules::TemplateItem)> = chosen
        .iter()
        .flat_map(|t| t.items.iter())
        .filter_map(|i| Stage::parse(&i.stage).ok().map(|s| (s, i)))
        .collect();
    items.sort_by_key(|(s, _)| s.order());
    let layout: Vec<(Stage, usize)> = items
        .iter()
        .map(|(stage, i)| {
            let item = test_item::Model {
                id: 0,
                plan_id: 0,
                page: 0,
                position: 0,
                stage: *stage,
                aspect: i.aspect.clone(),
                name: i.name.clone(),
                module: i.module.clone(),
                expected: i.expected.clone(),
                actual: None,
                passed: None,
                first_passed: None,
                note: None,
                remark: None,
                recorded_by: None,
                recorded_at: None,
            };
            (*stage, item_lines(&item))
        })
        .collect();
    let pages = rules::paginate(&layout, per_page);
    let codes = chosen.iter().map(|t| t.code.as_str()).collect::<Vec<_>>().join(",");

    let txn = begin_write(db).await?;
    // The same templates twice is usually a form sent twice: said, unless asked for.
    if !input.again
        && let Some(twin) = test_plan::Entity::find()
            .filter(test_plan::Column::ProjectId.eq(project_id))
            .filter(test_plan::Column::Templates.eq(codes.as_str()))
            .one(&txn)
            .await?
    {
        return Err(AppError::Conflict(format!(
            "test plan {} ({}) is made from these templates already; delete it if it was a mistake, or send \"again\": true to make a second one",
            twin.id, twin.title
        )));
    }
    let plan = test_plan::ActiveModel {
        project_id: Set(project_id),
        title: Set(title),
        templates: Set(codes),
        items_per_page: Set(per_page as i32),
        created_by: Set(actor.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let procedures =
        chosen
            .iter()
            .flat_map(|t| t.modules.iter())
            .enumerate()
            .map(|(n, m)| test_procedure::ActiveModel {
                plan_id: Set(plan.id),
                code: Set(m.code.clone()),
                title: Set(m.title.clone()),
                steps: Set(serde_json::to_string(&m.steps).unwrap_or_else(|_| "[]".into())),
                position: Set(n as i32 + 1),
                ..Default::default()
            });
    test_procedure::Entity::insert_many(procedures).exec(&txn).await?;
    let rows = items
        .iter()
        .zip(&pages)
        .enumerate()
        .map(|(n, ((stage, i), page))| test_item::ActiveModel {
            plan_id: Set(plan.id),
            page: Set(*page),
            position: Set(n as i32 + 1),
            stage: Set(*stage),
            aspect: Set(i.aspect.clone()),
            name: Set(i.name.clone()),
            module: Set(i.module.clone()),
            expected: Set(i.expected.clone()),
            ..Default::default()
        });
    test_item::Entity::insert_many(rows).exec(&txn).await?;
    event(
        &txn,
        actor,
        project_id,
        "plan_created",
        format!("test_plan:{}", plan.id),
        json!({"templates": plan.templates, "items": items.len(), "pages": pages.last()}),
        now,
    )
    .await?;
    let data = load(&txn, project, plan.id).await?;
    txn.commit().await?;
    Ok(data)
}

/// Both sides record that the test conditions are met and name their designated engineers; the
/// client side also names who signs for it.
pub struct Conditions {
    pub party: String,
    pub engineers: String,
    /// For the client: who confirmed, and its designated signer.
    pub confirmed_by: Option<String>,
    pub signer_name: Option<String>,
    pub signer_email: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn confirm_conditions(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    input: Conditions,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    let party = SignParty::parse(&input.party)?;
    let engineers = input.engineers.trim();
    if engineers.is_empty() {
        return Err(AppError::invalid(
            "engineers",
            "engineers: name the designated engineers",
        ));
    }
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    let mut plan: test_plan::ActiveModel = data.plan.into();
    match party {
        SignParty::Ours => {
            plan.our_engineers = Set(Some(engineers.into()));
            plan.our_conditions_at = Set(Some(now));
            plan.our_conditions_by = Set(actor.id);
        }
        SignParty::Client => {
            let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let by = text(input.confirmed_by)
                .ok_or_else(|| AppError::invalid("confirmed_by", "confirmed_by: who confirmed for the client"))?;
            let signer = text(input.signer_name)
                .ok_or_else(|| AppError::invalid("signer_name", "signer_name: the client's designated signer"))?;
            let email = text(input.signer_email)
                .filter(|e| e.contains('@') && !e.contains(char::is_whitespace))
                .ok_or_else(|| AppError::invalid("signer_email", "signer_email: the signer's e-mail address"))?;
            plan.client_engineers = Set(Some(engineers.into()));
            plan.client_conditions_at = Set(Some(now));
            plan.client_conditions_by = Set(Some(by));
            plan.client_signer_name = Set(Some(signer));
            plan.client_signer_email = Set(Some(email));
        }
    }
    plan.update(&txn).await?;
    event(
        &txn,
        actor,
        project_id,
        "conditions_confirmed",
        format!("test_plan:{plan_id}"),
        json!({"party": party.as_str(), "engineers": engineers}),
        now,
    )
    .await?;
    let data = load(&txn, project, plan_id).await?;
    txn.commit().await?;
    Ok(data)
}

async fn item_of(db: &impl ConnectionTrait, plan_id: i32, item_id: i32) -> AppResult<test_item::Model> {
    test_item::Entity::find_by_id(item_id)
        .filter(test_item::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no item {item_id} in test plan {plan_id}")))
}

fn text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// An item's result, as the engineer records it on site.
pub struct ResultInput {
    pub actual: String,
    pub passed: bool,
    pub note: Option<String>,
    pub remark: Option<String>,
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn record_result(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    plan_id: i32,
    item_id: i32,
    input: ResultInput,
    now: DateTime<Utc>,
) -> AppResult<test_item::Model> {
    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    ready_for_results(&data)?;
    let item = write_result(&txn, p, item_of(&txn, plan_id, item_id).await?, input, now).await?;
    checked(&txn, &project, plan_id).await?;
    milestones::start(&txn, p, Milestone::FunctionalTest, now).await?;
    txn.commit().await?;
    Ok(item)
}

/// What a passed item's 实际结果 says when the engineer taps 通过 without typing one.
pub const AS_EXPECTED: &str = "符合预期";

fn ready_for_results(data: &PlanData) -> AppResult<()> {
    if data.conditions_confirmed() {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "both sides must first confirm that the test conditions are met and name their engineers".into(),
        ))
    }
}

/// Records one item's result: a pass needs nothing more (its 实际结果 defaults to
/// [`AS_EXPECTED`]), a failure needs what was seen and its anomaly in 备注.
async fn write_result(
    txn: &DatabaseTransaction,
    p: &Granted<impl MayRecordWork>,
    item: test_item::Model,
    input: ResultInput,
    now: DateTime<Utc>,
) -> AppResult<test_item::Model> {
    let actual = match (input.actual.trim(), input.passed) {
        ("", true) => AS_EXPECTED,
        ("", false) => {
            return Err(AppError::invalid("actual", "actual: what the test actually showed"));
        }
        (actual, _) => actual,
    };
    let remark = text(input.remark);
    if !input.passed && remark.is_none() {
        return Err(AppError::invalid(
            "remark",
            "remark: a failed item needs its anomaly in 备注",
        ));
    }
    let first = item.first_passed.is_none();
    let mut m: test_item::ActiveModel = item.into();
    if first {
        m.first_passed = Set(Some(input.passed));
    }
    m.actual = Set(Some(actual.into()));
    m.passed = Set(Some(input.passed));
    m.note = Set(text(input.note));
    m.remark = Set(remark);
    m.recorded_by = Set(p.actor().id);
    m.recorded_at = Set(Some(now));
    Ok(m.update(txn).await?)
}

/// Records many items' results of one plan in one transaction, all or none: each row that cannot
/// be saved (no such item, a failure without its 备注, an item on a page already signed) is
/// reported with what to fix. Answers how many items were recorded.
#[tracing::instrument(skip_all, fields(project_id = p.id(), rows = rows.len()))]
pub async fn record_results(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    plan_id: i32,
    rows: Vec<(i32, ResultInput)>,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    if rows.is_empty() {
        return Err(AppError::invalid("results", "results: send at least one item's result"));
    }
    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    ready_for_results(&data)?;
    let signed: HashSet<i32> = data.signatures.iter().map(|s| s.page).collect();
    let numbers = data.numbers();
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for (i, (item_id, input)) in rows.into_iter().enumerate() {
        let outcome = match data.items.iter().find(|x| x.id == item_id) {
            None => Err(AppError::invalid(
                "item_id",
                format!("item_id: no item {item_id} in test plan {plan_id}"),
            )),
            Some(_) if !seen.insert(item_id) => Err(AppError::invalid(
                "item_id",
                format!("item_id: item {item_id} is sent twice"),
            )),
            Some(item) if signed.contains(&item.page) => Err(AppError::Conflict(format!(
                "item {} is on page {}, which is signed: void its signatures with a reason before changing it",
                numbers.get(&item.id).unwrap_or(&item.name),
                item.page
            ))),
            Some(item) => write_result(&txn, p, item.clone(), input, now).await.map(|_| ()),
        };
        if let Err(e) = outcome {
            problems.push(RowProblem::of(i + 1, e)?);
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Rows {
            field: "results".into(),
            problems,
        });
    }
    let count = seen.len();
    checked(&txn, &project, plan_id).await?;
    milestones::start(&txn, p, Milestone::FunctionalTest, now).await?;
    txn.commit().await?;
    Ok(count)
}

/// An item's text or place; absent fields stay as they are.
#[derive(Default)]
pub struct ItemPatch {
    pub stage: Option<String>,
    pub aspect: Option<Option<String>>,
    pub name: Option<String>,
    pub module: Option<Option<String>>,
    pub expected: Option<String>,
    pub page: Option<i32>,
    pub position: Option<i32>,
}

fn apply(item: &mut test_item::ActiveModel, patch: ItemPatch, data: &PlanData) -> AppResult<()> {
    if let Some(stage) = patch.stage {
        item.stage = Set(Stage::parse(&stage)?);
    }
    if let Some(aspect) = patch.aspect {
        item.aspect = Set(text(aspect));
    }
    if let Some(name) = patch.name {
        item.name = Set(text(Some(name)).ok_or_else(|| AppError::invalid("name", "name: what is tested"))?);
    }
    if let Some(module) = patch.module {
        let module = text(module);
        if let Some(m) = &module
            && !data.procedures.iter().any(|p| &p.code == m)
        {
            return Err(AppError::invalid(
                "module",
                format!("module: the plan has no Part 2 module {m}"),
            ));
        }
        item.module = Set(module);
    }
    if let Some(expected) = patch.expected {
        item.expected =
            Set(text(Some(expected)).ok_or_else(|| AppError::invalid("expected", "expected: the expected result"))?);
    }
    if let Some(page) = patch.page {
        if page < 1 {
            return Err(AppError::invalid("page", "page: a page number from 1"));
        }
        item.page = Set(page);
    }
    if let Some(position) = patch.position {
        item.position = Set(position);
    }
    Ok(())
}

/// Renumbers positions 1.. in page order and closes gaps in page numbers, then checks that no
/// page grew past the items one printed page holds (its lines are checked by [`checked`]).
async fn settle_layout(db: &impl ConnectionTrait, project: &project::Model, plan_id: i32) -> AppResult<()> {
    let data = load(db, project.clone(), plan_id).await?;
    let mut page_map: HashMap<i32, i32> = HashMap::new();
    for i in &data.items {
        let next = page_map.len() as i32 + 1;
        page_map.entry(i.page).or_insert(next);
    }
    let mut counts: HashMap<i32, usize> = HashMap::new();
    for (n, i) in data.items.iter().enumerate() {
        let page = page_map.get(&i.page).copied().unwrap_or(i.page);
        *counts.entry(page).or_default() += 1;
        if i.page != page || i.position != n as i32 + 1 {
            let mut row: test_item::ActiveModel = i.clone().into();
            row.page = Set(page);
            row.position = Set(n as i32 + 1);
            row.update(db).await?;
        }
    }
    if let Some((page, n)) = counts.iter().find(|(_, n)| **n > MAX_ITEMS_PER_PAGE) {
        return Err(AppError::Conflict(format!(
            "page {page} would hold {n} items; one printed page holds at most {MAX_ITEMS_PER_PAGE}"
        )));
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn update_item(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    item_id: i32,
    patch: ItemPatch,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    let mut item: test_item::ActiveModel = item_of(&txn, plan_id, item_id).await?.into();
    apply(&mut item, patch, &data)?;
    item.update(&txn).await?;
    settle_layout(&txn, &project, plan_id).await?;
    let data = checked(&txn, &project, plan_id).await?;
    event(
        &txn,
        actor,
        project_id,
        "item_changed",
        format!("test_plan:{plan_id}:item:{item_id}"),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(data)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn add_item(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    patch: ItemPatch,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    if patch.stage.is_none() || patch.name.is_none() || patch.expected.is_none() {
        return Err(AppError::invalid("stage", "a new item needs stage, name and expected"));
    }
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    // By default at the end of the last page of its stage (or on a new last page).
    let stage = patch.stage.clone().unwrap_or_default();
    let last_of_stage = data.items.iter().rev().find(|i| i.stage.as_str() == stage.trim());
    let mut item = test_item::ActiveModel {
        plan_id: Set(plan_id),
        page: Set(last_of_stage.map_or_else(|| data.items.last().map_or(1, |i| i.page + 1), |i| i.page)),
        position: Set(last_of_stage.map_or(i32::MAX / 2, |i| i.position)),
        ..Default::default()
    };
    apply(&mut item, patch, &data)?;
    let item = item.insert(&txn).await?;
    // Ties with the item it follows: the id order puts the new one after it.
    settle_layout(&txn, &project, plan_id).await?;
    let data = checked(&txn, &project, plan_id).await?;
    event(
        &txn,
        actor,
        project_id,
        "item_added",
        format!("test_plan:{plan_id}:item:{}", item.id),
        json!({"name": item.name}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(data)
}

#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn delete_item(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    item_id: i32,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let item = item_of(&txn, plan_id, item_id).await?;
    test_item::Entity::delete_by_id(item.id).exec(&txn).await?;
    settle_layout(&txn, &project, plan_id).await?;
    let data = checked(&txn, &project, plan_id).await?;
    event(
        &txn,
        actor,
        project_id,
        "item_removed",
        format!("test_plan:{plan_id}:item:{item_id}"),
        json!({"name": item.name}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(data)
}

/// Deletes a plan made by mistake (twice, or from the wrong templates) while nothing depends on it:
/// no page signed by either party and no certificate — those are corrected by voiding a page with
/// its reason. Its items, procedures and open signing links go with it; the audit log and the
/// history keep who deleted it, when and why.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn delete_plan(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (actor, project_id) = (p.actor(), p.id());
    let reason = crate::domain::types::required_text("reason", reason, 500)?;
    let txn = begin_write(db).await?;
    let plan = test_plan::Entity::find_by_id(plan_id)
        .one(&txn)
        .await?
        .filter(|t| t.project_id == project_id)
        .ok_or_else(|| AppError::not_found(format!("no test plan {plan_id} on project {project_id}")))?;
    let signatures = signing::ever_signed(&txn, SignedDocument::TestPlan, plan_id).await?;
    if signatures > 0 || plan.certificate_issued_at.is_some() {
        return Err(AppError::Conflict(format!(
            "test plan {plan_id} has been signed ({signatures} signatures); it stays on record — void a page with its reason to correct it"
        )));
    }
    signing_request::Entity::delete_many()
        .filter(signing_request::Column::Document.eq(SignedDocument::TestPlan))
        .filter(signing_request::Column::DocumentId.eq(plan_id))
        .exec(&txn)
        .await?;
    test_plan::Entity::delete_by_id(plan_id).exec(&txn).await?;
    event(
        &txn,
        actor,
        project_id,
        "plan_deleted",
        format!("test_plan:{plan_id}"),
        json!({"title": plan.title, "reason": reason}),
        now,
    )
    .await?;
    super::history::record(
        &txn,
        actor,
        now,
        vec![
            super::history::Change::new(Some(project_id), "test_plan", Some(plan_id), "deleted")
                .field("title", Some(plan.title), None)
                .reason(Some(reason)),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Lays Part 1 out again: a new page at every stage and after `items_per_page` items.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn paginate(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    per_page: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    let per_page = items_per_page(per_page, data.plan.items_per_page as usize)?;
    let mut items = data.items.clone();
    items.sort_by_key(|i| (i.stage.order(), i.page, i.position, i.id));
    let layout: Vec<(Stage, usize)> = items.iter().map(|i| (i.stage, item_lines(i))).collect();
    for ((n, item), page) in items.into_iter().enumerate().zip(rules::paginate(&layout, per_page)) {
        let mut row: test_item::ActiveModel = item.into();
        row.page = Set(page);
        row.position = Set(n as i32 + 1);
        row.update(&txn).await?;
    }
    let mut plan: test_plan::ActiveModel = data.plan.into();
    plan.items_per_page = Set(per_page as i32);
    plan.update(&txn).await?;
    let data = checked(&txn, &project, plan_id).await?;
    event(
        &txn,
        actor,
        project_id,
        "paginated",
        format!("test_plan:{plan_id}"),
        json!({"items_per_page": per_page}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(data)
}

/// Our side signs a page (or the certificate) in the app: an engineer or PM of the project.
pub async fn sign_in_app(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    plan_id: i32,
    page: i32,
    evidence: Evidence,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    match signing::sign_in_app(db, p, SignedDocument::TestPlan, plan_id, page, evidence, now).await? {
        Signable::TestPlan(data) => Ok(data),
        _ => Err(AppError::Internal(anyhow::anyhow!(
            "a test plan loaded as another document"
        ))),
    }
}

/// Voids every signature on a page (both parties) with a reason; both sign again afterwards.
/// Voiding a page voids the 预验收证书 too, since it vouches for every page.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn void(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    page: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let actor = p.actor();
    let project = p.project().clone();
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("reason", "reason: say why the signatures are voided"));
    }
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    let mut pages = vec![page];
    if page != CERTIFICATE {
        pages.push(CERTIFICATE);
    }
    let voided: Vec<&signature::Model> = data.signatures.iter().filter(|s| pages.contains(&s.page)).collect();
    if !voided.iter().any(|s| s.page == page) {
        return Err(AppError::Conflict(format!("page {page} carries no signature to void")));
    }
    signing::void_signatures(&txn, actor, &data, &voided, reason, now).await?;
    if data.plan.certificate_issued_at.is_some() {
        let mut plan: test_plan::ActiveModel = data.plan.clone().into();
        plan.certificate_issued_at = Set(None);
        plan.certificate_issued_by = Set(None);
        plan.update(&txn).await?;
    }
    let data = load(&txn, project, plan_id).await?;
    txn.commit().await?;
    Ok(data)
}

/// Issues the 预验收证书 once every page is signed by both parties.
#[tracing::instrument(skip_all, fields(project_id = p.id()))]
pub async fn issue_certificate(
    db: &DatabaseConnection,
    p: &Granted<impl MayManage>,
    plan_id: i32,
    now: DateTime<Utc>,
) -> AppResult<PlanData> {
    let (actor, project_id) = (p.actor(), p.id());

    let project = p.project().clone();
    let txn = begin_write(db).await?;
    let data = load(&txn, project.clone(), plan_id).await?;
    if data.plan.certificate_issued_at.is_some() {
        return Err(AppError::Conflict("the 预验收证书 has been issued already".into()));
    }
    let unsigned = data.unsigned_pages();
    if !unsigned.is_empty() {
        let list: Vec<String> = unsigned.iter().map(i32::to_string).collect();
        return Err(AppError::Conflict(format!(
            "every page must be signed by both parties first; not yet: page {}",
            list.join(", ")
        )));
    }
    let mut plan: test_plan::ActiveModel = data.plan.into();
    plan.certificate_issued_at = Set(Some(now));
    plan.certificate_issued_by = Set(actor.id);
    plan.update(&txn).await?;
    event(
        &txn,
        actor,
        project_id,
        "certificate_issued",
        page_subject(plan_id, CERTIFICATE),
        json!({}),
        now,
    )
    .await?;
    let data = load(&txn, project, plan_id).await?;
    txn.commit().await?;
    Ok(data)
}

/// Whether a test plan of the project carries a 预验收证书 signed by both parties (in force):
/// acceptance begins there.
pub async fn certified(db: &impl ConnectionTrait, project_id: i32) -> AppResult<bool> {
    let signed = signature::Entity::find()
        .filter(signature::Column::ProjectId.eq(project_id))
        .filter(signature::Column::Document.eq(SignedDocument::TestPlan))
        .filter(signature::Column::Page.eq(CERTIFICATE))
        .filter(signature::Column::VoidedAt.is_null())
        .all(db)
        .await?;
    Ok(signed.iter().any(|ours| {
        ours.party == SignParty::Ours
            && signed
                .iter()
                .any(|c| c.party == SignParty::Client && c.document_id == ours.document_id)
    }))
}

/// Signing the 预验收证书 by both parties completes the installation phase's 功能测试 task.
pub(crate) async fn complete_when_certified(
    txn: &DatabaseTransaction,
    actor: &Actor,
    data: &PlanData,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if data.signature(CERTIFICATE, SignParty::Ours).is_none()
        || data.signature(CERTIFICATE, SignParty::Client).is_none()
    {
        return Ok(());
    }
    let evidence = vec![milestones::Evidence {
        label: format!("{} 预验收证书", data.plan.title),
        href: format!("/api/projects/{}/test-plans/{}", data.project.id, data.plan.id),
    }];
    let note = format!(
        "预验收证书 signed by both parties ({} pages)",
        data.page_numbers().len()
    );
    let p = WorkAccess::vouched(data.project.clone(), actor);
    milestones::complete(txn, &p, Milestone::FunctionalTest, note, evidence, now).await
}
