//! 服务台: the board of open tickets by urgency with their clocks counting down, and the ticket's
//! page — its 故障信息卡, the four promises as clocks, the steps as big buttons an engineer taps on
//! site (到达现场, 修复 …), pauses with their reason, the engineers assigned, the spares borrowed,
//! the 上门服务单 and the timeline. The board with 我的工单 is the engineer's phone view.
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use minijinja::{Value, context};
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, Query, cookie::CookieJar},
};
use serde::Deserialize;

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    domain::{
        service_clock::{ClockState, ClockView, Verdict},
        types::{Role, SignParty, TicketStatus, TicketStep},
    },
    error::AppError,
    service::{
        access::{Manage, Read, RecordWork},
        projects::{self, timezone_of},
        service_desk::{
            Ticket, TicketView, orders, return_visits, spares,
            tickets::{self, BoardFilter, ClockFilter, Flags, StepInput},
        },
    },
    state::AppState,
};

const PER_PAGE: u64 = 50;

/// `secs` as people say it: 1 小时 5 分, 45 分, 2 天 3 小时.
pub(super) fn span_zh(secs: i64) -> String {
    let minutes = secs.abs().div_euclid(60) + i64::from(secs.abs() % 60 > 0 && secs.abs() < 60);
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (d, h, m) {
        (0, 0, m) => format!("{m} 分"),
        (0, h, 0) => format!("{h} 小时"),
        (0, h, m) => format!("{h} 小时 {m} 分"),
        (d, 0, _) => format!("{d} 天"),
        (d, h, _) => format!("{d} 天 {h} 小时"),
    }
}

/// The start of a long text for a list: `chars` characters, then an ellipsis.
pub(super) fn brief(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A moment typed in a `datetime-local` field, in the project's time zone.
pub(super) fn local_moment(text: &str, tz: Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    naive.and_local_timezone(tz).earliest().map(|t| t.with_timezone(&Utc))
}

fn badge(v: Verdict) -> &'static str {
    match v {
        Verdict::NotStarted => "",
        Verdict::Open => "todo",
        Verdict::Overdue | Verdict::Broken => "overdue",
        Verdict::Kept => "done",
    }
}

/// One clock as the pages show it, read at `at`: a running one carries its deadline for the
/// page's script to count down (`data-deadline`).
fn clock_ctx(c: &ClockView, at: DateTime<Utc>, tz: Tz) -> Value {
    let verdict = c.verdict();
    let remaining = c.remaining_secs();
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%m-%d %H:%M").to_string();
    let left = match (c.state, remaining >= 0) {
        (ClockState::NotStarted, _) => String::new(),
        (ClockState::Stopped, _) => format!("用时 {}", span_zh(c.elapsed_secs)),
        (_, true) => format!("剩 {}", span_zh(remaining)),
        (_, false) => format!("超时 {}", span_zh(remaining)),
    };
    let percent = if c.target_secs > 0 {
        (c.elapsed_secs * 100 / c.target_secs).clamp(0, 100)
    } else {
        100
    };
    context! {
        clock => c.clock.as_str(),
        label => c.clock.label_zh(),
        target => span_zh(c.target_secs),
        state => c.state.label_zh(),
        running => c.state == ClockState::Running,
        paused => c.state == ClockState::Paused,
        started => c.started_at.map(local),
        stopped => c.stopped_at.map(local),
        verdict => verdict.label_zh(),
        badge => badge(verdict),
        left => left,
        late => remaining < 0,
        percent => percent,
        deadline => (c.state == ClockState::Running).then(|| (at + TimeDelta::seconds(remaining)).to_rfc3339()),
        due => c.due_at.map(local),
        breached => c.breached_at.map(local),
    }
}

