//! 培训: the training plan, the client's trainees and where each stands, the sessions with the
//! sign-in sheet a tablet passes round the room (each trainee types their own name), the
//! assessments and the remedial deadlines they set.
use chrono::{NaiveDate, Utc};
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
    domain::types::TraineeKind,
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        projects::timezone_of,
        training::{self, AssessInput, PlanInput, SessionInput, SignIn, Standing, TraineeInput, TrainingData},
    },
    state::AppState,
};

/// An error beside the form it concerns, and what was typed into it.
#[derive(Default)]
struct Said {
    at: String,
    message: String,
    typed: Vec<(String, String)>,
}

impl Said {
    fn typed(&self, name: &str) -> String {
        self.typed
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(
        &state,
        &me,
        &p,
        StatusCode::OK,
        session::take_flash(jar),
        Said::default(),
    )
    .await
}

fn standing_ctx(s: Standing) -> minijinja::Value {
    match s {
        Standing::NotAssessed => context! { class => "todo", label => "未考核" },
        Standing::Passed { .. } => context! { class => "done", label => "合格" },
        Standing::Failed { remedial_due_on, .. } => context! {
            class => "overdue", label => "不合格", due => format!("{remedial_due_on} 前强化培训并重新考核"),
        },
    }
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let d = match training::get(&state.db, p).await {
        Ok(d) => d,
        Err(e) => return super::refusal(state, me, e),
    };
    let tz = timezone_of(p.project());
    let today = Utc::now().with_timezone(&tz).date_naive();
    let here = |at: &str| (said.at == at).then(|| said.message.clone());
    let t = d.training.as_ref();
    let latest_start = d
        .accepted_on
        .map(|a| a + chrono::Days::new(u64::from(d.policy.training_within_days)));
    let trainees: Vec<_> = d
        .trainees
        .iter()
        .map(|x| {
            let standing = d.standing(x.id);
            context! {
                id => x.id, number => x.number, name => x.name, kind => x.kind.label_zh(),
                department => x.department, phone => x.phone,
                days => d.days_attended(x.id),
                standing => standing_ctx(standing),
                assessable => !matches!(standing, Standing::Passed { .. }),
                remedial_due_on => match standing {
                    Standing::Failed { remedial_due_on, .. } => Some(remedial_due_on.to_string()),
                    _ => None,
                },
                removable => d.latest(x.id).is_none() && !d.attendance.iter().any(|a| a.trainee_id == x.id),
                assessments => d.assessments_of(x.id).map(|a| context! {
                    attempt => a.attempt, on => a.assessed_on.to_string(), written => a.written_score,
                    practical => a.practical_score, passed => a.passed, examiner => a.examiner,
                    remedial_due_on => a.remedial_due_on.map(|d| d.to_string()), remark => a.remark,
                }).collect::<Vec<_>>(),
                error => here(&format!("remove-{}", x.id)),
            }
        })
        .collect();
    let sessions: Vec<_> = d
        .sessions
        .iter()
        .map(|s| {
            let expected = d.expected(s).len();
            let signed = d.attendance.iter().filter(|a| a.session_id == s.id).count();
            context! {
                id => s.id, held_on => s.held_on.to_string(), period => s.period, topic => s.topic,
                trainers => s.trainers, place => s.place, remedial => s.remedial,
                signed => signed, expected => expected, today => s.held_on == today,
            }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        tab => "training",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "人员培训", "training", None),
        flash => flash,
        plan => t.map(|t| context! {
            starts_on => t.starts_on.to_string(), ends_on => t.ends_on.to_string(),
            days => (t.ends_on - t.starts_on).num_days() + 1,
            place => t.place, trainers => t.trainers, content => t.content, materials => t.materials,
            materials_handed_on => t.materials_handed_on.map(|d| d.to_string()),
            late_reason => t.late_reason, pass_mark => t.pass_mark,
            completed_on => t.completed_on.map(|d| d.to_string()),
        }),
        accepted_on => d.accepted_on.map(|d| d.to_string()),
        latest_start => latest_start.map(|d| d.to_string()),
        policy => context! {
            min_trainees => d.policy.training_min_trainees, days => d.policy.training_days,
            within => d.policy.training_within_days, remedial => d.policy.remedial_within_days,
            pass_mark => d.policy.pass_mark,
        },
        complete => d.complete(),
        gaps => d.gaps().into_iter().map(|g| g.zh).collect::<Vec<_>>(),
        trainees => trainees,
        sessions => sessions,
        kinds => super::choices(TraineeKind::ALL, |k| (k.as_str(), k.label_zh())),
        today => today.to_string(),
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        said_plan => here("plan"),
        said_trainee => here("trainee"),
        said_session => here("session"),
        said_assess => said.at.strip_prefix("assess-").map(|_| said.message.clone()),
        assess_for => said.at.strip_prefix("assess-").and_then(|t| t.parse::<i32>().ok()),
        typed => context! {
            starts_on => said.typed("starts_on"), ends_on => said.typed("ends_on"), place => said.typed("place"),
            trainers => said.typed("trainers"), content => said.typed("content"), materials => said.typed("materials"),
            materials_handed_on => said.typed("materials_handed_on"), late_reason => said.typed("late_reason"),
            name => said.typed("name"), kind => said.typed("kind"), department => said.typed("department"),
            phone => said.typed("phone"), held_on => said.typed("held_on"), period => said.typed("period"),
            topic => said.typed("topic"),
        },
    };
    render(state, status, "training.html", Some(me), ctx)
}

/// The service's reason in words a PM or engineer acts on, with the plan's figures.
fn in_words(e: &AppError, d: Option<&TrainingData>) -> String {
    let accepted = d.and_then(|d| d.accepted_on).map(|a| a.to_string()).unwrap_or_default();
    let policy = d.map(|d| d.policy.clone()).unwrap_or_default();
    match e {
        AppError::Invalid { field, message } => match field.as_deref().unwrap_or_default() {
            "starts_on" => format!("培训应在系统初验（{accepted}）当天或之后开始。"),
            "late_reason" => format!(
                "培训应在系统初验后 {} 天内开始；推迟开始请写明原因。",
                policy.training_within_days
            ),
            "ends_on" => format!("计划要求每人培训不少于 {} 天：请调整结束日期。", policy.training_days),
            "materials_handed_on" => "培训资料应在培训开始前发放。".into(),
            "place" => "请填写培训地点。".into(),
            "trainers" => "请填写培训讲师。".into(),
            "content" => "请填写培训内容。".into(),
            "materials" => "请填写发放的培训资料。".into(),
            "name" if message.contains("already") => {
                "名单中已有这个姓名（签到按姓名核对，每个姓名只能有一位）。".into()
            }
            "name" if message.contains("type your own name") => {
                let name = message.rsplit('(').next().unwrap_or_default().trim_end_matches(')');
                format!("姓名不一致：请本人输入名单上的姓名“{name}”。")
            }
            "name" => "请填写姓名。".into(),
            "kind" => "请选择人员类别。".into(),
            "held_on" => "培训日期应在培训计划开始之后。".into(),
            "period" => "请填写培训时段，如 09:00–12:00。".into(),
            "topic" => "请填写培训主题。".into(),
            "remedial" => "强化培训安排在有人考核不合格之后。".into(),
            "written_score" | "practical_score" => "成绩为 0 到 100 分。".into(),
            "assessed_on" => "考核日期不能晚于今天。".into(),
            "examiner" => "请填写考核人。".into(),
            _ => format!("无法保存：{message}"),
        },
        AppError::Conflict(m) if m.contains("initial acceptance") => {
            "请先在“验收”中记录系统初验（验收日期），培训在初验之后进行。".into()
        }
        AppError::Conflict(m) if m.contains("plan the training first") => "请先安排培训计划。".into(),
        AppError::Conflict(m) if m.contains("already signed in") => "已经签到过了。".into(),
        AppError::Conflict(m) if m.contains("tablet sign-in is open") => {
            "平板签到只在培训当天开放；事后请按纸质签到记录。".into()
        }
        AppError::Conflict(m) if m.contains("paper sheet is signed on the day") => {
            "培训还没有开始，不能记录签到。".into()
        }
        AppError::Conflict(m) if m.contains("remedial session") => {
            "考核不合格后须先参加强化培训并签到，才能重新考核。".into()
        }
        AppError::Conflict(m) if m.contains("signed in to no training session") => {
            "该学员还没有签到任何一次培训，不能考核。".into()
        }
        AppError::Conflict(m) if m.contains("passed on") => "该学员已经考核合格。".into(),
        AppError::Conflict(m) if m.contains("the record stays") => "已签到或已考核的学员不能移出名单。".into(),
        other => format!("无法保存：{other}"),
    }
}

/// Answers a refused form: the page again with the reason beside it (and what was typed), or the
/// error page for anything that is not the user's to fix.
async fn refused(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    at: &str,
    e: AppError,
    typed: Vec<(String, String)>,
) -> Response {
    if !matches!(e, AppError::Invalid { .. } | AppError::Conflict(_)) {
        return super::refusal(state, me, e);
    }
    let data = training::get(&state.db, p).await.ok();
    let said = Said {
        at: at.into(),
        message: in_words(&e, data.as_ref()),
        typed,
    };
    show(state, me, p, e.status(), None, said).await
}

fn date(f: &Fields, name: &str) -> Result<NaiveDate, AppError> {
    crate::domain::types::parse_date(name, &f.get(name))
}

fn typed(f: &Fields) -> Vec<(String, String)> {
    f.0.clone()
}

#[handler]
pub async fn plan(
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
    let input = (|| {
        Ok::<_, AppError>(PlanInput {
            starts_on: date(&f, "starts_on")?,
            ends_on: date(&f, "ends_on")?,
            place: f.get("place"),
            trainers: f.get("trainers"),
            content: f.get("content"),
            materials: f.get("materials"),
            materials_handed_on: crate::domain::types::optional_date(
                "materials_handed_on",
                f.optional("materials_handed_on").as_deref(),
            )?,
            late_reason: f.optional("late_reason"),
        })
    })();
    let result = match input {
        Ok(input) => training::plan(&state.db, &p, input, Utc::now()).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            session::set_flash(jar, "培训计划已保存。请把受训人员加入名单，并安排培训课次。");
            see_other(&format!("/projects/{id}/training"))
        }
        Err(e) => refused(&state, &me, &p, "plan", e, typed(&f)).await,
    }
}

