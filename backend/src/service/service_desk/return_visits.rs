//! 回访 (1.3.9 回访制度): the service platform asks the client about a repair — during it (how fast
//! we answered, the engineer's attitude, the quality so far) and after it — by phone, the desk
//! recording the answers, or by a one-time link e-mailed to the reporter, no account needed. Each
//! answer rates 满意 / 基本满意 / 不满意 with a comment and says whether it is a complaint; an
//! unhappy answer or a complaint opens a follow-up for the project's managers, told at once. The
//! answer after the repair is the ticket's 维修后回访 step.
use chrono::{DateTime, Duration, SubsecRound, Utc};
use entity::{project, return_visit, service_ticket, ticket_event};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::tickets::{Step, Ticket, managers, note_step};
use crate::{
    db::begin_write,
    domain::types::{Satisfaction, TicketStatus, TicketStep, VisitChannel, VisitStage, optional_text},
    email::{messages, outbox},
    error::{AppError, AppResult},
    service::{
        Actor,
        access::{MayManage, MayRead, MayRecordWork},
        audit,
        auth::{hash_secret, new_secret},
    },
    state::AppState,
};

/// How long a 回访 link opens.
pub const LINK_DAYS: i64 = 14;

/// What the client says.
#[derive(Debug, Clone)]
pub struct Answers {
    /// 响应及时.
    pub response: Satisfaction,
    /// 服务态度.
    pub attitude: Satisfaction,
    /// 维修质量 (so far, during the repair).
    pub quality: Satisfaction,
    /// 总体评价.
    pub overall: Satisfaction,
    pub comment: Option<String>,
    pub complaint: bool,
    /// Who answered; the reporter when absent.
    pub respondent: Option<String>,
}

impl Answers {
    /// An unhappy answer or a complaint: the PMs follow it up.
    pub fn wants_follow_up(&self) -> bool {
        self.complaint
            || [self.response, self.attitude, self.quality, self.overall].contains(&Satisfaction::Unsatisfied)
    }
}

/// Which visit a ticket's state allows: during the repair until it is resolved, after it then.
fn stage_allowed(ticket: &service_ticket::Model, stage: VisitStage) -> AppResult<()> {
    let resolved = matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed);
    match (stage, resolved) {
        (VisitStage::During, true) => Err(AppError::Conflict(
            "the fault is removed already: ask after the repair (stage after)".into(),
        )),
        (VisitStage::After, false) => Err(AppError::Conflict(
            "the fault is not removed yet: ask during the repair (stage during)".into(),
        )),
        _ => Ok(()),
    }
}