/// The clock a row of the board shows: a running one already late, else the running one due
/// first, else a paused one.
fn urgent(clocks: &[ClockView]) -> Option<&ClockView> {
    let running = clocks.iter().filter(|c| c.state == ClockState::Running);
    running
        .clone()
        .find(|c| c.remaining_secs() < 0)
        .or_else(|| running.min_by_key(|c| c.remaining_secs()))
        .or_else(|| clocks.iter().find(|c| c.state == ClockState::Paused))
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct BoardQuery {
    project: Option<String>,
    region: Option<String>,
    engineer: Option<String>,
    clock: Option<String>,
    /// "1": only the tickets assigned to me (the engineer's phone view).
    mine: Option<String>,
    /// "1": archived tickets.
    closed: Option<String>,
    /// Read leniently: a page number that does not parse is the first page.
    page: Option<String>,
}

/// 服务台: open tickets, most urgent first.
#[handler]
pub async fn board(state: Data<&AppState>, jar: &CookieJar, me: Session, Query(q): Query<BoardQuery>) -> Response {
    let blank = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    // An engineer opens their own tickets unless they ask for everyone's.
    let mine = match q.mine.as_deref() {
        Some("1") => true,
        Some(_) => false,
        None => me.actor.role == Role::Engineer && blank(&q.page).is_none() && blank(&q.project).is_none(),
    };
    let clock = match q.clock.as_deref() {
        Some("running") => Some(ClockFilter::Running),
        Some("breached") => Some(ClockFilter::Breached),
        Some("paused") => Some(ClockFilter::Paused),
        _ => None,
    };
    let page = blank(&q.page).and_then(|p| p.parse::<u64>().ok()).unwrap_or(1).max(1);
    let filter = BoardFilter {
        project_id: blank(&q.project).and_then(|p| p.parse().ok()),
        region: blank(&q.region),
        engineer_id: if mine {
            me.actor.id
        } else {
            blank(&q.engineer).and_then(|e| e.parse().ok())
        },
        clock,
        closed: q.closed.as_deref() == Some("1"),
        page,
        per_page: PER_PAGE,
    };
    let now = Utc::now();
    let (found, choices) = (
        tickets::board(&state.db, &me.actor, &filter, now).await,
        tickets::board_choices(&state.db, &me.actor).await,
    );
    let ((rows, total), choices) = match (found, choices) {
        (Ok(f), Ok(c)) => (f, c),
        (Err(e), _) | (_, Err(e)) => return super::refusal(&state, &me, e),
    };
    let tz = state.settings.timezone;
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            let t = &r.ticket;
            let local = |at: DateTime<Utc>| at.with_timezone(&tz).format("%m-%d %H:%M").to_string();
            context! {
                id => t.id,
                number => t.number,
                project => r.project_code,
                project_name => r.project_name,
                region => r.region,
                device => t.device,
                symptom => brief(&t.symptom, 60),
                reporter => t.reporter_name,
                status => t.status.label_zh(),
                reported => local(t.reported_at),
                closed => t.closed_at.map(local),
                assignees => r.assignees.join("、"),
                paused => t.paused,
                breached => t.breached,
                in_warranty => t.in_warranty,
                major => t.major_quality,
                clock => urgent(&r.clocks).map(|c| clock_ctx(c, now, tz)),
            }
        })
        .collect();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let mine_flag = Some(if mine { "1" } else { "0" }.to_string());
    let filters = [
        ("project", &q.project),
        ("region", &q.region),
        ("engineer", &q.engineer),
        ("clock", &q.clock),
        ("closed", &q.closed),
        ("mine", &mine_flag),
    ];
    let here = |page: u64| super::page_link("/service", &filters, page);
    let ctx = context! {
        nav => "service",
        flash => session::take_flash(jar),
        rows => rows,
        total => total,
        page => page,
        pages => pages,
        previous => (page > 1).then(|| here(page - 1)),
        next => (page < pages).then(|| here(page + 1)),
        mine => mine,
        closed => filter.closed,
        query => Value::from_serialize(&q),
        projects => choices.projects.iter().map(|p| context! { id => p.id, code => p.code, name => p.name }).collect::<Vec<_>>(),
        regions => choices.regions,
        engineers => choices.engineers.iter().map(|u| context! { id => u.id, name => u.display_name }).collect::<Vec<_>>(),
    };
    render(&state, StatusCode::OK, "service_board.html", Some(&me), ctx)
}