#[handler]
pub async fn add_trainee(
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
    let result = match TraineeKind::parse(&f.get("kind")) {
        Ok(kind) => training::add_trainee(
            &state.db,
            &p,
            TraineeInput {
                name: f.get("name"),
                kind,
                department: f.optional("department"),
                phone: f.optional("phone"),
            },
            Utc::now(),
        )
        .await
        .map(|t| t.name),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(name) => {
            session::set_flash(jar, &format!("已把 {name} 加入受训名单。"));
            see_other(&format!("/projects/{id}/training#trainees"))
        }
        Err(e) => refused(&state, &me, &p, "trainee", e, typed(&f)).await,
    }
}

#[handler]
pub async fn remove_trainee(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, trainee_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match training::remove_trainee(&state.db, &p, trainee_id, Utc::now()).await {
        Ok(()) => {
            session::set_flash(jar, "已移出受训名单。");
            see_other(&format!("/projects/{id}/training#trainees"))
        }
        Err(e) => refused(&state, &me, &p, &format!("remove-{trainee_id}"), e, Vec::new()).await,
    }
}

#[handler]
pub async fn add_session(
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
    let result = match date(&f, "held_on") {
        Ok(held_on) => training::add_session(
            &state.db,
            &p,
            SessionInput {
                held_on,
                period: f.get("period"),
                topic: f.get("topic"),
                trainers: f.optional("trainers"),
                place: f.optional("place"),
                remedial: f.get("remedial") == "on",
            },
            Utc::now(),
        )
        .await
        .map(|s| s.id),
        Err(e) => Err(e),
    };
    match result {
        Ok(session_id) => {
            session::set_flash(jar, "培训课次已安排。培训当天打开签到表，由学员本人在平板上签到。");
            see_other(&format!("/projects/{id}/training/sessions/{session_id}"))
        }
        Err(e) => refused(&state, &me, &p, "session", e, typed(&f)).await,
    }
}

