//! Photos on the pages: thumbnails beside the record they belong to (an inspection, a deviation,
//! an installation record, a work-log entry), added from a tablet's camera or a file, opened full
//! size, removed with a reason. Served only to those who may see the project.
use std::collections::HashMap;

use chrono::Utc;
use entity::{enums::PhotoSubject, photo};
use minijinja::context;
use poem::{
    IntoResponse, Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Multipart, Path, Query, cookie::CookieJar},
};

use super::{
    Fields, render,
    session::{self, Session, see_other},
};
use crate::{
    error::{AppError, AppResult},
    service::{
        access::{Granted, MayRead, Read, RecordWork},
        photos::{self, Size, Upload},
        projects::timezone_of,
    },
    state::AppState,
};

/// A photo as the pages show it.
fn shown(p: &photo::Model, tz: chrono_tz::Tz) -> minijinja::Value {
    let url = format!("/projects/{}/photos/{}", p.project_id, p.id);
    context! {
        id => p.id, caption => p.caption, thumb => format!("{url}?size=thumb"), url => url,
        taken_on => p.uploaded_at.with_timezone(&tz).date_naive().to_string(),
    }
}

/// The project's photos by the record they belong to.
pub(super) struct Album {
    by_record: HashMap<(PhotoSubject, i32), Vec<minijinja::Value>>,
}

impl Album {
    pub(super) async fn of(state: &AppState, p: &Granted<impl MayRead>) -> AppResult<Self> {
        let tz = timezone_of(p.project());
        let mut by_record: HashMap<_, Vec<_>> = HashMap::new();
        for photo in photos::list(&state.db, p, None, None).await? {
            by_record
                .entry((photo.subject, photo.subject_id))
                .or_default()
                .push(shown(&photo, tz));
        }
        Ok(Self { by_record })
    }

    /// The photos of one record, oldest first.
    pub(super) fn of_record(&self, subject: PhotoSubject, id: i32) -> Vec<minijinja::Value> {
        self.by_record.get(&(subject, id)).cloned().unwrap_or_default()
    }
}

/// A multipart page form read whole: its text fields, and its files by field name (a file input
/// left empty sends a part without a name and bytes, which is dropped).
pub(super) async fn read_multipart(mut form: Multipart) -> (Fields, HashMap<String, Vec<Upload>>) {
    let mut fields = Vec::new();
    let mut files: HashMap<String, Vec<Upload>> = HashMap::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                if let Ok(bytes) = field.bytes().await
                    && !bytes.is_empty()
                {
                    files.entry(name).or_default().push(Upload {
                        file_name: Some(file_name).filter(|n| !n.trim().is_empty()),
                        bytes,
                    });
                }
            }
            None => {
                if let Ok(text) = field.text().await {
                    fields.push((name, text));
                }
            }
        }
    }
    (Fields(fields), files)
}

/// Chinese for a refused photo, from the service's error.
pub(super) fn refusal_zh(e: &AppError) -> String {
    match e {
        AppError::Invalid { message, .. } if message.contains("JPEG or PNG") => {
            format!("{}：只能上传 JPEG 或 PNG 照片。", file_named(message))
        }
        AppError::Invalid { message, .. } if message.contains("cannot be read") => {
            format!("{}：照片无法读取（文件损坏或像素过多）。", file_named(message))
        }
        AppError::Invalid { message, .. } if message.contains("at most") => {
            format!("一次最多上传 {} 张照片。", photos::MAX_PER_UPLOAD)
        }
        AppError::Invalid { field, .. } if field.as_deref() == Some("caption") => "说明最多 200 字。".into(),
        _ => "请选择要上传的照片。".into(),
    }
}

/// The file a refusal names: "… (IMG_0412.JPG)".
fn file_named(message: &str) -> &str {
    message
        .rsplit_once(" (")
        .map_or("照片", |(_, name)| name.trim_end_matches(')'))
}

/// Where to go back to after a photo form: a page of this project, else the project.
fn back_to(fields: &Fields, project_id: i32) -> String {
    let back = fields.get("back");
    let own = format!("/projects/{project_id}/");
    if back.starts_with(&own) && !back.contains("//") && !back.contains('\\') {
        back
    } else {
        format!("/projects/{project_id}")
    }
}

#[derive(serde::Deserialize)]
pub struct SizeQuery {
    size: Option<String>,
}