/// What the ticket's page says beside one of its forms after a refused request.
#[derive(Default)]
pub(super) struct Said {
    /// The form: `step`, `pause`, `note`, `assign`, `flags`, `loan`, `loan-{id}`, `order`.
    pub at: String,
    pub message: String,
    /// An on-site signing link, shown once.
    pub link: Option<String>,
}

impl Said {
    pub(super) fn at(at: impl Into<String>, message: impl Into<String>) -> Self {
        Said {
            at: at.into(),
            message: message.into(),
            link: None,
        }
    }
}

/// A service-desk refusal in words the desk understands (the services speak English, except the
/// flow's own rule, which already names the step and the state in Chinese).
pub(super) fn explain(e: &AppError) -> String {
    let says = |m: &str, needle: &str| m.contains(needle);
    match e {
        AppError::Invalid { field, message } => match field.as_deref() {
            Some("reason") => "暂停计时须写明原因（如：客户拒绝进入现场）。".into(),
            Some("at") if says(message, "future") => "时间不能晚于现在。".into(),
            Some("at") => "时间不能早于上一步记录的时间。".into(),
            Some("note") => "备注过长（不超过 2000 字）。".into(),
            Some("user_ids") if says(message, "at most") => "每个项目最多指定两名专员。".into(),
            Some("user_ids") if says(message, "not a member") => "只能指派本项目的成员。".into(),
            Some("user_ids") => "请至少选择一名工程师。".into(),
            Some("spare_id") => "请选择一件在库的备件。".into(),
            Some("approved_by") => "请选择口头同意的项目主管。".into(),
            Some("faulty_location") => "请填写换下的故障件存放在哪里。".into(),
            Some("answers") => "请对每一项作出评价。".into(),
            Some("comment") => "客户意见过长（不超过 2000 字）。".into(),
            Some("respondent") => "回访对象的姓名过长。".into(),
            Some(f) => format!("请检查“{}”。", field_zh(f)),
            None => "请检查填写的内容。".into(),
        },
        AppError::Conflict(m) if says(m, "当前状态") => m.clone(),
        AppError::Conflict(m) if says(m, "paused already") => "计时已经暂停：请先恢复计时。".into(),
        AppError::Conflict(m) if says(m, "not paused") => "计时没有暂停。".into(),
        AppError::Conflict(m) if says(m, "archived") => "工单已归档，不能再修改。".into(),
        AppError::Conflict(m) if says(m, "not in stock") => "这件备件不在库。".into(),
        AppError::Conflict(m) if says(m, "asked for by loan") => "这件备件已有人申请借用。".into(),
        AppError::Conflict(m) if says(m, "approves it first") => {
            "项目主管批准（系统审批或口头同意并登记）后才能领出。".into()
        }
        AppError::Conflict(m) if says(m, "take the spare out first") => "请先领出备件。".into(),
        AppError::Conflict(m) if says(m, "names no installed unit") => {
            "工单没有选定故障设备，备件留用须替换工单上的设备。".into()
        }
        AppError::Conflict(m) if says(m, "no serial number") => "备件没有序列号，不能留用替换。".into(),
        AppError::Conflict(m) if says(m, "of its own kind") => {
            "留用的备件须与换下的设备同类（名称相同，型号相同或更好）。".into()
        }
        AppError::Conflict(m) if says(m, "not approved orally") => "这笔借用不是口头同意的，无需补签。".into(),
        AppError::Conflict(m) if says(m, "countersigned already") => "已经补签过。".into(),
        AppError::Conflict(m) if says(m, "record the repair or the replacement first") => {
            "故障在现场排除（记录修复或更换备机）后才能填写上门服务单。".into()
        }
        AppError::Conflict(m) if says(m, "signed already") || says(m, "already signed") => {
            "上门服务单已签字，不能再修改。".into()
        }
        AppError::Conflict(m) if says(m, "has not signed") => "用户签字后才能交回存档。".into(),
        AppError::Conflict(m) if says(m, "not removed yet") => "故障尚未排除：请选择“维修时回访”。".into(),
        AppError::Conflict(m) if says(m, "removed already") => "故障已经排除：请选择“维修后回访”。".into(),
        AppError::Conflict(m) if says(m, "no e-mail address") => "报修人没有留电子邮箱：请电话回访。".into(),
        AppError::Conflict(m) if says(m, "needs no follow-up") => "这条回访不需要跟进。".into(),
        AppError::Conflict(m) if says(m, "followed up already") => "这条回访已经跟进过。".into(),
        AppError::Conflict(m) if says(m, "no 上门服务单 yet") => "请先填写上门服务单。".into(),
        AppError::Conflict(m) if says(m, "handed in already") => "上门服务单已经交回存档。".into(),
        AppError::Conflict(m) if says(m, "loan") => "这笔借用当前的状态不能做这项操作，请刷新页面。".into(),
        AppError::Conflict(_) => "这项操作与工单当前的状态冲突（可能有人刚刚修改过），请刷新页面后再试。".into(),
        AppError::Forbidden(m) if says(m, "member") => "只有项目组成员可以代表乙方签字。".into(),
        AppError::Forbidden(_) => "您的角色不能执行这项操作：批准借用和补签由项目主管负责。".into(),
        _ => "操作没有完成，请稍后再试。".into(),
    }
}

