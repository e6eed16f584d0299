//! 服务统计: the service manager's and management's month — the three rates with what each
//! counts over what, red above target; the figures by region, category and project, each a link
//! to the tickets behind it; the twelve months' charts; the 维护统计汇总表 in Word and Excel; the
//! general manager's approval and quality's archiving.
use chrono::Utc;
use minijinja::{Value, context};
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Query, cookie::CookieJar},
};
use serde::{Deserialize, Serialize};

use super::{
    Fields,
    charts::{BarChart, Series, bars},
    render,
    session::{self, Session, see_other},
};
use crate::{
    domain::{
        statistics::{Counts, Month, Rate, one_decimal},
        types::{Role, SystemType},
    },
    error::AppError,
    service::service_desk::statistics::{self, Figure, Filter, MonthStatistics, forms},
    state::AppState,
};

#[derive(Deserialize, Serialize, Default)]
pub struct StatisticsQuery {
    month: Option<String>,
    region: Option<String>,
    category: Option<String>,
    project: Option<String>,
    figure: Option<String>,
}

impl StatisticsQuery {
    fn filter(&self) -> Result<Filter, AppError> {
        Filter::parse(
            self.region.as_deref(),
            self.category.as_deref(),
            self.project.as_deref().and_then(|p| p.trim().parse().ok()),
        )
    }

    /// The month asked for, else the current one.
    fn month(&self, state: &AppState) -> Result<Month, AppError> {
        match self.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => {
                Month::parse(m).ok_or_else(|| AppError::invalid("month", format!("month: '{m}' is not a month")))
            }
            None => Ok(Month::of(
                Utc::now().with_timezone(&state.settings.timezone).date_naive(),
            )),
        }
    }

    /// The query string of this view with `figure` (and a project) for a drill-down link.
    fn link(&self, path: &str, month: Month, extra: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("month", month.to_string())];
        for (k, v) in [("region", &self.region), ("category", &self.category)] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                pairs.push((k, v.to_string()));
            }
        }
        pairs.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{path}?{encoded}")
    }
}

fn rate_ctx(name: &str, counted: &str, among: &str, r: &Rate) -> Value {
    context! {
        name => name,
        counted => counted,
        among => among,
        numerator => r.numerator,
        denominator => r.denominator,
        text => r.text(),
        red => r.above_target,
    }
}

pub(super) fn counts_ctx(c: &Counts) -> Value {
    let kept = |measured: u64, broken: u64| {
        (measured > 0).then(|| format!("{}/{}", measured - broken.min(measured), measured))
    };
    context! {
        faults => c.faults,
        site_visits => c.site_visits,
        visits_per_fault => one_decimal(c.visits_per_fault()),
        response_kept => kept(c.responses, c.responses_broken),
        responses_broken => c.responses_broken,
        mean_response => one_decimal(c.mean_response_minutes()),
        repair_kept => kept(c.repairs, c.repairs_broken),
        repairs_broken => c.repairs_broken,
        mean_repair => one_decimal(c.mean_repair_hours()),
        spares_used => c.spares_used,
        patrols_due => c.patrols_due,
        patrols_done => c.patrols_done,
        patrols_missed => c.patrols_missed,
        visits_answered => c.visits_answered,
        visits_unsatisfied => c.visits_unsatisfied,
        complaints => c.complaints,
        events => c.service_events(),
        complaint_red => c.complaint_rate().above_target,
        omission_red => c.omission_rate().above_target,
        unsatisfied_red => c.unsatisfied_rate().above_target,
    }
}

const PALETTE: [&str; 5] = ["s1", "s2", "s3", "s4", "s5"];

fn charts(s: &MonthStatistics) -> Vec<BarChart> {
    let columns: Vec<String> = s.trend.iter().map(|g| g.label.clone()).collect();
    let faults: Vec<Series> = s
        .fault_trend
        .iter()
        .zip(PALETTE.iter().cycle())
        .map(|(c, class)| Series {
            label: c.label.clone(),
            class,
            values: c.faults.iter().map(|v| *v as f64).collect(),
        })
        .collect();
    let percent = |f: fn(&Counts) -> Option<f64>| s.trend.iter().map(|g| f(&g.counts).unwrap_or(0.0)).collect();
    let clocks = [
        Series {
            label: "响应达标".into(),
            class: "s1",
            values: percent(Counts::response_kept_percent),
        },
        Series {
            label: "修复达标".into(),
            class: "s2",
            values: percent(Counts::repair_kept_percent),
        },
    ];
    let visits = [
        Series {
            label: "满意或基本满意".into(),
            class: "ok",
            values: s
                .trend
                .iter()
                .map(|g| (g.counts.visits_answered - g.counts.visits_unsatisfied.min(g.counts.visits_answered)) as f64)
                .collect(),
        },
        Series {
            label: "不满意".into(),
            class: "bad",
            values: s.trend.iter().map(|g| g.counts.visits_unsatisfied as f64).collect(),
        },
    ];
    vec![
        bars("每月故障（按类别）", &columns, &faults, true, None, " 件"),
        bars("时限达标率", &columns, &clocks, false, Some(100.0), "%"),
        bars("回访满意度", &columns, &visits, true, None, " 次"),
    ]
}

