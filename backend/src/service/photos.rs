//! Photos taken on site — a scratched screen at arrival, a rack as installed, the day's work — each
//! attached to one record of a project: an arrival inspection, a deviation, an installation record
//! or a work-log entry. Checked and stripped by [`crate::files::photo`], kept by content in
//! [`Files`], served only to those who may see the project.
use chrono::{DateTime, Utc};
use entity::{deviation, enums::PhotoSubject, inspection, installation, photo, work_log};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde_json::json;

use super::{
    access::{Granted, MayRead, MayRecordWork},
    audit::{self, Event},
    history::{self, Change},
};
use crate::{
    db::begin_write,
    domain::types::{optional_text, required_text},
    error::{AppError, AppResult},
    files::{
        Files,
        photo::{self as picture, Renditions},
    },
};

/// At most this many photos in one upload (a tablet's "choose several" can pick a whole roll).
pub const MAX_PER_UPLOAD: usize = 20;

/// Uploads prepared at once: one per core. The slot goes with the work, not the request.
static SLOTS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::LazyLock::new(|| {
    std::sync::Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ))
});
/// How long an upload waits for a free slot (20 photos take some 15 s on one core).
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

/// One picture as uploaded.
pub struct Upload {
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// Which picture of a photo to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// As kept, at most 2560 px.
    Kept,
    /// At most 1200 px, as printed in the forms' appendix.
    Print,
    /// At most 320 px.
    Thumb,
}

impl Size {
    pub fn parse(value: Option<&str>) -> AppResult<Self> {
        match value.map(str::trim).unwrap_or("kept") {
            "" | "kept" => Ok(Size::Kept),
            "print" => Ok(Size::Print),
            "thumb" => Ok(Size::Thumb),
            other => Err(AppError::invalid(
                "size",
                format!("size: '{other}' is not one of kept, print, thumb"),
            )),
        }
    }

    /// The SHA-256 of this picture of `photo`: its name in the files, and its ETag.
    pub fn of(self, photo: &photo::Model) -> &str {
        match self {
            Size::Kept => &photo.sha256,
            Size::Print => &photo.print_sha256,
            Size::Thumb => &photo.thumb_sha256,
        }
    }
}

/// Pictures checked, upright and scaled, ready to attach: [`prepare`] makes them before anything
/// is saved, so a form that records something and its photos can refuse a bad photo first.
pub struct Prepared {
    file_name: Option<String>,
    renditions: Renditions,
}

/// Checks and prepares uploaded pictures: all of them, or a 422 naming the first file that is
/// not a JPEG or PNG or cannot be read.
pub async fn prepare(uploads: Vec<Upload>) -> AppResult<Vec<Prepared>> {
    if uploads.is_empty() {
        return Err(AppError::invalid("file", "file: choose at least one photo"));
    }
    if uploads.len() > MAX_PER_UPLOAD {
        return Err(AppError::invalid(
            "file",
            format!(
                "file: at most {MAX_PER_UPLOAD} photos at a time ({} chosen)",
                uploads.len()
            ),
        ));
    }
    let file_names = uploads
        .iter()
        .map(|u| optional_text("file", u.file_name.as_deref(), 255))
        .collect::<AppResult<Vec<_>>>()?;
    // Decoding and scaling is CPU work: off the async runtime, one photo after another, and no
    // more uploads at once than there are cores (each holds a decoded picture, ~40 MB at 12 MP).
    let slot = tokio::time::timeout(SLOT_WAIT, SLOTS.clone().acquire_owned())
        .await
        .map_err(|_| AppError::Busy {
            message: "the server is preparing too many photos at once; try again in a minute".into(),
            retry_after_secs: SLOT_WAIT.as_secs(),
        })?
        .map_err(|e| anyhow::anyhow!("the photo slots are closed: {e}"))?;
    let prepared = tokio::task::spawn_blocking(move || {
        let done = uploads
            .iter()
            .map(|u| picture::prepare(&u.bytes))
            .collect::<Vec<Result<Renditions, picture::Refusal>>>();
        drop(slot);
        done
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("photo preparation stopped: {e}")))?;
    prepared
        .into_iter()
        .zip(file_names)
        .enumerate()
        .map(|(i, (result, file_name))| match result {
            Ok(renditions) => Ok(Prepared { file_name, renditions }),
            Err(refusal) => {
                let name = file_name.unwrap_or_else(|| format!("#{}", i + 1));
                Err(AppError::invalid("file", format!("{refusal} ({name})")))
            }
        })
        .collect()
}