fn field_zh(field: &str) -> &'static str {
    match field.split(['[', '.']).next().unwrap_or(field) {
        "cause" => "故障原因",
        "remedy" => "排除方法",
        "result" => "服务结果",
        "used" => "使用器材",
        "returned" => "退回器材",
        "fee_yuan" => "维修费用",
        "repairers" => "维修人署名",
        "client_opinion" => "用户意见或提议",
        "client_signer_name" => "用户签字人",
        "client_signer_email" => "用户签字人的电子邮箱",
        "reporter_name" => "报修人",
        "reporter_phone" => "联系电话",
        "reporter_email" => "电子邮箱",
        "symptom" => "故障现象",
        "serial" => "序列号",
        "device" => "设备",
        "name" => "名称",
        "location" => "存放位置",
        _ => "这一项",
    }
}

/// The steps shown as one-tap buttons: the flow's next ones — the desk's early steps only before
/// anyone is sent — not those recorded by their own forms (a spare taken out, the signed service
/// order, the order handed in) or notes. Every available step stays in the 补记 form.
fn is_button(step: TicketStep, status: TicketStatus) -> bool {
    let early = matches!(
        step,
        TicketStep::ArchivePulled | TicketStep::Analysed | TicketStep::CalledBack | TicketStep::MeasureProposed
    );
    let own_form = matches!(
        step,
        TicketStep::Note | TicketStep::SparesDrawn | TicketStep::ServiceOrderFilled | TicketStep::Filed
    );
    !own_form && (!early || matches!(status, TicketStatus::Reported | TicketStatus::Responding))
}

/// A ticket's page.
#[handler]
pub async fn ticket_page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let t = match tickets::ticket::<Read>(&state.db, &me.actor, id).await {
        Ok(t) => t,
        Err(e) => return super::refusal(&state, &me, e),
    };
    show(
        &state,
        &me,
        &t,
        StatusCode::OK,
        session::take_flash(jar),
        Said::default(),
    )
    .await
}