/// The month's page.
#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Query(q): Query<StatisticsQuery>) -> Response {
    let (month, filter) = match (q.month(&state), q.filter()) {
        (Ok(m), Ok(f)) => (m, f),
        (Err(e), _) | (_, Err(e)) => return super::refusal(&state, &me, e),
    };
    let now = Utc::now();
    let s = match statistics::month(&state, &me.actor, month, &filter, now).await {
        Ok(s) => s,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let (approval, regions) = match (
        statistics::approval(&state.db, month).await,
        crate::service::service_desk::tickets::board_choices(&state.db, &me.actor).await,
    ) {
        (Ok(a), Ok(c)) => (a, c.regions),
        (Err(e), _) | (_, Err(e)) => return super::refusal(&state, &me, e),
    };
    let this_month = Month::of(now.with_timezone(&state.settings.timezone).date_naive());
    let drill = |figure: Figure, project: Option<i32>| {
        let mut extra = vec![("figure", figure.key().to_string())];
        if let Some(p) = project {
            extra.push(("project", p.to_string()));
        }
        q.link("/service/statistics/behind", month, &extra)
    };
    let links = |project: Option<i32>| {
        context! {
            faults => drill(Figure::Faults, project),
            response_broken => drill(Figure::ResponseBroken, project),
            repair_broken => drill(Figure::RepairBroken, project),
            spares_used => drill(Figure::SparesUsed, project),
            complaints => drill(Figure::Complaints, project),
            unsatisfied => drill(Figure::Unsatisfied, project),
            patrols_missed => drill(Figure::PatrolsMissed, project),
        }
    };
    let lines: Vec<Value> = s
        .lines
        .iter()
        .map(|l| {
            context! {
                region => l.region,
                category => l.category_label,
                code => l.project_code,
                name => l.project_name,
                project_id => l.project_id,
                c => counts_ctx(&l.counts),
                links => links(Some(l.project_id)),
            }
        })
        .collect();
    let groups = |gs: &[statistics::Group]| -> Vec<Value> {
        gs.iter()
            .map(|g| context! { label => g.label, key => g.key, c => counts_ctx(&g.counts) })
            .collect()
    };
    let trend: Vec<Value> = s
        .trend
        .iter()
        .rev()
        .map(|g| {
            let c = &g.counts;
            context! {
                month => g.key,
                link => q.link("/service/statistics", Month::parse(&g.key).unwrap_or(month), &[]),
                events => c.service_events(),
                rates => forms::rates(c).iter().map(|(n, a, b, r)| rate_ctx(n, a, b, r)).collect::<Vec<_>>(),
            }
        })
        .collect();
    let whole = filter == Filter::default();
    let ctx = context! {
        nav => "service",
        flash => session::take_flash(jar),
        month => month.to_string(),
        month_label => month.label_zh(),
        as_of => s.as_of.with_timezone(&state.settings.timezone).format("%Y-%m-%d %H:%M").to_string(),
        previous => q.link("/service/statistics", month.prev(), &[]),
        next => (month < this_month).then(|| q.link("/service/statistics", month.next(), &[])),
        running => month == this_month,
        query => Value::from_serialize(&q),
        regions => regions,
        categories => super::choices(SystemType::ALL, |t| (t.as_str(), t.label_zh())),
        rates => forms::rates(&s.total).iter().map(|(n, a, b, r)| rate_ctx(n, a, b, r)).collect::<Vec<_>>(),
        total => counts_ctx(&s.total),
        total_links => links(None),
        lines => lines,
        by_region => groups(&s.by_region),
        by_category => groups(&s.by_category),
        trend => trend,
        charts => charts(&s),
        docx => q.link("/service/statistics/table.docx", month, &[]),
        xlsx => q.link("/service/statistics/table.xlsx", month, &[]),
        whole => whole,
        approval => approval.map(|a| context! {
            approved_by => a.approved_by,
            approved_at => a.approved_at.map(|t| t.with_timezone(&state.settings.timezone).format("%Y-%m-%d %H:%M").to_string()),
            archived_by => a.archived_by,
            archived_at => a.archived_at.map(|t| t.with_timezone(&state.settings.timezone).format("%Y-%m-%d %H:%M").to_string()),
            remarks => a.remarks,
        }),
        may_approve => me.actor.role == Role::Admin && month < this_month,
        may_archive => matches!(me.actor.role, Role::Admin | Role::Viewer),
    };
    render(&state, StatusCode::OK, "statistics.html", Some(&me), ctx)
}

