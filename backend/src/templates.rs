//! Plans and calendars shipped under templates/, embedded at build time; a configured templates
//! directory adds files or replaces shipped ones of the same name.
use std::{collections::BTreeMap, path::Path};

use anyhow::Context;

use crate::domain::{calendar::HolidayCalendar, plan::PlanDefinition, test_plan::TestPlanTemplate};

const BUILTIN_PLANS: &[(&str, &str)] = &[("default.toml", include_str!("../../templates/plans/default.toml"))];
const BUILTIN_CALENDARS: &[(&str, &str)] = &[("cn.toml", include_str!("../../templates/calendars/cn.toml"))];
const BUILTIN_TEST_PLANS: &[(&str, &str)] = &[
    (
        "digital_courtroom.toml",
        include_str!("../../templates/test-plans/digital_courtroom.toml"),
    ),
    (
        "surveillance_alarm.toml",
        include_str!("../../templates/test-plans/surveillance_alarm.toml"),
    ),
    (
        "video_conference.toml",
        include_str!("../../templates/test-plans/video_conference.toml"),
    ),
    (
        "public_address.toml",
        include_str!("../../templates/test-plans/public_address.toml"),
    ),
];
const BUILTIN_PAGES: &[(&str, &str)] = &[
    ("sign.html", include_str!("../../templates/pages/sign.html")),
    ("verify.html", include_str!("../../templates/pages/verify.html")),
    ("message.html", include_str!("../../templates/pages/message.html")),
    ("layout.html", include_str!("../../templates/pages/layout.html")),
    ("login.html", include_str!("../../templates/pages/login.html")),
    ("error.html", include_str!("../../templates/pages/error.html")),
    ("dashboard.html", include_str!("../../templates/pages/dashboard.html")),
    ("projects.html", include_str!("../../templates/pages/projects.html")),
    ("project.html", include_str!("../../templates/pages/project.html")),
    (
        "project_form.html",
        include_str!("../../templates/pages/project_form.html"),
    ),
    (
        "people_options.html",
        include_str!("../../templates/pages/people_options.html"),
    ),
    (
        "admin_users.html",
        include_str!("../../templates/pages/admin_users.html"),
    ),
    ("settings.html", include_str!("../../templates/pages/settings.html")),
    ("admin_tabs.html", include_str!("../../templates/pages/admin_tabs.html")),
    (
        "project_tabs.html",
        include_str!("../../templates/pages/project_tabs.html"),
    ),
    ("equipment.html", include_str!("../../templates/pages/equipment.html")),
    (
        "equipment_preview.html",
        include_str!("../../templates/pages/equipment_preview.html"),
    ),
    ("arrival.html", include_str!("../../templates/pages/arrival.html")),
    ("tests.html", include_str!("../../templates/pages/tests.html")),
    ("documents.html", include_str!("../../templates/pages/documents.html")),
    ("acceptance.html", include_str!("../../templates/pages/acceptance.html")),
    (
        "credentials.html",
        include_str!("../../templates/pages/credentials.html"),
    ),
    ("training.html", include_str!("../../templates/pages/training.html")),
    ("evaluate.html", include_str!("../../templates/pages/evaluate.html")),
    ("report.html", include_str!("../../templates/pages/report.html")),
    (
        "service_board.html",
        include_str!("../../templates/pages/service_board.html"),
    ),
    ("ticket.html", include_str!("../../templates/pages/ticket.html")),
    (
        "service_order.html",
        include_str!("../../templates/pages/service_order.html"),
    ),
    (
        "service_settings.html",
        include_str!("../../templates/pages/service_settings.html"),
    ),
    ("spares.html", include_str!("../../templates/pages/spares.html")),
    ("patrol.html", include_str!("../../templates/pages/patrol.html")),
    ("feedback.html", include_str!("../../templates/pages/feedback.html")),
    ("statistics.html", include_str!("../../templates/pages/statistics.html")),
    (
        "service_summary.html",
        include_str!("../../templates/pages/service_summary.html"),
    ),
    (
        "statistics_behind.html",
        include_str!("../../templates/pages/statistics_behind.html"),
    ),
    (
        "training_sheet.html",
        include_str!("../../templates/pages/training_sheet.html"),
    ),
    ("test_plan.html", include_str!("../../templates/pages/test_plan.html")),
    (
        "installation.html",
        include_str!("../../templates/pages/installation.html"),
    ),
    (
        "arrival_shipment.html",
        include_str!("../../templates/pages/arrival_shipment.html"),
    ),
    (
        "arrival_inspect.html",
        include_str!("../../templates/pages/arrival_inspect.html"),
    ),
    (
        "equipment_list.html",
        include_str!("../../templates/pages/equipment_list.html"),
    ),
    (
        "admin_outbox.html",
        include_str!("../../templates/pages/admin_outbox.html"),
    ),
    (
        "admin_plans.html",
        include_str!("../../templates/pages/admin_plans.html"),
    ),
    ("photos.html", include_str!("../../templates/pages/photos.html")),
    ("photo_add.html", include_str!("../../templates/pages/photo_add.html")),
];
const BUILTIN_EMAIL: &[(&str, &str)] = &[
    (
        "trial_run_weekly.subject.txt",
        include_str!("../../templates/email/trial_run_weekly.subject.txt"),
    ),
    (
        "trial_run_weekly.txt",
        include_str!("../../templates/email/trial_run_weekly.txt"),
    ),
    (
        "warranty_notice.subject.txt",
        include_str!("../../templates/email/warranty_notice.subject.txt"),
    ),
    (
        "warranty_notice.txt",
        include_str!("../../templates/email/warranty_notice.txt"),
    ),
    (
        "spare_loan.subject.txt",
        include_str!("../../templates/email/spare_loan.subject.txt"),
    ),
    ("spare_loan.txt", include_str!("../../templates/email/spare_loan.txt")),
    (
        "return_visit.subject.txt",
        include_str!("../../templates/email/return_visit.subject.txt"),
    ),
    (
        "return_visit.txt",
        include_str!("../../templates/email/return_visit.txt"),
    ),
    (
        "return_visit_follow_up.subject.txt",
        include_str!("../../templates/email/return_visit_follow_up.subject.txt"),
    ),
    (
        "return_visit_follow_up.txt",
        include_str!("../../templates/email/return_visit_follow_up.txt"),
    ),
    (
        "patrol_due.subject.txt",
        include_str!("../../templates/email/patrol_due.subject.txt"),
    ),
    ("patrol_due.txt", include_str!("../../templates/email/patrol_due.txt")),
    (
        "service_order_due.subject.txt",
        include_str!("../../templates/email/service_order_due.subject.txt"),
    ),
    (
        "service_order_due.txt",
        include_str!("../../templates/email/service_order_due.txt"),
    ),
    (
        "ticket_alert.subject.txt",
        include_str!("../../templates/email/ticket_alert.subject.txt"),
    ),
    (
        "ticket_alert.txt",
        include_str!("../../templates/email/ticket_alert.txt"),
    ),
    (
        "ticket_received.subject.txt",
        include_str!("../../templates/email/ticket_received.subject.txt"),
    ),
    (
        "ticket_received.txt",
        include_str!("../../templates/email/ticket_received.txt"),
    ),
    (
        "evaluation_request.subject.txt",
        include_str!("../../templates/email/evaluation_request.subject.txt"),
    ),
    (
        "evaluation_request.txt",
        include_str!("../../templates/email/evaluation_request.txt"),
    ),
    (
        "issue_overdue.subject.txt",
        include_str!("../../templates/email/issue_overdue.subject.txt"),
    ),
    (
        "issue_overdue.txt",
        include_str!("../../templates/email/issue_overdue.txt"),
    ),
    (
        "acceptance_invitation.subject.txt",
        include_str!("../../templates/email/acceptance_invitation.subject.txt"),
    ),
    (
        "acceptance_invitation.txt",
        include_str!("../../templates/email/acceptance_invitation.txt"),
    ),
    (
        "change_notice.subject.txt",
        include_str!("../../templates/email/change_notice.subject.txt"),
    ),
    (
        "change_notice.txt",
        include_str!("../../templates/email/change_notice.txt"),
    ),
    (
        "change_notice.html",
        include_str!("../../templates/email/change_notice.html"),
    ),
    (
        "reminder_digest.subject.txt",
        include_str!("../../templates/email/reminder_digest.subject.txt"),
    ),
    (
        "reminder_digest.txt",
        include_str!("../../templates/email/reminder_digest.txt"),
    ),
    (
        "reminder_digest.html",
        include_str!("../../templates/email/reminder_digest.html"),
    ),
    (
        "test.subject.txt",
        include_str!("../../templates/email/test.subject.txt"),
    ),
    ("test.txt", include_str!("../../templates/email/test.txt")),
    (
        "signing_outcome.subject.txt",
        include_str!("../../templates/email/signing_outcome.subject.txt"),
    ),
    (
        "signing_outcome.txt",
        include_str!("../../templates/email/signing_outcome.txt"),
    ),
    (
        "account_password.subject.txt",
        include_str!("../../templates/email/account_password.subject.txt"),
    ),
    (
        "account_password.txt",
        include_str!("../../templates/email/account_password.txt"),
    ),
    (
        "signing_request.subject.txt",
        include_str!("../../templates/email/signing_request.subject.txt"),
    ),
    (
        "signing_request.txt",
        include_str!("../../templates/email/signing_request.txt"),
    ),
    (
        "signing_request.html",
        include_str!("../../templates/email/signing_request.html"),
    ),
];

