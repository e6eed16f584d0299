//! Photos taken on site: attached to an arrival inspection, a deviation, an installation record or
//! a work-log entry; served only to those who may see the project.
use chrono::{DateTime, Utc};
use poem_openapi::{
    ApiResponse, Multipart, Object, OpenApi,
    param::{Path, Query},
    payload::{Binary, Json},
    types::multipart::Upload,
};

use super::types::{OneOf, PhotoSize};
use super::{ApiTags, BearerAuth, NoContent, grant, middleware::checked_text};
use crate::{
    domain::types as kinds,
    error::{ApiResult, AppError},
    service::{
        access::{Read, RecordWork},
        photos::{self, PhotoOf, Size},
    },
    state::AppState,
};

pub struct PhotosApi {
    state: AppState,
}

impl PhotosApi {
    pub fn new(state: AppState) -> Self {
        Self { state }
    }
}

/// Photos for one record.
#[derive(Multipart)]
struct PhotoForm {
    /// inspection, deviation, installation or work_log.
    subject: OneOf<kinds::PhotoSubject>,
    /// The record's id.
    subject_id: i32,
    /// What the photos show, e.g. 屏幕右下角划伤.
    caption: Option<String>,
    /// One or more JPEG or PNG pictures (at most 20); location and other metadata are removed,
    /// the picture is turned upright and kept at most 2560 px.
    file: Vec<Upload>,
}

/// A photo on a record.
#[derive(Object)]
struct PhotoDto {
    /// Identifier.
    id: i32,
    /// inspection, deviation, installation or work_log.
    subject: OneOf<kinds::PhotoSubject>,
    /// The record's id.
    subject_id: i32,
    /// What the photo shows.
    #[oai(nullable)]
    caption: Option<String>,
    /// Width of the photo as kept, upright, in pixels.
    width: i32,
    /// Its height.
    height: i32,
    /// Size of the photo as kept.
    bytes: i64,
    /// SHA-256 of the photo as kept.
    sha256: String,
    /// The file's name as uploaded.
    #[oai(nullable)]
    file_name: Option<String>,
    /// Who took it.
    #[oai(nullable)]
    taken_by: Option<i32>,
    /// When it was uploaded.
    uploaded_at: DateTime<Utc>,
    /// The photo as kept (JPEG).
    url: String,
    /// Its thumbnail, at most 320 px.
    thumbnail: String,
}

fn dto(p: &entity::photo::Model) -> PhotoDto {
    let url = format!("/api/projects/{}/photos/{}", p.project_id, p.id);
    PhotoDto {
        id: p.id,
        subject: p.subject.into(),
        subject_id: p.subject_id,
        caption: p.caption.clone(),
        width: p.width,
        height: p.height,
        bytes: p.bytes,
        sha256: p.sha256.clone(),
        file_name: p.file_name.clone(),
        taken_by: p.taken_by,
        uploaded_at: p.uploaded_at,
        thumbnail: format!("{url}?size=thumb"),
        url,
    }
}

#[derive(ApiResponse)]
enum JpegResponse {
    /// The picture.
    #[oai(status = 200, content_type = "image/jpeg")]
    Ok(
        Binary<Vec<u8>>,
        /// Private: a photo is only for those who may see the project.
        #[oai(header = "Cache-Control")]
        String,
        /// The picture's SHA-256.
        #[oai(header = "ETag")]
        String,
    ),
}

#[OpenApi(tag = "ApiTags::Photos")]
impl PhotosApi {
    /// Attach photos to a record
    ///
    /// Engineers and PMs, on an arrival inspection, a deviation, an installation record or a
    /// work-log entry of the project. JPEG or PNG, checked by their bytes (422 names a file that is
    /// not one); each is turned upright, kept at most 2560 px and stripped of its metadata (GPS
    /// position, camera), with a print copy and a thumbnail. All or none.
    #[oai(path = "/projects/:id/photos", method = "post", operation_id = "add_photos")]
    async fn add(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        form: PhotoForm,
    ) -> ApiResult<Json<Vec<PhotoDto>>> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        let mut uploads = Vec::with_capacity(form.file.len());
        for file in form.file {
            let file_name = match file.file_name() {
                Some(name) => Some(checked_text("file", name.to_string())?),
                None => None,
            };
            let bytes = file
                .into_vec()
                .await
                .map_err(|e| AppError::invalid("file", format!("file: {e}")))?;
            uploads.push(photos::Upload { file_name, bytes });
        }
        let caption = form.caption.map(|c| checked_text("caption", c)).transpose()?;
        let of = PhotoOf::parse(&form.subject, form.subject_id, caption.as_deref())?;
        let saved = photos::add(&self.state.db, &self.state.files, &p, of, uploads, Utc::now()).await?;
        Ok(Json(saved.iter().map(dto).collect()))
    }

    /// List photos
    ///
    /// The project's photos, oldest first; of one kind of record, or of one record.
    #[oai(path = "/projects/:id/photos", method = "get", operation_id = "list_photos")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// inspection, deviation, installation or work_log.
        subject: Query<Option<OneOf<kinds::PhotoSubject>>>,
        /// The record's id.
        subject_id: Query<Option<i32>>,
    ) -> ApiResult<Json<Vec<PhotoDto>>> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let subject = match subject.0 {
            Some(s) => Some(kinds::PhotoSubject::parse(&s).map_err(|e| AppError::invalid(e.field, e.message))?),
            None => None,
        };
        let list = photos::list(&self.state.db, &p, subject, subject_id.0).await?;
        Ok(Json(list.iter().map(dto).collect()))
    }

    /// Get a photo
    ///
    /// The JPEG: as kept, the print copy (1200 px) or the thumbnail (320 px).
    #[oai(path = "/projects/:id/photos/:photo", method = "get", operation_id = "get_photo")]
    async fn get(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Photo id.
        photo: Path<i32>,
        /// kept (default), print or thumb.
        size: Query<Option<OneOf<PhotoSize>>>,
    ) -> ApiResult<JpegResponse> {
        let p = grant::<Read>(&self.state, &auth, id.0).await?;
        let size = Size::parse(size.0.as_deref().map(String::as_str))?;
        let found = photos::find(&self.state.db, &p, photo.0).await?;
        let bytes = photos::picture(&self.state.files, &found, size).await?;
        let etag = format!("\"{}\"", size.of(&found));
        Ok(JpegResponse::Ok(Binary(bytes), "private, max-age=86400".into(), etag))
    }

    /// Remove a photo
    ///
    /// A wrong or blurred photo, with the reason; the history and the audit log keep who, when
    /// and why. Forms already issued keep the copy they printed.
    #[oai(
        path = "/projects/:id/photos/:photo",
        method = "delete",
        operation_id = "remove_photo"
    )]
    async fn remove(
        &self,
        auth: BearerAuth,
        /// Project id.
        id: Path<i32>,
        /// Photo id.
        photo: Path<i32>,
        /// Why, e.g. 拍错设备.
        reason: Query<String>,
    ) -> ApiResult<NoContent> {
        let p = grant::<RecordWork>(&self.state, &auth, id.0).await?;
        photos::remove(&self.state.db, &p, photo.0, &reason.0, Utc::now()).await?;
        Ok(NoContent::Done)
    }
}