#[handler]
pub async fn assess(
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
    let trainee_id = f.get("trainee_id").parse::<i32>().unwrap_or_default();
    let score = |name: &str| f.get(name).parse::<i32>().map_err(|_| AppError::invalid(name, name));
    let input = (|| {
        Ok::<_, AppError>(AssessInput {
            assessed_on: date(&f, "assessed_on")?,
            written_score: score("written_score")?,
            practical_score: score("practical_score")?,
            examiner: f.get("examiner"),
            remark: f.optional("remark"),
        })
    })();
    let result = match input {
        Ok(input) => training::assess(&state.db, &p, trainee_id, input, Utc::now()).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(a) => {
            let message = match a.remedial_due_on {
                None => "考核合格，已记录。".to_string(),
                Some(due) => format!("考核不合格，已记录：请在 {due} 前安排强化培训并重新考核（已列入进度计划）。"),
            };
            session::set_flash(jar, &message);
            see_other(&format!("/projects/{id}/training#trainee-{trainee_id}"))
        }
        Err(e) => refused(&state, &me, &p, &format!("assess-{trainee_id}"), e, typed(&f)).await,
    }
}

/// The sign-in sheet of a session, on the tablet passed round the room.
#[handler]
pub async fn sheet(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, session_id)): Path<(i32, i32)>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show_sheet(
        &state,
        &me,
        &p,
        session_id,
        StatusCode::OK,
        session::take_flash(jar),
        Said::default(),
    )
    .await
}

