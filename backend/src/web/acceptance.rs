//! 验收: the initial acceptance — its plan, the invitation, the client's agreement, the record and
//! the report and memo signed by both — the leftover issues followed to their close, and the trial
//! run's figures and log.
use chrono::{NaiveDate, NaiveTime, Utc};
use minijinja::context;
use poem::{
    Request, Response, handler,
    http::StatusCode,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{AcceptanceConclusion, AcceptanceStage, IssueSeverity, RunState, SignParty, SignedDocument},
    error::AppError,
    service::{
        acceptance::{self, Check, IssueStep, NewIssue, Participant, PlanInput, RecordInput},
        access::{Granted, Manage, MayRead, Read, RecordWork},
        document_handover, evaluation,
        projects::timezone_of,
        signing::{self, RequestInput, Signed},
        trial_run::{self, LogInput},
    },
    state::AppState,
};

/// An error beside the form it concerns.
struct Said {
    at: String,
    message: String,
}

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(&state, &me, &p, StatusCode::OK, session::take_flash(jar), None).await
}

/// Participants typed one per line: 姓名 职务 邮箱 (the e-mail recognised by its @).
fn participants(text: &str) -> Vec<Participant> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let words: Vec<&str> = l
                .split([' ', '\t', ',', '，', '、'])
                .filter(|w| !w.is_empty())
                .collect();
            let email = words.iter().find(|w| w.contains('@')).map(|w| w.to_string());
            let rest: Vec<&str> = words.iter().copied().filter(|w| !w.contains('@')).collect();
            Participant {
                name: rest.first().map(|s| s.to_string()).unwrap_or_default(),
                role: rest.get(1..).map(|r| r.join(" ")).unwrap_or_default(),
                email,
            }
        })
        .collect()
}

