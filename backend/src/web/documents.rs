//! 文档: each form of the project with whether it is ready or still a draft and what it lacks, its
//! download (the issued version while it is current, else a draft), issuing it into the register,
//! and the register with its verification codes.
use chrono::Utc;
use minijinja::context;
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Path, cookie::CookieJar},
};

use super::{
    render,
    session::{self, Session, see_other},
};
use crate::{
    domain::types::PhotoSubject,
    error::AppError,
    service::{
        access::{Granted, Manage, MayRead, Read, RecordWork},
        documents, photos,
        projects::timezone_of,
    },
    state::AppState,
};

#[handler]
pub async fn page(state: Data<&AppState>, jar: &CookieJar, me: Session, Path(id): Path<i32>) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    show(&state, &me, &p, StatusCode::OK, session::take_flash(jar), None).await
}

async fn show(
    state: &AppState,
    me: &Session,
    p: &Granted<impl MayRead>,
    status: StatusCode,
    flash: Option<String>,
    error: Option<(String, String)>,
) -> Response {
    let house = state.settings.house();
    let (forms, register, log, given) = match (
        documents::forms(&state.db, p, &house).await,
        documents::register(&state.db, p).await,
        documents::work_log(&state.db, p).await,
        documents::distribution(&state.db, p).await,
    ) {
        (Ok(f), Ok(r), Ok(l), Ok(g)) => (f, r, l, g),
        (Err(e), _, _, _) | (_, Err(e), _, _) | (_, _, Err(e), _) | (_, _, _, Err(e)) => {
            return super::refusal(state, me, e);
        }
    };
    let tz = timezone_of(p.project());
    let day = |t: chrono::DateTime<Utc>| t.with_timezone(&tz).date_naive().to_string();
    let rows: Vec<_> = forms
        .iter()
        .map(|f| {
            let kind = f.current.kind;
            context! {
                key => kind.key(),
                title => kind.title(house.lang),
                ready => f.current.prepared.missing.is_empty(),
                missing => f.current.prepared.missing,
                current => f.issued_is_current(),
                latest => f.latest.as_ref().map(|l| context! { number => l.number, version => l.version, on => day(l.issued_at) }),
                error => error.as_ref().filter(|e| e.0 == kind.key()).map(|e| e.1.clone()),
            }
        })
        .collect();
    let said = |at: String| error.as_ref().filter(|e| e.0 == at).map(|e| e.1.clone());
    let register: Vec<_> = register
        .iter()
        .map(|d| {
            let copies: Vec<_> = given
                .iter()
                .filter(|c| c.document_id == d.id)
                .map(|c| {
                    context! {
                        id => c.id, recipient => c.recipient, method => c.method, copies => c.copies, note => c.note,
                        on => day(c.handed_at), lost_on => c.lost_reported_at.map(day), lost_note => c.lost_note,
                        error => said(format!("lost-{}", c.id)),
                    }
                })
                .collect();
            context! {
                id => d.id, number => d.number, version => d.version, title => d.title, on => day(d.issued_at),
                code => d.verify_code, form => d.form, copies => copies, error => said(format!("copy-{}", d.id)),
            }
        })
        .collect();
    let album = match super::photos::Album::of(state, p).await {
        Ok(album) => album,
        Err(e) => return super::refusal(state, me, e),
    };
    let log: Vec<_> = log
        .iter()
        .map(|w| {
            context! {
                id => w.id, on => w.work_date.to_string(), people => w.people, work_done => w.work_done,
                problems => w.problems, photos => album.of_record(PhotoSubject::WorkLog, w.id),
            }
        })
        .collect();
    let ctx = context! {
        nav => "projects",
        tab => "documents",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "文档", "documents", None),
        flash => flash,
        forms => rows,
        register => register,
        log => log,
        today => crate::domain::schedule::local_today(Utc::now(), tz).to_string(),
        can_manage => p.may::<Manage>(),
        can_record => p.may::<RecordWork>(),
        log_error => error.as_ref().filter(|e| e.0 == "work-log-entry").map(|e| e.1.clone()),
    };
    render(state, status, "documents.html", Some(me), ctx)
}