async fn show_sheet(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    session_id: i32,
    status: StatusCode,
    flash: Option<String>,
    said: Said,
) -> Response {
    let d = match training::get(&state.db, p).await {
        Ok(d) => d,
        Err(e) => return super::refusal(state, me, e),
    };
    let Some(s) = d.sessions.iter().find(|s| s.id == session_id) else {
        return super::refusal(
            state,
            me,
            AppError::not_found(format!("no training session {session_id} in project {id}", id = p.id())),
        );
    };
    let tz = timezone_of(p.project());
    let today = Utc::now().with_timezone(&tz).date_naive();
    let rows: Vec<_> = d
        .expected(s)
        .into_iter()
        .map(|t| {
            let signed = d.signed_in(s.id, t.id);
            context! {
                id => t.id, number => t.number, name => t.name, kind => t.kind.label_zh(), department => t.department,
                signed => signed.map(|a| context! {
                    method => a.method.label_zh(),
                    at => a.signed_at.with_timezone(&tz).format("%H:%M").to_string(),
                    name => a.signed_name,
                }),
                error => (said.at == format!("sign-{}", t.id)).then(|| said.message.clone()),
            }
        })
        .collect();
    let signed = d.attendance.iter().filter(|a| a.session_id == s.id).count();
    let ctx = context! {
        nav => "projects",
        tab => "training",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "人员培训", "training", Some((
            format!("{} 签到表", s.held_on),
            format!("/projects/{}/training/sessions/{}", p.id(), s.id),
        ))),
        flash => flash,
        session => context! {
            id => s.id, held_on => s.held_on.to_string(), period => s.period, topic => s.topic,
            trainers => s.trainers, place => s.place, remedial => s.remedial,
        },
        open => s.held_on == today,
        past => s.held_on < today,
        rows => rows,
        signed => signed,
        can_record => p.may::<RecordWork>(),
    };
    render(state, status, "training_sheet.html", Some(me), ctx)
}

/// A trainee signs in: on the tablet by typing their own name; `paper` records a signature on
/// the printed sheet.
#[handler]
pub async fn sign_in(
    state: Data<&AppState>,
    req: &Request,
    jar: &CookieJar,
    me: Session,
    Path((id, session_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let Ok(trainee_id) = f.get("trainee_id").parse::<i32>() else {
        return super::refusal(&state, &me, AppError::invalid("trainee_id", "trainee_id: a trainee"));
    };
    let evidence = crate::api::evidence(req);
    let typed_name = f.get("name");
    let how = if f.get("method") == "paper" {
        SignIn::Paper
    } else {
        SignIn::Tablet {
            typed_name: &typed_name,
            evidence: &evidence,
        }
    };
    match training::sign_in(&state.db, &p, session_id, trainee_id, how, Utc::now()).await {
        Ok(a) => {
            let tz = timezone_of(p.project());
            let who = a.signed_name.clone().unwrap_or_else(|| "学员".into());
            session::set_flash(
                jar,
                &format!(
                    "{who} 已签到（{} {}）。",
                    a.method.label_zh(),
                    a.signed_at.with_timezone(&tz).format("%H:%M")
                ),
            );
            see_other(&format!(
                "/projects/{id}/training/sessions/{session_id}#trainee-{trainee_id}"
            ))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let data = training::get(&state.db, &p).await.ok();
            let said = Said {
                at: format!("sign-{trainee_id}"),
                message: in_words(&e, data.as_ref()),
                typed: Vec::new(),
            };
            show_sheet(&state, &me, &p, session_id, e.status(), None, said).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