fn participant_lines(list: &[Participant]) -> String {
    list.iter()
        .map(|p| {
            [p.name.as_str(), p.role.as_str(), p.email.as_deref().unwrap_or("")]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    said: Option<Said>,
) -> Response {
    let (initial, fin, issues, run) = match (
        acceptance::get(&state.db, p, AcceptanceStage::Initial).await,
        acceptance::get(&state.db, p, AcceptanceStage::Final).await,
        acceptance::issues(&state.db, p).await,
        trial_run::get(&state.db, p).await,
    ) {
        (Ok(a), Ok(f), Ok(i), Ok(r)) => (a, f, i, r),
        (Err(e), ..) | (_, Err(e), ..) | (_, _, Err(e), _) | (.., Err(e)) => return super::refusal(state, me, e),
    };
    let (initial_blockers, final_blockers) = match (
        acceptance::blockers(&state.db, p.project(), AcceptanceStage::Initial).await,
        acceptance::blockers(&state.db, p.project(), AcceptanceStage::Final).await,
    ) {
        (Ok(i), Ok(f)) => (i, f),
        (Err(e), _) | (_, Err(e)) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(p.project());
    let minute = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let today = Utc::now().with_timezone(&tz).date_naive();
    let said_at = |at: &str| said.as_ref().filter(|s| s.at == at).map(|s| s.message.clone());
    let stage_ctx = |stage: AcceptanceStage,
                     data: Option<&acceptance::AcceptanceData>,
                     blockers: &[acceptance::Blocker]| {
        let key = stage.as_str();
        let said_here = |what: &str| said_at(&format!("{key}-{what}"));
        let a_ctx = data.map(|d| {
            let a = &d.acceptance;
            let parts: Vec<_> = d
                .parts()
                .into_iter()
                .map(|part| {
                    let signed = |party| {
                        d.signature(part, party)
                            .map(|s| format!("{} {}", s.signer_name, signing::signed_minute(s)))
                    };
                    context! {
                        number => part, title => document_title(stage, d.part_title(part)),
                        ours => signed(SignParty::Ours), client => signed(SignParty::Client),
                    }
                })
                .collect();
            context! {
                starts => a.starts_at.map(minute), ends => a.ends_at.map(|t| t.with_timezone(&tz).format("%H:%M").to_string()),
                day => a.starts_at.map(|t| t.with_timezone(&tz).date_naive().to_string()),
                start_time => a.starts_at.map(|t| t.with_timezone(&tz).format("%H:%M").to_string()),
                form => a.form, place => a.place,
                ours => participant_lines(&d.our_participants), client => participant_lines(&d.client_participants),
                signer => a.client_signer_name, signer_email => a.client_signer_email,
                invited => a.invited_at.map(minute), sequence => a.invitation_sequence,
                agreed => a.agreed_at.map(minute), agreed_by => a.agreed_by,
                held_on => a.held_on.map(|d| d.to_string()),
                checks => d.checks.iter().map(|c| context! { item => c.item, passed => c.passed, remark => c.remark }).collect::<Vec<_>>(),
                conclusion => a.conclusion.map(|c| c.label_zh()),
                opinion => a.opinion, memo => a.memo,
                recorded => a.recorded_at.is_some(),
                parts => parts, signed => d.fully_signed(),
            }
        });
        context! {
            key => key,
            title => stage.label_zh(),
            memo => stage == AcceptanceStage::Initial,
            a => a_ctx,
            blockers => blockers.iter().map(|b| b.zh.clone()).collect::<Vec<_>>(),
            said => context! {
                plan => said_here("plan"), invite => said_here("invite"), agree => said_here("agree"),
                record => said_here("record"), sign => said_here("sign"), request => said_here("request"),
            },
        }
    };
    let stages = vec![
        stage_ctx(AcceptanceStage::Initial, initial.as_ref(), &initial_blockers),
        stage_ctx(AcceptanceStage::Final, fin.as_ref(), &final_blockers),
    ];
    let project = p.project();
    let delivered = project.delivered_on.map(|d| {
        context! {
            on => d.to_string(),
            warranty => project.warranty_starts_on.map(|w| w.to_string()),
        }
    });
    let house = state.settings.house();
    let (checklist, handovers, evaluations) = match (
        document_handover::checklist(&state.db, p, &house).await,
        document_handover::handovers(&state.db, p).await,
        evaluation::get(&state.db, p).await,
    ) {
        (Ok(c), Ok(h), Ok(e)) => (c, h, e),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return super::refusal(state, me, e),
    };
    let chart = match project.delivered_on {
        Some(_) => match evaluation::chart(&state.db, project).await {
            Ok(c) => Some(c.svg()),
            Err(e) => return super::refusal(state, me, e),
        },
        None => None,
    };
    let documents = context! {
        checklist => checklist.iter().map(|l| {
            let latest = l.status.latest.as_ref();
            context! {
                form => l.kind.key(), title => l.kind.title(house.lang),
                number => latest.map(|d| d.number.clone()), version => latest.map(|d| d.version),
                problem => l.problem().map(|b| b.zh),
            }
        }).collect::<Vec<_>>(),
        ready => checklist.iter().all(|l| l.problem().is_none()),
        handovers => handovers.iter().map(|h| context! {
            id => h.handover.id, recipient => h.handover.recipient_name, email => h.handover.recipient_email,
            made => minute(h.handover.created_at), documents => h.items.len(), copies => h.copies(),
            acknowledged => h.handover.acknowledged_at.map(minute),
            ours => h.signature(document_handover::MEMO, SignParty::Ours).map(|s| s.signer_name.clone()),
        }).collect::<Vec<_>>(),
        acknowledged => handovers.iter().any(|h| h.handover.acknowledged_at.is_some()),
    };
    let side = |e: &Option<entity::evaluation::Model>| {
        e.as_ref().map(|e| context! {
            name => e.evaluator_name, role => e.evaluator_role, email => e.evaluator_email,
            scores => evaluation::scores_of(e).map(|s| evaluation::DIMENSIONS.iter().zip(s).map(|((_, label), v)| context! {
                label => label, score => v, words => evaluation::score_words(v),
            }).collect::<Vec<_>>()),
            comments => e.comments, submitted => e.submitted_at.map(minute), requested => e.requested_at.map(minute),
        })
    };
    let summary = context! {
        ours => side(&evaluations.ours),
        client => side(&evaluations.client),
        both => evaluations.both_in(),
        chart => chart,
        dimensions => evaluation::DIMENSIONS.iter().map(|(key, label)| context! { key => key, label => label }).collect::<Vec<_>>(),
        scale => (1..=5).rev().map(|v| context! { value => v, label => evaluation::score_words(v) }).collect::<Vec<_>>(),
    };
    let issues: Vec<_> = issues
        .iter()
        .map(|i| {
            context! {
                id => i.id, number => i.number, source => i.source.label_zh(), description => i.description,
                severity => i.severity.label_zh(), owner => i.owner, due_on => i.due_on.to_string(),
                status => i.status.as_str(), status_label => i.status.label_zh(), resolution => i.resolution,
                confirmed_by => i.confirmed_by, defer_reason => i.defer_reason,
                overdue => matches!(i.status, crate::domain::types::IssueStatus::Open | crate::domain::types::IssueStatus::Fixed) && i.due_on < today,
                error => said_at(&format!("issue-{}", i.id)),
            }
        })
        .collect();
    let run_ctx = run.as_ref().map(|r| {
        let f = r.figures(today);
        context! {
            started_on => r.run.started_on.to_string(), ended_on => r.run.ended_on.map(|d| d.to_string()),
            figures => f, conclusion => r.run.conclusion,
            logs => r.logs.iter().rev().take(14).map(|l| context! {
                date => l.log_date.to_string(), party => if l.party == SignParty::Client { "甲方" } else { "乙方" },
                state => l.state.label_zh(), events => l.events, faults => l.faults, written_by => l.written_by,
            }).collect::<Vec<_>>(),
        }
    });
    let ctx = context! {
        nav => "projects",
        tab => "acceptance",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "验收", "acceptance", None),
        flash => flash,
        stages => stages,
        delivered => delivered,
        documents => documents,
        summary => summary,
        said_handover => said_at("handover"),
        said_evaluate => said_at("evaluate"),
        said_evaluation_request => said_at("evaluation-request"),
        issues => issues,
        run => run_ctx,
        today => today.to_string(),
        severities => super::choices(IssueSeverity::ALL, |s| (s.as_str(), s.label_zh())),
        conclusions => super::choices(AcceptanceConclusion::ALL, |c| (c.as_str(), c.label_zh())),
        run_states => super::choices(RunState::ALL, |s| (s.as_str(), s.label_zh())),
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        said_issue => said_at("issue"),
        said_log => said_at("log"),
    };
    render(state, status, "acceptance.html", Some(me), ctx)
}

/// Why a plan or record was refused: what final acceptance still waits for, else the reason.
async fn why(state: &AppState, p: &Granted<impl MayRead>, stage: AcceptanceStage, e: &AppError) -> String {
    if stage == AcceptanceStage::Final
        && matches!(e, AppError::Conflict(m) if m.contains("cannot be"))
        && let Ok(blocking) = acceptance::blockers(&state.db, p.project(), stage).await
        && !blocking.is_empty()
    {
        let list: Vec<String> = blocking.into_iter().map(|b| b.zh).collect();
        return format!("终验前还需要：{}。", list.join("；"));
    }
    in_words(e)
}

/// A signed part's title as people say it: 《系统初验报告》, 《终验报告》.
fn document_title(stage: AcceptanceStage, part_title: &str) -> String {
    match stage {
        AcceptanceStage::Initial => format!("系统{part_title}"),
        AcceptanceStage::Final => part_title.to_string(),
    }
}

/// The stage a page's path names, or the page of a path that is not there.
fn stage_of(stage: &str) -> Option<AcceptanceStage> {
    AcceptanceStage::parse(stage).ok()
}

/// The answer to a refused form: the page again, the message beside that form.
async fn refused(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    at: &str,
    e: AppError,
    message: String,
) -> Response {
    let said = Said { at: at.into(), message };
    show(state, me, p, e.status(), None, Some(said)).await
}

/// The service's reason, said in Chinese where it is one people meet, else as it is.
fn in_words(e: &AppError) -> String {
    let m = e.to_string();
    if m.contains("预验收证书") {
        "预验收证书双方签字后才能安排系统初验。".into()
    } else if m.contains("agree") {
        "请先记录甲方对验收安排的确认。".into()
    } else if m.contains("ends_at") {
        "结束时间应晚于开始时间。".into()
    } else if m.contains("conditional") {
        "有条件通过需要列出至少一项遗留问题。".into()
    } else if m.contains("opinion") {
        "不通过时请写明验收意见。".into()
    } else if m.contains("void its signatures") {
        "已签字的内容不能修改：请先作废签字并写明原因。".into()
    } else if m.contains("e-mail address") {
        "请为甲方参加人员填写电子邮箱（姓名 职务 邮箱）。".into()
    } else if m.contains("name at least one") || m.contains("needs a name") {
        "双方参加人员每行一人：姓名 职务 邮箱。".into()
    } else {
        format!("无法保存：{m}")
    }
}

fn day_time(day: &str, time: &str, p: &Granted<impl MayRead>) -> Option<chrono::DateTime<Utc>> {
    let d = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?;
    d.and_time(t)
        .and_local_timezone(timezone_of(p.project()))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

#[handler]
pub async fn plan(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, stage)): Path<(i32, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    let f = Fields(fields);
    let (Some(starts), Some(ends)) = (
        day_time(&f.get("day"), &f.get("start"), &p),
        day_time(&f.get("day"), &f.get("end"), &p),
    ) else {
        let e = AppError::invalid("day", "day, start, end");
        return refused(
            &state,
            &me,
            &p,
            &format!("{}-plan", stage.as_str()),
            e,
            "请填写日期和起止时间。".into(),
        )
        .await;
    };
    let input = PlanInput {
        starts_at: starts,
        ends_at: ends,
        form: f.get("form"),
        place: f.get("place"),
        our_participants: participants(&f.get("ours")),
        client_participants: participants(&f.get("client")),
        client_signer_name: f.optional("signer"),
        client_signer_email: f.optional("signer_email"),
    };
    match acceptance::plan(&state.db, &p, stage, input, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                &format!(
                    "{}安排已保存。发送邀请后，参加人员的日历中会出现这次验收。",
                    stage.label_zh()
                ),
            );
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = why(&state, &p, stage, &e).await;
            refused(&state, &me, &p, &format!("{}-plan", stage.as_str()), e, message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn invite(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, stage)): Path<(i32, String)>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    match acceptance::invite(&state, &p, stage, Utc::now()).await {
        Ok(n) => {
            session::set_flash(jar, &format!("已向 {n} 位参加人员发送带日历邀请的邮件。"));
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ AppError::Conflict(_)) => {
            refused(
                &state,
                &me,
                &p,
                "invite",
                e,
                "参加人员都没有电子邮箱，无法发送邀请。".into(),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn agree(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, stage)): Path<(i32, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    let by = Fields(fields).get("agreed_by");
    match acceptance::agree(&state.db, &p, stage, &by, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, &format!("已记录：{by} 代表甲方确认验收安排。"));
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ AppError::Invalid { .. }) => {
            refused(
                &state,
                &me,
                &p,
                &format!("{}-agree", stage.as_str()),
                e,
                "请填写代表甲方确认的人。".into(),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Checks typed one per line: 检查项目|合格 or 不合格|说明.
fn checks(text: &str) -> Vec<Check> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split(['|', '｜']).map(str::trim).collect();
            Check {
                item: cells.first().map(|s| s.to_string()).unwrap_or_default(),
                passed: cells.get(1).is_none_or(|r| !r.contains("不合格")),
                remark: cells.get(2).map(|s| s.to_string()).unwrap_or_default(),
            }
        })
        .collect()
}

#[handler]
pub async fn record(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, stage)): Path<(i32, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    let f = Fields(fields);
    let Ok(held_on) = NaiveDate::parse_from_str(&f.get("held_on"), "%Y-%m-%d") else {
        let e = AppError::invalid("held_on", "held_on");
        return refused(
            &state,
            &me,
            &p,
            &format!("{}-record", stage.as_str()),
            e,
            "请填写验收日期。".into(),
        )
        .await;
    };
    let Ok(conclusion) = AcceptanceConclusion::parse(&f.get("conclusion")) else {
        let e = AppError::invalid("conclusion", "conclusion");
        return refused(
            &state,
            &me,
            &p,
            &format!("{}-record", stage.as_str()),
            e,
            "请选择验收结论。".into(),
        )
        .await;
    };
    let mut issues = Vec::new();
    for line in f.get("issues").lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let due = cells.get(3).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let severity = match cells.get(1).copied().unwrap_or_default() {
            "严重" => IssueSeverity::Critical,
            "重要" => IssueSeverity::Major,
            _ => IssueSeverity::Minor,
        };
        let Some(due_on) = due else {
            let e = AppError::invalid("issues", "issues");
            let message = format!("遗留问题“{line}”：每行写 问题描述|严重程度|责任方|完成期限（如 2026-12-18）。");
            return refused(&state, &me, &p, &format!("{}-record", stage.as_str()), e, message).await;
        };
        issues.push(NewIssue {
            description: cells.first().map(|s| s.to_string()).unwrap_or_default(),
            severity,
            owner: cells.get(2).map(|s| s.to_string()).unwrap_or_default(),
            due_on,
        });
    }
    let input = RecordInput {
        held_on,
        checks: checks(&f.get("checks")),
        conclusion,
        opinion: f.optional("opinion"),
        memo: f.optional("memo"),
        issues,
    };
    match acceptance::record(&state.db, &p, stage, input, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                match stage {
                    AcceptanceStage::Initial => "验收情况已记录。请双方在《系统初验报告》和《系统初验备忘录》上签字。",
                    AcceptanceStage::Final => "验收情况已记录。请双方在《终验报告》上签字。",
                },
            );
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = why(&state, &p, stage, &e).await;
            refused(&state, &me, &p, &format!("{}-record", stage.as_str()), e, message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[handler]
pub async fn sign(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path((id, stage, part)): Path<(i32, String, i32)>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    let evidence = crate::api::evidence(req);
    match acceptance::sign(&state.db, &p, stage, part, evidence, Utc::now()).await {
        Ok(d) => {
            session::set_flash(
                jar,
                &format!("《{}》已由我方签字。", document_title(stage, d.part_title(part))),
            );
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ (AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Forbidden(_) => "只有项目组成员可以代表乙方签字。",
                AppError::Conflict(m) if m.contains("already signed") => "我方已经签过字。",
                _ => "请先记录验收情况。",
            };
            refused(&state, &me, &p, &format!("{}-sign", stage.as_str()), e, message.into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The report and memo sent to the client's signer by e-mail.
#[handler]
pub async fn request(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, stage)): Path<(i32, String)>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(stage) = stage_of(&stage) else {
        return super::refusal(
            &state,
            &me,
            AppError::not_found(format!("no acceptance stage '{stage}'")),
        );
    };
    let current = match acceptance::get(&state.db, &p, stage).await {
        Ok(Some(d)) => d,
        Ok(None) => return super::refusal(&state, &me, AppError::Conflict("not planned".into())),
        Err(e) => return super::refusal(&state, &me, e),
    };
    let unsigned: Vec<i32> = current
        .parts()
        .into_iter()
        .filter(|part| current.signature(*part, SignParty::Client).is_none())
        .collect();
    let input = RequestInput {
        pages: unsigned,
        signer_name: None,
        signer_email: None,
        signer_role: None,
        on_site: false,
    };
    match signing::request(
        &state,
        &p,
        SignedDocument::Acceptance,
        current.acceptance.id,
        input,
        Utc::now(),
    )
    .await
    {
        Ok(r) => {
            session::set_flash(jar, &format!("已发邮件请 {} 签字。", r.request.signer_name));
            see_other(&format!("/projects/{id}/acceptance#{}", stage.as_str()))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { .. } => "没有需要甲方签字的文件，或还没有甲方签字人的电子邮箱。",
                _ => "请先记录验收情况。",
            };
            refused(
                &state,
                &me,
                &p,
                &format!("{}-request", stage.as_str()),
                e,
                message.into(),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A leftover issue moved on: fix, confirm, defer or reopen.
#[handler]
pub async fn issue_step(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, issue)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let step = match f.get("action").as_str() {
        "fix" => IssueStep::Fixed {
            resolution: f.get("resolution"),
        },
        "confirm" => IssueStep::Confirmed { by: f.get("by") },
        "defer" => IssueStep::Deferred {
            by: f.get("by"),
            reason: f.get("reason"),
        },
        _ => IssueStep::Reopened {
            reason: f.get("reason"),
        },
    };
    match acceptance::follow_up(&state.db, &p, issue, step, Utc::now()).await {
        Ok(i) => {
            session::set_flash(jar, &format!("遗留问题 {}：{}。", i.number, i.status.label_zh()));
            see_other(&format!("/projects/{id}/acceptance#issue-{issue}"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_) | AppError::Forbidden(_))) => {
            let message = match &e {
                AppError::Forbidden(_) => "甲方的确认由项目主管记录。".to_string(),
                AppError::Invalid { field, .. } if field.as_deref() == Some("resolution") => "请写明处理方法。".into(),
                AppError::Invalid { field, .. } if field.as_deref() == Some("confirmed_by") => {
                    "请填写甲方确认人。".into()
                }
                AppError::Invalid { .. } => "请写明原因。".into(),
                _ => "这个问题当前的状态不能这样处理。".into(),
            };
            refused(&state, &me, &p, &format!("issue-{issue}"), e, message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A leftover issue found during the trial run.
#[handler]
pub async fn add_issue(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let (Ok(severity), Ok(due_on)) = (
        IssueSeverity::parse(&f.get("severity")),
        NaiveDate::parse_from_str(&f.get("due_on"), "%Y-%m-%d"),
    ) else {
        let e = AppError::invalid("due_on", "due_on");
        return refused(&state, &me, &p, "issue", e, "请选择严重程度并填写完成期限。".into()).await;
    };
    let issue = NewIssue {
        description: f.get("description"),
        severity,
        owner: f.get("owner"),
        due_on,
    };
    match acceptance::add_issue(&state.db, &p, issue, Utc::now()).await {
        Ok(i) => {
            session::set_flash(jar, &format!("已记录遗留问题 {}。", i.number));
            see_other(&format!("/projects/{id}/acceptance#issues"))
        }
        Err(e @ AppError::Invalid { .. }) => {
            refused(&state, &me, &p, "issue", e, "请填写问题描述和责任方。".into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A day of the trial-run log.
#[handler]
pub async fn log(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let (Ok(date), Ok(party), Ok(run_state)) = (
        NaiveDate::parse_from_str(&f.get("date"), "%Y-%m-%d"),
        SignParty::parse(&f.get("party")),
        RunState::parse(&f.get("state")),
    ) else {
        let e = AppError::invalid("date", "date");
        return refused(&state, &me, &p, "log", e, "请填写日期、记录方和运行状态。".into()).await;
    };
    let input = LogInput {
        date,
        party,
        state: run_state,
        events: f.get("events"),
        faults: f.optional("faults"),
        written_by: f.get("written_by"),
    };
    match trial_run::log(&state.db, &p, input, Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, &format!("{date} 的运行日志已保存。"));
            see_other(&format!("/projects/{id}/acceptance#trial-run"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field, .. } if field.as_deref() == Some("faults") => {
                    "运行不正常的一天请写明故障情况。"
                }
                AppError::Invalid { field, .. } if field.as_deref() == Some("date") => {
                    "日期应在试运行开始之后、今天之前。"
                }
                AppError::Invalid { .. } => "请填写运行情况和记录人。",
                _ => "试运行尚未开始或已经结束。",
            };
            refused(&state, &me, &p, "log", e, message.into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The nine documents handed to the client's recipient: pages and copies per document from the
/// form, the 技术文档交付备忘录 sent to sign on receipt.
#[handler]
pub async fn hand_over_documents(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let lines = document_handover::NINE
        .iter()
        .map(|k| document_handover::LineInput {
            form: k.key().into(),
            pages: f.get(&format!("pages_{}", k.key())).parse().ok(),
            copies: f.get(&format!("copies_{}", k.key())).parse().unwrap_or(1),
        })
        .collect();
    let input = document_handover::HandoverInput {
        recipient_name: f.get("recipient_name"),
        recipient_email: f.get("recipient_email"),
        recipient_role: f.optional("recipient_role"),
        lines,
    };
    match document_handover::hand_over(&state, &p, input, Utc::now()).await {
        Ok((d, _)) => {
            session::set_flash(
                jar,
                &format!(
                    "已把《技术文档交付备忘录》发给 {} 签收：{} 项文档共 {} 份。",
                    d.handover.recipient_name,
                    d.items.len(),
                    d.copies()
                ),
            );
            see_other(&format!("/projects/{id}/acceptance#documents"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field: Some(f), .. } if f == "recipient_email" => {
                    "请填写接收人的电子邮箱。".to_string()
                }
                AppError::Invalid { field: Some(f), .. } if f == "recipient_name" => "请填写接收人。".to_string(),
                AppError::Invalid { .. } => "页数为正整数，份数为 1 到 100。".to_string(),
                _ => "九项文档都登记了最新版本后才能移交（见上表）。".to_string(),
            };
            refused(&state, &me, &p, "handover", e, message).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

fn scores_from(f: &Fields) -> evaluation::Scores {
    let mut scores = [0; 5];
    for (n, (key, _)) in evaluation::DIMENSIONS.iter().enumerate() {
        scores[n] = f.get(key).parse().unwrap_or(0);
    }
    evaluation::Scores {
        scores,
        comments: f.optional("comments"),
        evaluator_name: f.get("evaluator_name"),
        evaluator_role: f.optional("evaluator_role"),
    }
}

/// Our side's evaluation of the delivered project.
#[handler]
pub async fn evaluate(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match evaluation::evaluate_ours(&state.db, &p, scores_from(&Fields(fields)), Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "乙方评价已保存。");
            see_other(&format!("/projects/{id}/acceptance#summary"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field: Some(f), .. } if f == "evaluator_name" => "请填写评价人。",
                AppError::Invalid { .. } => "五项都请选择 1 到 5 分。",
                _ => "终验报告双方签字、项目交付后才能评价。",
            };
            refused(&state, &me, &p, "evaluate", e, message.into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// The client's evaluator gets a link of their own.
#[handler]
pub async fn request_evaluation(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let who = evaluation::ClientRequest {
        name: f.get("name"),
        email: f.get("email"),
        role: f.optional("role"),
    };
    match evaluation::request_client(&state, &p, who, Utc::now()).await {
        Ok((e, _)) => {
            session::set_flash(
                jar,
                &format!(
                    "已发邮件请 {} 评价本项目（链接两周内有效）。",
                    e.evaluator_name.unwrap_or_default()
                ),
            );
            see_other(&format!("/projects/{id}/acceptance#summary"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match &e {
                AppError::Invalid { field: Some(f), .. } if f == "email" => "请填写甲方评价人的电子邮箱。",
                AppError::Invalid { .. } => "请填写甲方评价人。",
                AppError::Conflict(m) if m.contains("already") => "甲方已经提交了评价。",
                _ => "终验报告双方签字、项目交付后才能评价。",
            };
            refused(&state, &me, &p, "evaluation-request", e, message.into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