/// The desk records a call: the client's answers, now.
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn record_call(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    stage: VisitStage,
    answers: Answers,
    now: DateTime<Utc>,
) -> AppResult<return_visit::Model> {
    stage_allowed(&t.row, stage)?;
    let txn = begin_write(&state.db).await?;
    let visit = return_visit::ActiveModel {
        ticket_id: Set(t.row.id),
        stage: Set(stage),
        channel: Set(VisitChannel::Phone),
        asked_at: Set(now),
        recorded_by: Set(t.granted.actor().id),
        complaint: Set(false),
        follow_up: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let visit = answer_in(
        state,
        &txn,
        t.granted.project(),
        &t.row,
        visit,
        answers,
        t.granted.actor(),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(visit)
}

/// Stores the answers of `visit` and what they set off: the 维修后回访 step, the follow-up.
#[allow(clippy::too_many_arguments)]
async fn answer_in(
    state: &AppState,
    txn: &DatabaseTransaction,
    project: &project::Model,
    ticket: &service_ticket::Model,
    visit: return_visit::Model,
    answers: Answers,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<return_visit::Model> {
    let comment = optional_text("comment", answers.comment.as_deref(), 2000)?;
    let respondent = optional_text("respondent", answers.respondent.as_deref(), 100)?
        .unwrap_or_else(|| ticket.reporter_name.clone());
    let follow_up = answers.wants_follow_up();
    let mut active: return_visit::ActiveModel = visit.into();
    active.answered_at = Set(Some(now));
    let answered_on = now
        .with_timezone(&crate::service::projects::timezone_of(project))
        .date_naive();
    active.answered_month = Set(Some(crate::domain::statistics::Month::of(answered_on).key()));
    active.response = Set(Some(answers.response));
    active.attitude = Set(Some(answers.attitude));
    active.quality = Set(Some(answers.quality));
    active.overall = Set(Some(answers.overall));
    active.comment = Set(comment.clone());
    active.complaint = Set(answers.complaint);
    active.respondent = Set(Some(respondent.clone()));
    active.follow_up = Set(follow_up);
    let visit = active.update(txn).await?;
    if let Some(month) = visit.answered_month {
        super::statistics::month_counts::recount(txn, ticket.project_id, &[month]).await?;
    }
    // The answer after the repair is the flow's 维修后回访, once.
    let current = service_ticket::Entity::find_by_id(ticket.id).one(txn).await?;
    let visited = ticket_event::Entity::find()
        .filter(ticket_event::Column::TicketId.eq(ticket.id))
        .filter(ticket_event::Column::Step.eq(TicketStep::ReturnVisit))
        .one(txn)
        .await?
        .is_some();
    if visit.stage == VisitStage::After && !visited && current.is_some_and(|c| c.status == TicketStatus::Resolved) {
        let step = Step {
            step: TicketStep::ReturnVisit,
            at: now.trunc_subsecs(0),
            note: Some(format!("{}：{}", respondent, answers.overall.label_zh())),
            reason: None,
        };
        note_step(txn, project, ticket.id, step, actor, now).await?;
    }
    audit::project_event(
        txn,
        actor,
        project.id,
        "return_visit.answered",
        format!("ticket:{}", ticket.id),
        json!({ "visit": visit.id, "overall": answers.overall, "complaint": answers.complaint }),
        now,
    )
    .await?;
    if follow_up {
        tell_managers(state, txn, project, ticket, &visit, now).await?;
    }
    Ok(visit)
}

/// An unhappy answer or a complaint, to the project's managers (and the service managers).
async fn tell_managers(
    state: &AppState,
    txn: &DatabaseTransaction,
    project: &project::Model,
    ticket: &service_ticket::Model,
    visit: &return_visit::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut to: Vec<(String, String)> = managers(txn, project.id)
        .await?
        .into_iter()
        .filter(|(_, u)| !u.disabled)
        .filter_map(|(_, u)| u.email.clone().map(|e| (e, u.display_name.clone())))
        .collect();
    for address in &state.settings.service_desk.service_managers {
        to.push((address.clone(), "服务经理".into()));
    }
    let label = |s: Option<Satisfaction>| s.map(Satisfaction::label_zh).unwrap_or("—");
    for (address, name) in to {
        let ctx = minijinja::context! {
            name => name,
            complaint => visit.complaint,
            number => ticket.number,
            project_code => project.code,
            project_name => project.name,
            respondent => visit.respondent,
            response => label(visit.response),
            attitude => label(visit.attitude),
            quality => label(visit.quality),
            overall => label(visit.overall),
            comment => visit.comment,
            link => format!("{}/tickets/{}#return-visits", state.settings.base_url(), ticket.id),
        };
        let env = &state.templates.env;
        let render = |t: &str| messages::render(env, t, &ctx);
        outbox::enqueue(
            txn,
            outbox::NewEmail {
                key: format!("return_visit_follow_up:{}:{address}", visit.id),
                kind: "return_visit_follow_up".into(),
                project_id: Some(project.id),
                to_address: address,
                to_name: Some(name),
                subject: render("return_visit_follow_up.subject.txt")?,
                text: render("return_visit_follow_up.txt")?,
                html: None,
                calendar: None,
            },
            Duration::hours(state.settings.mail_retry_horizon_hours),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Sends the reporter a one-time link to answer (they need an e-mail address on the ticket).
#[tracing::instrument(skip_all, fields(ticket_id = t.row.id))]
pub async fn send_link(
    state: &AppState,
    t: &Ticket<impl MayRecordWork>,
    stage: VisitStage,
    now: DateTime<Utc>,
) -> AppResult<return_visit::Model> {
    stage_allowed(&t.row, stage)?;
    let Some(address) = t.row.reporter_email.clone() else {
        return Err(AppError::Conflict(
            "the reporter left no e-mail address: ask by phone instead".into(),
        ));
    };
    let (token, hash) = new_secret();
    let project = t.granted.project();
    let txn = begin_write(&state.db).await?;
    let visit = return_visit::ActiveModel {
        ticket_id: Set(t.row.id),
        stage: Set(stage),
        channel: Set(VisitChannel::Link),
        token_hash: Set(Some(hash)),
        sent_to: Set(Some(address.clone())),
        expires_at: Set(Some(now + Duration::days(LINK_DAYS))),
        asked_at: Set(now),
        recorded_by: Set(t.granted.actor().id),
        complaint: Set(false),
        follow_up: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let ctx = minijinja::context! {
        name => t.row.reporter_name,
        during => stage == VisitStage::During,
        number => t.row.number,
        project_name => project.name,
        symptom => t.row.symptom,
        link => format!("{}/feedback/{token}", state.settings.base_url()),
        days => LINK_DAYS,
        company_phone => state.settings.company_phone,
    };
    let env = &state.templates.env;
    let render = |name: &str| messages::render(env, name, &ctx);
    outbox::enqueue(
        &txn,
        outbox::NewEmail {
            key: format!("return_visit:{}", visit.id),
            kind: "return_visit".into(),
            project_id: Some(project.id),
            to_address: address,
            to_name: Some(t.row.reporter_name.clone()),
            subject: render("return_visit.subject.txt")?,
            text: render("return_visit.txt")?,
            html: None,
            calendar: None,
        },
        Duration::hours(state.settings.mail_retry_horizon_hours),
        now,
    )
    .await?;
    audit::project_event(
        &txn,
        t.granted.actor(),
        project.id,
        "return_visit.sent",
        format!("ticket:{}", t.row.id),
        json!({ "visit": visit.id, "stage": stage }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(visit)
}

/// What the client's page shows for a link: the visit, its ticket and project; 404 for a link
/// unknown, answered or expired.
pub async fn by_link(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<(return_visit::Model, service_ticket::Model, project::Model)> {
    let gone = || AppError::not_found("this link is not valid, was answered already, or has expired");
    let visit = return_visit::Entity::find()
        .filter(return_visit::Column::TokenHash.eq(hash_secret(token)))
        .one(db)
        .await?
        .ok_or_else(gone)?;
    if visit.answered_at.is_some() || visit.expires_at.is_some_and(|e| e <= now) {
        return Err(gone());
    }
    let ticket = service_ticket::Entity::find_by_id(visit.ticket_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    let project = project::Entity::find_by_id(ticket.project_id)
        .one(db)
        .await?
        .ok_or_else(gone)?;
    Ok((visit, ticket, project))
}

/// The client answers through the link (once).
pub async fn answer_link(
    state: &AppState,
    token: &str,
    answers: Answers,
    now: DateTime<Utc>,
) -> AppResult<return_visit::Model> {
    let txn = begin_write(&state.db).await?;
    let (visit, ticket, project) = by_link(&txn, token, now).await?;
    let actor = Actor {
        id: None,
        username: visit.sent_to.clone().unwrap_or_default(),
        name: answers
            .respondent
            .clone()
            .unwrap_or_else(|| ticket.reporter_name.clone()),
        role: crate::domain::types::Role::Viewer,
    };
    let visit = answer_in(state, &txn, &project, &ticket, visit, answers, &actor, now).await?;
    txn.commit().await?;
    Ok(visit)
}

/// A ticket's return visits, oldest first.
pub async fn of_ticket(db: &impl ConnectionTrait, t: &Ticket<impl MayRead>) -> AppResult<Vec<return_visit::Model>> {
    Ok(return_visit::Entity::find()
        .filter(return_visit::Column::TicketId.eq(t.row.id))
        .order_by_asc(return_visit::Column::AskedAt)
        .all(db)
        .await?)
}

/// The PM follows up an unhappy answer: what was done about it.
pub async fn follow_up(
    state: &AppState,
    t: &Ticket<impl MayManage>,
    visit_id: i32,
    note: String,
    now: DateTime<Utc>,
) -> AppResult<return_visit::Model> {
    let note = crate::domain::types::required_text("note", &note, 2000)?;
    let txn = begin_write(&state.db).await?;
    let visit = return_visit::Entity::find_by_id(visit_id)
        .filter(return_visit::Column::TicketId.eq(t.row.id))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no return visit {visit_id} on this ticket")))?;
    if !visit.follow_up {
        return Err(AppError::Conflict("this answer needs no follow-up".into()));
    }
    if visit.followed_up_at.is_some() {
        return Err(AppError::Conflict("this answer was followed up already".into()));
    }
    let mut active: return_visit::ActiveModel = visit.into();
    active.followed_up_at = Set(Some(now));
    active.followed_up_by = Set(t.granted.actor().id);
    active.follow_up_note = Set(Some(note));
    let visit = active.update(&txn).await?;
    audit::project_event(
        &txn,
        t.granted.actor(),
        t.row.project_id,
        "return_visit.followed_up",
        format!("ticket:{}", t.row.id),
        json!({ "visit": visit.id }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(visit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(overall: Satisfaction, complaint: bool) -> Answers {
        Answers {
            response: Satisfaction::Satisfied,
            attitude: Satisfaction::Satisfied,
            quality: Satisfaction::Basically,
            overall,
            comment: None,
            complaint,
            respondent: None,
        }
    }

    #[test]
    fn an_unhappy_answer_or_a_complaint_wants_a_follow_up_and_basically_satisfied_does_not() {
        assert!(!answers(Satisfaction::Satisfied, false).wants_follow_up());
        assert!(!answers(Satisfaction::Basically, false).wants_follow_up());
        assert!(answers(Satisfaction::Unsatisfied, false).wants_follow_up());
        assert!(answers(Satisfaction::Satisfied, true).wants_follow_up());
        let mut one_unhappy = answers(Satisfaction::Satisfied, false);
        one_unhappy.attitude = Satisfaction::Unsatisfied;
        assert!(one_unhappy.wants_follow_up());
    }
}