/// The record photos are for, and what they show.
#[derive(Debug, Clone)]
pub struct PhotoOf {
    pub subject: PhotoSubject,
    pub subject_id: i32,
    pub caption: Option<String>,
}

impl PhotoOf {
    /// From what a form or a request says: the kind of record by name, the caption checked.
    pub fn parse(subject: &str, subject_id: i32, caption: Option<&str>) -> AppResult<Self> {
        Ok(Self {
            subject: PhotoSubject::parse(subject).map_err(|e| AppError::invalid(e.field, e.message))?,
            subject_id,
            caption: optional_text("caption", caption, 200)?,
        })
    }
}

/// Attaches photos to one record of the project: all of them or, if one cannot be taken (not a
/// JPEG or PNG, unreadable), none — the refusal names the file. A record that is not on the
/// project is refused (404) before any picture is decoded.
#[tracing::instrument(skip_all, fields(project_id = p.id(), photos = uploads.len()))]
pub async fn add(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayRecordWork>,
    of: PhotoOf,
    uploads: Vec<Upload>,
    now: DateTime<Utc>,
) -> AppResult<Vec<photo::Model>> {
    ensure_subject(db, p.id(), of.subject, of.subject_id).await?;
    let prepared = prepare(uploads).await?;
    store(db, files, p, of, prepared, now).await
}

/// Saves prepared photos on one record of the project, which must exist (404).
pub async fn attach(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayRecordWork>,
    of: PhotoOf,
    prepared: Vec<Prepared>,
    now: DateTime<Utc>,
) -> AppResult<Vec<photo::Model>> {
    ensure_subject(db, p.id(), of.subject, of.subject_id).await?;
    store(db, files, p, of, prepared, now).await
}

