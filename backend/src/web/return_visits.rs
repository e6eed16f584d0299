//! 回访 from the ticket's page: the desk records a call's answers, or e-mails the reporter a
//! one-time link; the PM records the follow-up of an unhappy answer.
use chrono::Utc;
use poem::{
    Response, handler,
    web::{Data, Form, Path, cookie::CookieJar},
};

use super::{
    Fields,
    service_desk::{for_work, refused},
    session::{self, Session, see_other},
};
use crate::{
    domain::types::{Satisfaction, VisitStage},
    error::AppError,
    service::{
        access::Manage,
        service_desk::{
            return_visits::{self, Answers},
            tickets,
        },
    },
    state::AppState,
};

/// The answers of a call, recorded by the desk.
#[handler]
pub async fn record(
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
    let rate = |name: &str| Satisfaction::parse(&f.get(name)).ok();
    let (Some(response), Some(attitude), Some(quality), Some(overall)) =
        (rate("response"), rate("attitude"), rate("quality"), rate("overall"))
    else {
        let e = AppError::invalid("answers", "answers: rate each question");
        return refused(&state, &me, id, "visit", e).await;
    };
    let Ok(stage) = VisitStage::parse(&f.get("stage")) else {
        return refused(
            &state,
            &me,
            id,
            "visit",
            AppError::invalid("stage", "stage: choose one"),
        )
        .await;
    };
    let answers = Answers {
        response,
        attitude,
        quality,
        overall,
        comment: f.optional("comment"),
        complaint: f.get("complaint") == "1",
        respondent: f.optional("respondent"),
    };
    let unhappy = answers.wants_follow_up();
    match return_visits::record_call(&state, &t, stage, answers, Utc::now()).await {
        Ok(_) => {
            session::set_flash(
                jar,
                if unhappy {
                    "回访已记录：客户不满意或投诉，已通知项目主管和服务经理跟进。"
                } else {
                    "回访已记录。"
                },
            );
            see_other(&format!("/tickets/{id}#return-visits"))
        }
        Err(e) => refused(&state, &me, id, "visit", e).await,
    }
}

/// A one-time link e-mailed to the reporter.
#[handler]
pub async fn link(
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
    let Ok(stage) = VisitStage::parse(&Fields(fields).get("stage")) else {
        return refused(
            &state,
            &me,
            id,
            "visit",
            AppError::invalid("stage", "stage: choose one"),
        )
        .await;
    };
    match return_visits::send_link(&state, &t, stage, Utc::now()).await {
        Ok(v) => {
            session::set_flash(
                jar,
                &format!(
                    "回访链接已发送到 {}（{} 天内有效）。",
                    v.sent_to.unwrap_or_default(),
                    return_visits::LINK_DAYS
                ),
            );
            see_other(&format!("/tickets/{id}#return-visits"))
        }
        Err(e) => refused(&state, &me, id, "visit", e).await,
    }
}

/// The PM's follow-up of an unhappy answer.
#[handler]
pub async fn follow_up(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, visit)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = match tickets::ticket::<Manage>(&state.db, &me.actor, id).await {
        Ok(t) => t,
        Err(e @ AppError::Forbidden(_)) => return refused(&state, &me, id, "visit", e).await,
        Err(e) => return super::refusal(&state, &me, e),
    };
    match return_visits::follow_up(&state, &t, visit, Fields(fields).get("note"), Utc::now()).await {
        Ok(_) => {
            session::set_flash(jar, "跟进结果已记录。");
            see_other(&format!("/tickets/{id}#return-visits"))
        }
        Err(e) => refused(&state, &me, id, "visit", e).await,
    }
}