const BUILTIN_PATROLS: &[(&str, &str)] = &[
    (
        "digital_courtroom.toml",
        include_str!("../../templates/patrols/digital_courtroom.toml"),
    ),
    (
        "surveillance_alarm.toml",
        include_str!("../../templates/patrols/surveillance_alarm.toml"),
    ),
    (
        "video_conference.toml",
        include_str!("../../templates/patrols/video_conference.toml"),
    ),
    (
        "public_address.toml",
        include_str!("../../templates/patrols/public_address.toml"),
    ),
];

#[derive(Debug, Clone)]
pub struct Templates {
    pub plans: Vec<PlanDefinition>,
    pub calendars: BTreeMap<String, HolidayCalendar>,
    /// E-mail subject and body templates (minijinja) by file name.
    pub email: BTreeMap<String, String>,
    /// Functional test plan templates (功能测试方案).
    pub test_plans: Vec<TestPlanTemplate>,
    /// 定时巡检 checklists by system type.
    pub patrols: Vec<crate::domain::patrol::Checklist>,
    /// Server-rendered pages (minijinja), such as the client's signing page.
    pub pages: BTreeMap<String, String>,
    /// E-mails and pages compiled once, at start: every render goes through it, and `.html`
    /// templates escape every variable.
    pub env: minijinja::Environment<'static>,
}