/// Keeps the pictures and writes their rows; the record is known to be on the project.
async fn store(
    db: &DatabaseConnection,
    files: &Files,
    p: &Granted<impl MayRecordWork>,
    of: PhotoOf,
    prepared: Vec<Prepared>,
    now: DateTime<Utc>,
) -> AppResult<Vec<photo::Model>> {
    let PhotoOf {
        subject,
        subject_id,
        caption,
    } = of;
    // The files first: a row never names a file that is not kept. A file whose row is then not
    // written stays unreferenced, which is harmless (kept by content, never listed).
    let mut rows = Vec::with_capacity(prepared.len());
    for Prepared {
        file_name,
        renditions: r,
    } in prepared
    {
        let sha256 = files.put(&r.kept).await.map_err(AppError::Internal)?;
        let print_sha256 = files.put(&r.print).await.map_err(AppError::Internal)?;
        let thumb_sha256 = files.put(&r.thumb).await.map_err(AppError::Internal)?;
        rows.push(photo::ActiveModel {
            project_id: Set(p.id()),
            subject: Set(subject),
            subject_id: Set(subject_id),
            caption: Set(caption.clone()),
            sha256: Set(sha256),
            print_sha256: Set(print_sha256),
            thumb_sha256: Set(thumb_sha256),
            width: Set(r.width as i32),
            height: Set(r.height as i32),
            bytes: Set(r.kept.len() as i64),
            file_name: Set(file_name),
            taken_by: Set(p.actor().id),
            uploaded_at: Set(now),
            ..Default::default()
        });
    }
    let txn = begin_write(db).await?;
    let mut saved = Vec::with_capacity(rows.len());
    for row in rows {
        saved.push(row.insert(&txn).await?);
    }
    audit::append(
        &txn,
        p.actor(),
        Event {
            project_id: Some(p.id()),
            event: "photos_added",
            subject: format!("{}:{subject_id}", subject.as_str()),
            detail: json!({"photos": saved.iter().map(|s| s.id).collect::<Vec<_>>(), "caption": caption}),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// 404 unless the record exists on this project.
async fn ensure_subject(db: &impl ConnectionTrait, project_id: i32, subject: PhotoSubject, id: i32) -> AppResult<()> {
    let found = match subject {
        PhotoSubject::Inspection => {
            inspection::Entity::find_by_id(id)
                .filter(inspection::Column::ProjectId.eq(project_id))
                .count(db)
                .await?
        }
        PhotoSubject::Deviation => {
            deviation::Entity::find_by_id(id)
                .filter(deviation::Column::ProjectId.eq(project_id))
                .count(db)
                .await?
        }
        PhotoSubject::Installation => {
            installation::Entity::find_by_id(id)
                .filter(installation::Column::ProjectId.eq(project_id))
                .count(db)
                .await?
        }
        PhotoSubject::WorkLog => {
            work_log::Entity::find_by_id(id)
                .filter(work_log::Column::ProjectId.eq(project_id))
                .count(db)
                .await?
        }
    };
    if found == 0 {
        return Err(AppError::not_found(format!(
            "no {} {id} on project {project_id}",
            subject.as_str()
        )));
    }
    Ok(())
}

/// The project's photos, oldest first; of one kind of record when `subject` is given, of one
/// record when `subject_id` is too.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Granted<impl MayRead>,
    subject: Option<PhotoSubject>,
    subject_id: Option<i32>,
) -> AppResult<Vec<photo::Model>> {
    let mut q = photo::Entity::find().filter(photo::Column::ProjectId.eq(p.id()));
    if let Some(s) = subject {
        q = q.filter(photo::Column::Subject.eq(s));
    }
    if let Some(id) = subject_id {
        q = q.filter(photo::Column::SubjectId.eq(id));
    }
    Ok(q.order_by_asc(photo::Column::Id).all(db).await?)
}

/// One photo of the project.
pub async fn find(db: &DatabaseConnection, p: &Granted<impl MayRead>, photo_id: i32) -> AppResult<photo::Model> {
    photo::Entity::find_by_id(photo_id)
        .filter(photo::Column::ProjectId.eq(p.id()))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no photo {photo_id} on project {}", p.id())))
}

/// The JPEG bytes of one picture of a photo.
pub async fn picture(files: &Files, photo: &photo::Model, size: Size) -> AppResult<Vec<u8>> {
    files
        .get(size.of(photo))
        .await
        .map_err(AppError::Internal)?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("photo {} names a file that is not kept", photo.id)))
}

/// Takes a photo off its record (a wrong one, a blurred one), with the reason; the history and the
/// audit log keep who, when and why. Forms already issued keep the copy they printed.
#[tracing::instrument(skip_all, fields(project_id = p.id(), photo_id))]
pub async fn remove(
    db: &DatabaseConnection,
    p: &Granted<impl MayRecordWork>,
    photo_id: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let reason = required_text("reason", reason, 500)?;
    let txn = begin_write(db).await?;
    let found = photo::Entity::find_by_id(photo_id)
        .filter(photo::Column::ProjectId.eq(p.id()))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no photo {photo_id} on project {}", p.id())))?;
    photo::Entity::delete_by_id(photo_id).exec(&txn).await?;
    let subject = format!("{}:{}", found.subject.as_str(), found.subject_id);
    audit::append(
        &txn,
        p.actor(),
        Event {
            project_id: Some(p.id()),
            event: "photo_removed",
            subject: subject.clone(),
            detail: json!({"photo": photo_id, "sha256": found.sha256, "reason": reason}),
        },
        now,
    )
    .await?;
    history::record(
        &txn,
        p.actor(),
        now,
        vec![
            Change::new(Some(p.id()), "photo", Some(photo_id), "deleted")
                .field("subject", Some(subject), None)
                .reason(Some(reason)),
        ],
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