pub(super) async fn show(
    state: &AppState,
    me: &Session,
    t: &Ticket<Read>,
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let now = Utc::now();
    let db = &state.db;
    let view = match tickets::view(db, t, now).await {
        Ok(v) => v,
        Err(e) => return super::refusal(state, me, e),
    };
    let (loans, order, members, in_stock) = match (
        spares::of_ticket(db, t).await,
        orders::get(db, t).await,
        projects::members(db, &t.granted).await,
        spares::list(db, Some(crate::domain::types::SpareStatus::InStock)).await,
    ) {
        (Ok(l), Ok(o), Ok(m), Ok(s)) => (l, o, m, s),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return super::refusal(state, me, e),
    };
    let visits = match return_visits::of_ticket(db, t).await {
        Ok(v) => v,
        Err(e) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(&view.project);
    let minute = |at: DateTime<Utc>| at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let TicketView {
        ticket: row,
        project,
        unit,
        clocks,
        events,
        assignees,
        policy: _,
        available,
        paused,
    } = view;
    let read_at = now;
    let may_record = t.granted.may::<RecordWork>() && row.closed_at.is_none();
    let may_manage = t.granted.may::<Manage>();
    let pms: Vec<Value> = members
        .iter()
        .filter(|(m, _)| m.role == crate::domain::types::MemberRole::Pm)
        .map(|(_, u)| context! { id => u.id, name => u.display_name })
        .collect();
    let assigned: Vec<i32> = assignees.iter().map(|u| u.id).collect();
    let people: Vec<Value> = members
        .iter()
        .filter(|(_, u)| !u.disabled)
        .map(|(m, u)| {
            context! {
                id => u.id, name => u.display_name, role => m.role.label_zh(),
                assigned => assigned.contains(&u.id),
            }
        })
        .collect();
    // Who approved, by name (the project's people; an approver who left shows the way only).
    let names: std::collections::HashMap<i32, String> =
        members.iter().map(|(_, u)| (u.id, u.display_name.clone())).collect();
    let pending: Vec<i32> = loans
        .iter()
        .filter(|l| {
            matches!(
                l.loan.status,
                crate::domain::types::LoanStatus::Requested | crate::domain::types::LoanStatus::Approved
            )
        })
        .map(|l| l.spare.id)
        .collect();
    let loans: Vec<Value> = loans
        .iter()
        .map(|l| {
            let loan = &l.loan;
            context! {
                id => loan.id,
                spare => spares::label(&l.spare),
                status => loan.status.label_zh(),
                state => loan.status.as_str(),
                approval => loan.approval.map(|a| match loan.approved_by.and_then(|id| names.get(&id)) {
                    Some(name) => format!("{name} {}", a.label_zh()),
                    None => a.label_zh().to_string(),
                }),
                oral => loan.approval == Some(crate::domain::types::LoanApproval::Oral),
                countersigned => loan.countersigned_at.map(minute),
                countersign_due => loan.countersign_due_on.map(|d| d.to_string()),
                requested => minute(loan.requested_at),
                out => loan.checked_out_at.map(minute),
                returned => loan.returned_at.map(minute),
                return_due => loan.return_due_at.map(minute),
                note => loan.note,
                error => (said.at == format!("loan-{}", loan.id)).then(|| said.message.clone()),
            }
        })
        .collect();
    let order = order.map(|d| {
        let ours = d.signatures.iter().find(|s| s.party == SignParty::Ours);
        let client = d.signatures.iter().find(|s| s.party == SignParty::Client);
        context! {
            cause => d.order.cause,
            remedy => d.order.remedy,
            result => d.order.result,
            fee => d.fee_text(),
            repairers => d.order.repairers,
            ours => ours.map(|s| format!("{} {}", s.signer_name, minute(s.signed_at))),
            client => client.map(|s| format!("{} {}", s.signer_name, minute(s.signed_at))),
            handed_in => d.order.handed_in_at.map(minute),
            signer => d.order.client_signer_name.clone().unwrap_or_else(|| d.ticket.reporter_name.clone()),
            signer_email => d.order.client_signer_email.clone().or_else(|| d.ticket.reporter_email.clone()),
        }
    });
    let repaired = events
        .iter()
        .any(|e| matches!(e.step, TicketStep::Repaired | TicketStep::Replaced));
    let timeline: Vec<Value> = events
        .iter()
        .rev()
        .map(|e| {
            context! {
                id => e.id, step => e.step.as_str(), label => e.step.label_zh(), at => minute(e.at),
                note => e.note, reason => e.reason, actor => e.actor,
                late_entry => (e.recorded_at - e.at).num_minutes() > 10,
                recorded => minute(e.recorded_at),
            }
        })
        .collect();
    let ctx = context! {
        nav => "service",
        flash => flash,
        crumbs => vec![
            context! { label => "服务台", href => "/service" },
            context! { label => row.number.clone().unwrap_or_else(|| format!("工单 {}", row.id)) },
        ],
        ticket => context! {
            id => row.id,
            number => row.number,
            status => row.status.label_zh(),
            closed => row.closed_at.map(minute),
            channel => row.channel.label_zh(),
            reporter => row.reporter_name,
            phone => row.reporter_phone,
            email => row.reporter_email,
            system_type => row.system_type.map(|s| s.label_zh()),
            device => row.device,
            symptom => row.symptom,
            started => row.fault_started_at.map(minute),
            reported => minute(row.reported_at),
            in_warranty => row.in_warranty,
            warranty_ends => row.warranty_ends_on.map(|d| d.to_string()),
            human_damage => row.human_damage,
            paid => row.paid,
            major => row.major_quality,
            failed_repairs => row.failed_repairs,
            paused => paused,
        },
        project => context! { id => project.id, code => project.code, name => project.name, address => project.site_address },
        unit => unit.as_ref().map(|u| context! { label => u.label(), ends_on => u.ends_on.map(|d| d.to_string()) }),
        clocks => clocks.iter().map(|c| clock_ctx(c, read_at, tz)).collect::<Vec<_>>(),
        timing => clocks.iter().any(|c| matches!(c.state, ClockState::Running | ClockState::Paused)),
        buttons => available.iter().filter(|s| is_button(**s, row.status)).map(|s| context! { value => s.as_str(), label => s.label_zh() }).collect::<Vec<_>>(),
        steps => available.iter().map(|s| context! { value => s.as_str(), label => s.label_zh() }).collect::<Vec<_>>(),
        timeline => timeline,
        assignees => assignees.iter().map(|u| u.display_name.clone()).collect::<Vec<_>>(),
        people => people,
        pms => pms,
        loans => loans,
        in_stock => in_stock.iter().filter(|s| !pending.contains(&s.id)).map(|s| context! { id => s.id, label => spares::label(s) }).collect::<Vec<_>>(),
        order => order,
        repaired => repaired,
        may_record => may_record,
        // A 回访 may follow the archive (a call weeks later).
        can_visit => t.granted.may::<RecordWork>(),
        may_manage => may_manage,
        said_at => said.at,
        said => said.message,
        link => said.link.clone(),
        link_qr => said.link.as_deref().and_then(|l| super::qr_svg(l, "上门服务单签字链接的二维码")),
        now_local => now.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
        visits => visits.iter().map(|v| {
            let s = |x: Option<crate::domain::types::Satisfaction>| x.map(|x| x.label_zh());
            context! {
                id => v.id, stage => v.stage.label_zh(), channel => v.channel.label_zh(), sent_to => v.sent_to,
                asked => minute(v.asked_at), answered => v.answered_at.map(minute),
                response => s(v.response), attitude => s(v.attitude), quality => s(v.quality), overall => s(v.overall),
                unhappy => v.overall == Some(crate::domain::types::Satisfaction::Unsatisfied),
                comment => v.comment, complaint => v.complaint, respondent => v.respondent,
                follow_up => v.follow_up, followed_up => v.followed_up_at.map(minute), follow_up_note => v.follow_up_note,
            }
        }).collect::<Vec<_>>(),
        visit_stage => if matches!(row.status, TicketStatus::Resolved | TicketStatus::Closed) { "after" } else { "during" },
        scale => super::choices(crate::domain::types::Satisfaction::ALL, |s| (s.as_str(), s.label_zh())),
        questions => vec![
            context! { key => "response", label => "响应是否及时" },
            context! { key => "attitude", label => "服务态度" },
            context! { key => "quality", label => "维修质量" },
            context! { key => "overall", label => "总体评价" },
        ],
    };
    render(state, status, "ticket.html", Some(me), ctx)
}

/// The ticket for a change, or the page that says why not.
pub(super) async fn for_work(state: &AppState, me: &Session, id: i32) -> Result<Ticket<RecordWork>, Response> {
    tickets::ticket::<RecordWork>(&state.db, &me.actor, id)
        .await
        .map_err(|e| super::refusal(state, me, e))
}

/// After a refused change: the ticket's page again, the reason beside the form.
pub(super) async fn refused(state: &AppState, me: &Session, id: i32, at: &str, e: AppError) -> Response {
    if !matches!(
        e,
        AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_)
    ) {
        return super::refusal(state, me, e);
    }
    show_said(state, me, id, e.status(), Said::at(at, explain(&e))).await
}