impl Templates {
    /// Renders the e-mail or page template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: &minijinja::Value) -> anyhow::Result<String> {
        crate::email::messages::render(&self.env, name, ctx)
    }
}

impl Templates {
    pub fn load(dir: Option<&Path>) -> anyhow::Result<Self> {
        let plans = files(BUILTIN_PLANS, dir.map(|d| d.join("plans")).as_deref(), &["toml"])?
            .into_iter()
            .map(|(name, text)| {
                PlanDefinition::from_toml(&text).with_context(|| format!("plan template {name} is not valid"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut calendars = BTreeMap::new();
        for (name, text) in files(
            BUILTIN_CALENDARS,
            dir.map(|d| d.join("calendars")).as_deref(),
            &["toml"],
        )? {
            let cal = HolidayCalendar::from_toml(&text).with_context(|| format!("calendar {name} is not valid"))?;
            calendars.insert(cal.code.clone(), cal);
        }
        for plan in &plans {
            plan.validate(|c| calendars.contains_key(c))
                .map_err(|e| anyhow::anyhow!("plan template '{}': {e}", plan.code))?;
        }
        let email = files(BUILTIN_EMAIL, dir.map(|d| d.join("email")).as_deref(), &["txt", "html"])?;
        let test_plans = files(
            BUILTIN_TEST_PLANS,
            dir.map(|d| d.join("test-plans")).as_deref(),
            &["toml"],
        )?
        .into_iter()
        .map(|(name, text)| {
            TestPlanTemplate::from_toml(&text).with_context(|| format!("test plan template {name} is not valid"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
        let patrols = files(BUILTIN_PATROLS, dir.map(|d| d.join("patrols")).as_deref(), &["toml"])?
            .into_iter()
            .map(|(name, text)| {
                crate::domain::patrol::Checklist::from_toml(&text)
                    .with_context(|| format!("patrol checklist {name} is not valid"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let pages = files(BUILTIN_PAGES, dir.map(|d| d.join("pages")).as_deref(), &["html"])?;
        if let Some(name) = pages.keys().find(|n| email.contains_key(*n)) {
            anyhow::bail!("the page template {name} has the name of an e-mail template; rename it");
        }
        // Fail at start, not at the first reminder, when a template does not parse.
        let env = crate::email::messages::environment(email.iter().chain(pages.iter()))
            .context("a template of e-mails or pages is not valid")?;
        Ok(Self {
            plans,
            calendars,
            email,
            test_plans,
            patrols,
            pages,
            env,
        })
    }
}

/// The built-in files by name, overlaid with the files of `dir` (when it exists) that end in one
/// of `extensions`.
fn files(
    builtin: &[(&str, &str)],
    dir: Option<&Path>,
    extensions: &[&str],
) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out: BTreeMap<String, String> = builtin.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    if let Some(dir) = dir.filter(|d| d.is_dir()) {
        for entry in std::fs::read_dir(dir).with_context(|| format!("failed to list {}", dir.display()))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                let text =
                    std::fs::read_to_string(&path).with_context(|| format!("failed to read {}", path.display()))?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.insert(name, text);
            }
        }
    }
    Ok(out)
}