/// The picture itself, to those who may see the project.
#[handler]
pub async fn picture(
    state: Data<&AppState>,
    me: Session,
    Path((id, photo_id)): Path<(i32, i32)>,
    Query(q): Query<SizeQuery>,
) -> Response {
    let p = match super::granted::<Read>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let found = async {
        let size = Size::parse(q.size.as_deref())?;
        let photo = photos::find(&state.db, &p, photo_id).await?;
        let bytes = photos::picture(&state.files, &photo, size).await?;
        Ok::<_, AppError>((bytes, size.of(&photo).to_string()))
    };
    match found.await {
        Ok((bytes, sha256)) => bytes
            .with_content_type("image/jpeg")
            .with_header(header::CACHE_CONTROL, "private, max-age=86400")
            .with_header(header::ETAG, format!("\"{sha256}\""))
            .into_response(),
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// What the photo form is for: the record, what to call it, where to go back to.
struct AddForm {
    subject: String,
    subject_id: i32,
    caption: Option<String>,
    back: String,
    /// How the page names the record, e.g. 9 核心交换机 HW-CORE-01.
    record: Option<String>,
}

fn add_form(
    state: &AppState,
    me: &Session,
    p: &Granted<RecordWork>,
    status: StatusCode,
    form: AddForm,
    error: Option<String>,
) -> Response {
    let label = PhotoSubject::parse(&form.subject).map_or("记录", |s| s.label_zh());
    let ctx = context! {
        nav => "projects",
        project => super::project_ctx(p),
        crumbs => super::project_crumbs(p, "照片", "", None),
        subject => form.subject, subject_id => form.subject_id, subject_label => label, record => form.record,
        caption => form.caption, back => form.back, error => error,
    };
    render(state, status, "photo_add.html", Some(me), ctx)
}

/// The address of the page that adds photos to one record (see [`add_page`]).
pub(super) fn add_link(project_id: i32, subject: PhotoSubject, id: i32, record: &str, back: &str) -> String {
    let encode = |v: &str| form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    format!(
        "/projects/{project_id}/photos/upload?subject={}&subject_id={id}&record={}&back={}",
        subject.as_str(),
        encode(record),
        encode(back)
    )
}

#[derive(serde::Deserialize)]
pub struct AddQuery {
    subject: Option<String>,
    subject_id: Option<i32>,
    back: Option<String>,
    record: Option<String>,
}

/// A page of its own to add photos to one record, for where a form cannot hold another (a row
/// of the installation table).
#[handler]
pub async fn add_page(state: Data<&AppState>, me: Session, Path(id): Path<i32>, Query(q): Query<AddQuery>) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let back = Fields(vec![("back".into(), q.back.unwrap_or_default())]);
    let form = AddForm {
        subject: q.subject.unwrap_or_default(),
        subject_id: q.subject_id.unwrap_or_default(),
        caption: None,
        back: back_to(&back, id),
        record: q.record.filter(|r| !r.trim().is_empty()),
    };
    add_form(&state, &me, &p, StatusCode::OK, form, None)
}

/// Photos for one record, from the tablet's camera or files; back to the page they were taken on.
#[handler]
pub async fn upload(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path(id): Path<i32>,
    form: Multipart,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let (fields, mut files) = read_multipart(form).await;
    let back = back_to(&fields, id);
    let subject = fields.get("subject");
    let subject_id = fields.get("subject_id").parse().unwrap_or_default();
    let uploads = files.remove("file").unwrap_or_default();
    let caption = fields.optional("caption");
    let count = uploads.len();
    let added = match photos::PhotoOf::parse(&subject, subject_id, caption.as_deref()) {
        Ok(of) => photos::add(&state.db, &state.files, &p, of, uploads, Utc::now()).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => {
            session::set_flash(jar, &format!("已保存 {count} 张照片。"));
            see_other(&back)
        }
        Err(e @ AppError::Invalid { .. }) => {
            let form = AddForm {
                subject,
                subject_id,
                caption,
                back,
                record: fields.optional("record"),
            };
            add_form(&state, &me, &p, e.status(), form, Some(refusal_zh(&e)))
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}

/// Takes a wrong photo off its record, with the reason.
#[handler]
pub async fn remove(
    state: Data<&AppState>,
    jar: &CookieJar,
    me: Session,
    Path((id, photo_id)): Path<(i32, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let p = match super::granted::<RecordWork>(&state, &me, id).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let f = Fields(fields);
    let back = back_to(&f, id);
    let Some(reason) = f.optional("reason") else {
        session::set_flash(jar, "删除照片请写明原因，照片没有删除。");
        return see_other(&back);
    };
    match photos::remove(&state.db, &p, photo_id, &reason, Utc::now()).await {
        Ok(()) => {
            session::set_flash(jar, "照片已删除，删除原因已记入历史。");
            see_other(&back)
        }
        Err(e) => super::refusal(&state, &me, e),
    }
}