/// The ticket's page with `said` beside its form.
pub(super) async fn show_said(state: &AppState, me: &Session, id: i32, status: StatusCode, said: Said) -> Response {
    match tickets::ticket::<Read>(&state.db, &me.actor, id).await {
        Ok(t) => show(state, me, &t, status, None, said).await,
        Err(e) => super::refusal(state, me, e),
    }
}

/// A step of the flow: one tap (now), or back-dated with a note; a pause with its reason.
#[handler]
pub async fn record_step(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let form = f.optional("form").unwrap_or_else(|| "step".into());
    let Ok(step) = TicketStep::parse(&f.get("step")) else {
        return refused(&state, &me, id, &form, AppError::invalid("step", "step: choose a step")).await;
    };
    let tz = timezone_of(t.granted.project());
    let at = match f.optional("at") {
        Some(text) => match local_moment(&text, tz) {
            Some(at) => Some(at),
            None => {
                let e = AppError::invalid("at", "at: not a time");
                return refused(&state, &me, id, &form, e).await;
            }
        },
        None => None,
    };
    let input = StepInput {
        step,
        at,
        note: f.optional("note"),
        reason: f.optional("reason"),
    };
    match tickets::record(&state, &t, input, Utc::now()).await {
        Ok(row) => {
            session::set_flash(
                jar,
                &format!("已记录：{}（工单{}）。", step.label_zh(), row.status.label_zh()),
            );
            see_other(&format!("/tickets/{id}"))
        }
        Err(e) => refused(&state, &me, id, &form, e).await,
    }
}