/// The tickets (or inspections) behind a figure.
#[handler]
pub async fn behind(state: Data<&AppState>, me: Session, Query(q): Query<StatisticsQuery>) -> Response {
    let figure = Figure::parse(q.figure.as_deref().unwrap_or_default());
    let (month, filter, figure) = match (q.month(&state), q.filter(), figure) {
        (Ok(m), Ok(f), Ok(g)) => (m, f, g),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return super::refusal(&state, &me, e),
    };
    let b = match statistics::behind(&state, &me.actor, month, figure, &filter, Utc::now()).await {
        Ok(b) => b,
        Err(e) => return super::refusal(&state, &me, e),
    };
    let tz = state.settings.timezone;
    let project = b
        .tickets
        .first()
        .map(|t| format!("{} {}", t.project_code, t.project_name));
    let ctx = context! {
        nav => "service",
        month_label => month.label_zh(),
        figure => figure.label_zh(),
        back => q.link("/service/statistics", month, &[]),
        project => filter.project.and(project),
        tickets => b.tickets.iter().map(|t| context! {
            id => t.id,
            number => t.number,
            project => t.project_code,
            project_name => t.project_name,
            region => t.region,
            category => t.category_label,
            reported => t.reported_at.with_timezone(&tz).format("%m-%d %H:%M").to_string(),
            symptom => super::service_desk::brief(&t.symptom, 60),
            status => t.status_label,
            visits => t.site_visits,
            response_broken => t.response_broken,
            repair_broken => t.repair_broken,
        }).collect::<Vec<_>>(),
        patrols => b.patrols.iter().map(|p| context! {
            id => p.id,
            project_id => p.project_id,
            project => p.project_code,
            project_name => p.project_name,
            planned_on => p.planned_on.to_string(),
            done_on => p.done_on.map(|d| d.to_string()),
        }).collect::<Vec<_>>(),
        patrol_figure => figure == Figure::PatrolsMissed,
    };
    render(&state, StatusCode::OK, "statistics_behind.html", Some(&me), ctx)
}

/// The 维护统计汇总表 as Word.
#[handler]
pub async fn table_docx(state: Data<&AppState>, me: Session, Query(q): Query<StatisticsQuery>) -> Response {
    let (month, filter) = match (q.month(&state), q.filter()) {
        (Ok(m), Ok(f)) => (m, f),
        (Err(e), _) | (_, Err(e)) => return super::refusal(&state, &me, e),
    };
    match statistics::table_form(&state, &me.actor, month, &filter, Utc::now()).await {
        Ok(form) => super::documents::rendered(&state, &me, form, format!("维护统计汇总表-{month}.docx")).await,
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The month's figures as a workbook.
#[handler]
pub async fn table_xlsx(state: Data<&AppState>, me: Session, Query(q): Query<StatisticsQuery>) -> Response {
    let (month, filter) = match (q.month(&state), q.filter()) {
        (Ok(m), Ok(f)) => (m, f),
        (Err(e), _) | (_, Err(e)) => return super::refusal(&state, &me, e),
    };
    let s = match statistics::month(&state, &me.actor, month, &filter, Utc::now()).await {
        Ok(s) => s,
        Err(e) => return super::refusal(&state, &me, e),
    };
    match forms::workbook(&s) {
        Ok(bytes) => bytes
            .with_content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            .with_header(
                header::CONTENT_DISPOSITION,
                crate::api::content_disposition(&format!("维护统计-{month}.xlsx")),
            )
            .with_header(header::CACHE_CONTROL, "no-store")
            .into_response(),
        Err(e) => super::refusal(
            &state,
            &me,
            AppError::Internal(anyhow::anyhow!("writing the workbook: {e}")),
        ),
    }
}

/// The general manager approves, or quality archives, the month's table.
#[handler]
pub async fn sign_off(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields(fields);
    let Some(month) = Month::parse(&f.get("month")) else {
        return super::refusal(&state, &me, AppError::invalid("month", "month: not a month"));
    };
    let now = Utc::now();
    let done = match f.get("action").as_str() {
        "approve" => statistics::approve(&state, &me.actor, month, f.optional("remarks"), now)
            .await
            .map(|_| "已审阅，数字按审阅时存档。"),
        "archive" => statistics::archive(&state, &me.actor, month, now)
            .await
            .map(|_| "已归档。"),
        _ => Err(AppError::invalid("action", "action: approve or archive")),
    };
    match done {
        Ok(message) => {
            session::set_flash(jar, &format!("{} 维护统计汇总表{message}", month.label_zh()));
            see_other(&format!("/service/statistics?month={month}#approval"))
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