/// A form as a Word file: the issued version while it is current (or the version asked for),
/// else a draft marked 草稿.
#[handler]
pub async fn download(
    state: Data<&AppState>,
    me: Session,
    Path((id, file)): Path<(i32, String)>,
    poem::web::Query(q): poem::web::Query<VersionQuery>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let Some(key) = file.strip_suffix(".docx") else {
        return super::refusal(&state, &me, AppError::not_found("ask for <form>.docx"));
    };
    match documents::download(&state.db, &state.files, &p, &state.settings.house(), key, q.version).await {
        Ok(doc) => docx(doc),
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A company setting by its Chinese name.
fn company_setting_zh(setting: &str) -> &'static str {
    match setting {
        "name" => "名称",
        "address" => "地址",
        "phone" => "电话",
        _ => "标志（PNG）",
    }
}

/// `form` rendered off the request's thread and downloaded as `file_name`, or the error page.
pub(super) async fn rendered(
    state: &AppState,
    me: &Session,
    form: crate::documents::Form,
    file_name: String,
) -> Response {
    match crate::documents::render_off_thread(form, state.settings.house()).await {
        Ok(bytes) => docx(documents::Download {
            bytes,
            file_name,
            issued: None,
            missing: Vec::new(),
        }),
        Err(e) => super::refusal(state, me, e),
    }
}

/// A Word file, downloaded under its name.
pub(super) fn docx(doc: documents::Download) -> Response {
    doc.bytes
        .with_content_type("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        .with_header(
            header::CONTENT_DISPOSITION,
            crate::api::content_disposition(&doc.file_name),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response()
}

/// A day's entry in the 工作记录单.
/// A day's entry of the 工作记录单, with the photos taken that day (checked before the entry is
/// saved, then attached to it).
#[handler]
pub async fn add_log(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    form: poem::web::Multipart,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let (f, mut files) = super::photos::read_multipart(form).await;
    let refuse = |status: StatusCode, message: String| {
        let (state, me, p) = (&state, &me, &p);
        async move { show(state, me, p, status, None, Some(("work-log-entry".into(), message))).await }
    };
    let taken = files.remove("photo").unwrap_or_default();
    let prepared = if taken.is_empty() {
        Vec::new()
    } else {
        match photos::prepare(taken).await {
            Ok(prepared) => prepared,
            Err(e) => return refuse(e.status(), super::photos::refusal_zh(&e)).await,
        }
    };
    let input = documents::WorkLogInput {
        work_date: f.get("work_date"),
        people: f.get("people"),
        work_done: f.get("work_done"),
        problems: f.optional("problems"),
    };
    let now = Utc::now();
    match documents::add_work_log(&state.db, &p, input, now).await {
        Ok(entry) => {
            let count = prepared.len();
            let of = photos::PhotoOf {
                subject: PhotoSubject::WorkLog,
                subject_id: entry.id,
                caption: None,
            };
            if count > 0
                && let Err(e) = photos::attach(&state.db, &state.files, &p, of, prepared, now).await
            {
                return super::refusal(&state, &me, e);
            }
            let photos_saved = if count > 0 {
                format!("照片 {count} 张已保存。")
            } else {
                String::new()
            };
            session::set_flash(jar, &format!("工作记录已添加。{photos_saved}"));
            see_other(&format!("/projects/{id}/documents#work-log"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let message = match field.as_deref() {
                Some("work_date") => "请填写工作日期（不能晚于今天）。",
                Some("people") => "请填写参加人员。",
                Some("work_done") => "请填写工作内容。",
                _ => "请检查填写的内容。",
            };
            refuse(StatusCode::UNPROCESSABLE_ENTITY, message.into()).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Copies of an issued document handed out: to whom, how, how many.
#[handler]
pub async fn record_copy(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, document_id)): Path<(i32, i32)>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = super::Fields(fields);
    let input = documents::CopyInput {
        recipient: f.get("recipient"),
        handed_at: None,
        method: f.get("method"),
        copies: f.get("copies").parse().unwrap_or(0),
        note: f.optional("note"),
    };
    match documents::record_copy(&state.db, &p, document_id, input, Utc::now()).await {
        Ok(c) => {
            session::set_flash(jar, &format!("已登记发放：{} {} 份。", c.recipient, c.copies));
            see_other(&format!("/projects/{id}/documents#register"))
        }
        Err(AppError::Invalid { field, .. }) => {
            let message = match field.as_deref() {
                Some("recipient") => "请填写领取人（单位和姓名）。",
                Some("method") => "请选择发放方式。",
                Some("copies") => "份数为 1 到 1000。",
                _ => "请检查填写的内容。",
            };
            let at = format!("copy-{document_id}");
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some((at, message.into())),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// A handed-out copy reported lost, with how and when.
#[handler]
pub async fn report_lost(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, document_id, copy_id)): Path<(i32, i32, i32)>,
    poem::web::Form(fields): poem::web::Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let note = super::Fields(fields).get("note");
    match documents::report_lost(&state.db, &p, document_id, copy_id, &note, Utc::now()).await {
        Ok(c) => {
            session::set_flash(
                jar,
                &format!("已登记遗失：{} 领取的副本，遗失经过已记录。", c.recipient),
            );
            see_other(&format!("/projects/{id}/documents#register"))
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let message = match e {
                AppError::Invalid { .. } => "请写明遗失的经过（何时、何地、如何遗失）。",
                _ => "这份已经登记过遗失。",
            };
            let at = format!("lost-{copy_id}");
            show(
                &state,
                &me,
                &p,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some((at, message.into())),
            )
            .await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

#[derive(serde::Deserialize)]
pub struct VersionQuery {
    version: Option<i32>,
}

/// Enters a form in the register (a new version when what it prints changed).
#[handler]
pub async fn issue(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, key)): Path<(i32, String)>,
) -> Response {
    let p = match super::granted::<Manage>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let house = state.settings.house();
    match documents::issue(&state.db, &state.files, &p, &house, &key, Utc::now()).await {
        Ok((doc, new)) => {
            let message = if new {
                format!(
                    "{} 已签发：{} 第 {} 版，验证码 {}。",
                    doc.title, doc.number, doc.version, doc.verify_code
                )
            } else {
                format!("{} 内容没有变化，仍为第 {} 版。", doc.title, doc.version)
            };
            session::set_flash(jar, &message);
            see_other(&format!("/projects/{id}/documents#form-{key}"))
        }
        Err(AppError::Conflict(_)) => {
            let message = if house.unset.is_empty() {
                "资料还不全，不能签发；请先补齐下方列出的内容。".to_string()
            } else {
                let names: Vec<&str> = house.unset.iter().map(|s| company_setting_zh(s)).collect();
                format!(
                    "签发前请管理员在配置中填写公司的{}（jiaofu.toml 的 [company]，或 JIAOFU_COMPANY_* 环境变量）。",
                    names.join("、")
                )
            };
            show(&state, &me, &p, StatusCode::CONFLICT, None, Some((key, message))).await
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