/// The engineers on the ticket (replacing those assigned); the new ones are told.
#[handler]
pub async fn assign(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let ids: Vec<i32> = Fields(fields)
        .all("user_id")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    match tickets::assign(&state, &t, &ids, Utc::now()).await {
        Ok(people) => {
            let names: Vec<&str> = people.iter().map(|u| u.display_name.as_str()).collect();
            session::set_flash(jar, &format!("已指派 {}，新指派的工程师已收到通知。", names.join("、")));
            see_other(&format!("/tickets/{id}#people"))
        }
        Err(e) => refused(&state, &me, id, "assign", e).await,
    }
}

/// 人为损坏, 收费服务, 重大质量问题 (which tells the technical and quality departments at once).
#[handler]
pub async fn flags(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match for_work(&state, &me, id).await {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let flags = Flags {
        human_damage: Some(f.get("human_damage") == "1"),
        major_quality: Some(f.get("major_quality") == "1"),
        paid: Some(f.get("paid") == "1"),
    };
    let newly_major = flags.major_quality == Some(true) && !t.row.major_quality;
    match tickets::set_flags(&state, &t, flags, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                if newly_major {
                    "已标记为重大工程质量问题，已通知技术部和质检部。"
                } else {
                    "工单标记已保存。"
                },
            );
            see_other(&format!("/tickets/{id}#flags"))
        }
        Err(e) => refused(&state, &me, id, "flags", e).await,
    }
}

/// The desk logs a fault from a call or an e-mail, from the project's 售后 page.
pub(super) fn fault_card(f: &Fields, tz: Tz) -> Result<tickets::FaultCard, AppError> {
    let moment = |name: &str| match f.optional(name) {
        Some(text) => local_moment(&text, tz)
            .map(Some)
            .ok_or_else(|| AppError::invalid(name, format!("{name}: not a time"))),
        None => Ok(None),
    };
    let system_type = match f.optional("system_type") {
        Some(s) => Some(
            crate::domain::types::SystemType::parse(&s)
                .map_err(|_| AppError::invalid("system_type", "system_type: choose one"))?,
        ),
        None => None,
    };
    Ok(tickets::FaultCard {
        reporter_name: f.get("reporter_name"),
        reporter_phone: f.get("reporter_phone"),
        reporter_email: f.optional("reporter_email"),
        system_type,
        unit_id: f.optional("unit_id").and_then(|u| u.parse().ok()),
        serial: f.optional("serial"),
        device: f.optional("device"),
        symptom: f.get("symptom"),
        fault_started_at: moment("fault_started_at")?,
        reported_at: moment("reported_at")?,
    })
}
