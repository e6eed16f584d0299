//! Photos taken on site: attached to a deviation, an inspection, an installation record or a
//! work-log entry; kept upright, without their location, and only for those who see the project.
use jiaofu_tests::{
    TestApp,
    files::{GPS_LATITUDE, camera_jpeg},
    spawn_app, spawn_app_with,
};
use serde_json::{Value, json};

use crate::arrival::with_baseline;

/// A project whose 机柜 arrived on shipment FH-RACK and failed its appearance check: (base path, inspection, deviation).
pub(crate) async fn with_a_failed_inspection(app: &TestApp) -> (String, i64, i64) {
    let (base, items) = with_baseline(app).await;
    let rack = items.iter().find(|i| i["name"] == "机柜").expect("机柜")["item_id"]
        .as_i64()
        .expect("id");
    let ship = app
        .post(
            &format!("{base}/shipments"),
            &app.admin,
            json!({"reference": "FH-RACK", "dispatched_by": "采购部 陈芳"}),
        )
        .await
        .expect(200);
    let ship = format!("{base}/shipments/{}", ship["id"]);
    app.patch(&ship, &app.admin, json!({"arrived_on": "2026-03-09"}))
        .await
        .expect(200);
    app.post(
        &format!("{ship}/units"),
        &app.admin,
        json!({"lines": [{"item_id": rack, "quantity": 6}]}),
    )
    .await
    .expect(200);
    let failed = app
        .post(
            &format!("{base}/inspections"),
            &app.admin,
            json!({"round": "self", "items": [{"item_id": rack, "documents": "pass", "appearance": "fail",
                   "power_on": "na", "note": "前门玻璃划伤"}]}),
        )
        .await
        .expect(200);
    let inspection = failed[0]["id"].as_i64().expect("inspection");
    let deviation = failed[0]["deviation_id"].as_i64().expect("deviation");
    (base, inspection, deviation)
}

/// A GET read as bytes: status, content type, body.
pub(crate) async fn bytes(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("sent");
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, content_type, resp.bytes().await.expect("body").to_vec())
}

fn count(list: &Value) -> usize {
    list.as_array().expect("a list").len()
}

#[tokio::test]
async fn a_photo_of_a_scratch_is_kept_upright_without_its_location_and_shown_only_to_those_who_see_the_project() {
    let app = spawn_app().await;
    let (base, inspection, deviation) = with_a_failed_inspection(&app).await;
    let photos = format!("{base}/photos");
    let (_, engineer) = app.user("li.ming", "engineer").await;
    let project_id = base.rsplit('/').next().expect("id").parse::<i64>().expect("number");
    let (member_id, member) = app.user("wang.fang", "engineer").await;
    app.add_member(project_id, member_id, "engineer").await;

    // Two pictures from the tablet, turned a quarter by the camera, with a GPS position.
    let original = camera_jpeg(64, 32, 6);
    assert!(original.windows(GPS_LATITUDE.len()).any(|w| w == GPS_LATITUDE));
    let added = app
        .upload_files(
            &photos,
            &member,
            &[
                ("subject", "deviation"),
                ("subject_id", &deviation.to_string()),
                ("caption", "前门玻璃右下角划伤"),
            ],
            vec![
                ("IMG_0412.JPG", original.clone()),
                ("IMG_0413.JPG", camera_jpeg(48, 40, 1)),
            ],
        )
        .await
        .expect(200);
    assert_eq!(count(&added), 2);
    let first = &added[0];
    assert_eq!(
        (first["width"].as_i64(), first["height"].as_i64()),
        (Some(32), Some(64))
    );
    assert_eq!(first["caption"], "前门玻璃右下角划伤");
    assert_eq!(first["file_name"], "IMG_0412.JPG");
    assert_eq!(first["taken_by"].as_i64(), Some(member_id));

    // What is served is upright, a JPEG, and carries neither EXIF nor the position.
    let url = first["url"].as_str().expect("url");
    let (status, content_type, kept) = bytes(&app, url, &member).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert!(!kept.windows(4).any(|w| w == b"Exif"), "EXIF removed");
    assert!(
        !kept.windows(GPS_LATITUDE.len()).any(|w| w == GPS_LATITUDE),
        "position removed"
    );
    let picture = image::load_from_memory(&kept).expect("a picture");
    assert_eq!((picture.width(), picture.height()), (32, 64));
    let (status, _, thumb) = bytes(&app, first["thumbnail"].as_str().expect("thumbnail"), &member).await;
    assert_eq!(status, 200);
    assert!(image::load_from_memory(&thumb).is_ok());
    let (status, _, _) = bytes(&app, &format!("{url}?size=huge"), &member).await;
    assert_eq!(status, 422, "an unknown size is refused");

    // Listed by record; a viewer sees them; someone outside the project does not, even by id.
    let of_deviation = format!("{photos}?subject=deviation&subject_id={deviation}");
    assert_eq!(count(&app.get(&of_deviation, &member).await.expect(200)), 2);
    assert_eq!(
        count(
            &app.get(&format!("{photos}?subject=inspection"), &member)
                .await
                .expect(200)
        ),
        0
    );
    let (_, viewer) = app.user("guest", "viewer").await;
    assert_eq!(bytes(&app, url, &viewer).await.0, 200);
    assert_eq!(bytes(&app, url, &engineer).await.0, 404, "not a member");
    app.get(&photos, &engineer).await.expect(404);
    app.upload(
        &photos,
        &viewer,
        &[("subject", "inspection"), ("subject_id", &inspection.to_string())],
        "a.jpg",
        camera_jpeg(8, 8, 1),
    )
    .await
    .expect(403);

    // A file that is not a picture is refused by its bytes, naming it, and nothing of that
    // upload is kept — not even the good picture beside it.
    let refused = app
        .upload_files(
            &photos,
            &member,
            &[("subject", "inspection"), ("subject_id", &inspection.to_string())],
            vec![
                ("ok.jpg", camera_jpeg(16, 16, 1)),
                ("验收单.jpg", b"%PDF-1.7 not a picture".to_vec()),
            ],
        )
        .await
        .refused(422, "验收单.jpg");
    assert_eq!(refused["field"], "file");
    assert_eq!(
        count(
            &app.get(&format!("{photos}?subject=inspection"), &member)
                .await
                .expect(200)
        ),
        0
    );
    app.upload(
        &photos,
        &member,
        &[("subject", "invoice"), ("subject_id", "1")],
        "a.jpg",
        camera_jpeg(8, 8, 1),
    )
    .await
    .refused(422, "work_log");

    // A record of another project is not found from this one.
    let other = app.project("ZJFY-2026-019", "2026-03-02").await["id"].clone();
    app.upload(
        &format!("/api/projects/{other}/photos"),
        &app.admin,
        &[("subject", "deviation"), ("subject_id", &deviation.to_string())],
        "a.jpg",
        camera_jpeg(8, 8, 1),
    )
    .await
    .refused(404, "deviation");

    // A wrong photo is taken off with its reason, kept in the history.
    let second = added[1]["id"].as_i64().expect("id");
    app.delete(&format!("{photos}/{second}?reason="), &member)
        .await
        .refused(422, "reason");
    let removed = app.delete(&format!("{photos}/{second}?reason=拍错设备"), &member).await;
    assert_eq!(removed.status.as_u16(), 204);
    assert_eq!(count(&app.get(&of_deviation, &member).await.expect(200)), 1);
    let history = app.get(&format!("{base}/history"), &app.admin).await.expect(200);
    assert!(history.to_string().contains("拍错设备"), "{history}");
}

#[tokio::test]
async fn a_photo_larger_than_the_upload_limit_is_refused_before_it_is_read() {
    let app = spawn_app_with(|s| s.upload_max_bytes = 1024 * 1024).await;
    let (base, inspection, _) = with_a_failed_inspection(&app).await;
    let mut large = camera_jpeg(64, 64, 1);
    large.resize(2 * 1024 * 1024, 0);
    app.upload(
        &format!("{base}/photos"),
        &app.admin,
        &[("subject", "inspection"), ("subject_id", &inspection.to_string())],
        "large.jpg",
        large,
    )
    .await
    .refused(413, "1 MB");
}

/// The bytes of one part of a .docx.
fn part_bytes(docx: &[u8], name: &str) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a .docx is a zip");
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(name).expect("the part"), &mut bytes).expect("read");
    bytes
}

/// The names of a .docx's parts.
fn parts(docx: &[u8]) -> Vec<String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a .docx is a zip");
    zip.file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect()
}

#[tokio::test]
async fn the_inspection_record_and_the_work_log_print_their_photos_in_an_appendix() {
    let app = spawn_app().await;
    let (base, inspection, deviation) = with_a_failed_inspection(&app).await;
    let photos = format!("{base}/photos");
    app.upload(
        &photos,
        &app.admin,
        &[("subject", "inspection"), ("subject_id", &inspection.to_string())],
        "front.jpg",
        camera_jpeg(400, 300, 1),
    )
    .await
    .expect(200);
    app.upload(
        &photos,
        &app.admin,
        &[
            ("subject", "deviation"),
            ("subject_id", &deviation.to_string()),
            ("caption", "前门玻璃右下角划伤"),
        ],
        "scratch.jpg",
        camera_jpeg(400, 300, 6),
    )
    .await
    .expect(200);
    let entry = app
        .post(
            &format!("{base}/work-log"),
            &app.admin,
            json!({"work_date": "2026-03-10", "people": "王工、李工", "work_done": "机柜就位"}),
        )
        .await
        .expect(200);
    app.upload(
        &photos,
        &app.admin,
        &[
            ("subject", "work_log"),
            ("subject_id", &entry["id"].to_string()),
            ("caption", "机柜就位后"),
        ],
        "racks.jpg",
        camera_jpeg(300, 400, 1),
    )
    .await
    .expect(200);

    let mut docs = Vec::new();
    for form in ["inspection-record", "work-log"] {
        let (status, _, docx) = bytes(&app, &format!("{base}/documents/{form}.docx"), &app.admin).await;
        assert_eq!(status, 200);
        // Every picture is named for what it is: the photos JPEG, the letterhead's logo PNG.
        let media: Vec<(String, Vec<u8>)> = parts(&docx)
            .into_iter()
            .filter(|p| p.starts_with("word/media/"))
            .map(|name| (name.clone(), part_bytes(&docx, &name)))
            .collect();
        assert!(
            media.iter().any(|(name, _)| name.ends_with(".jpeg")),
            "{form}: no photo"
        );
        for (name, bytes) in &media {
            let named_right = if name.ends_with(".jpeg") {
                bytes.starts_with(&[0xFF, 0xD8, 0xFF])
            } else {
                name.ends_with(".png") && bytes.starts_with(b"\x89PNG")
            };
            assert!(named_right, "{form}: {name} is not what its name says");
        }
        docs.push((form.to_string(), docx));
    }
    let Some(printed) = jiaofu_tests::reader::render(&docs) else {
        return;
    };
    let (record, log) = (&printed[0], &printed[1]);
    let appendix = record
        .pages
        .iter()
        .position(|p| p.contains("附：现场照片"))
        .expect("an appendix");
    assert!(appendix > 0, "the appendix starts a page of its own");
    let text = jiaofu_tests::reader::compact(&record.pages[appendix..].join(""));
    assert!(text.contains("前门玻璃右下角划伤"), "{text}");
    assert!(text.contains("机柜"), "{text}");
    // Both photos are printed, on the appendix's page, upright (the letterhead's 120 × 40 logo is
    // on every page besides).
    let photos = |images: &[(usize, u32, u32)]| -> Vec<(usize, u32, u32)> {
        images
            .iter()
            .copied()
            .filter(|&(_, w, h)| (w, h) != (120, 40))
            .collect()
    };
    let on_appendix: Vec<_> = photos(&record.images)
        .into_iter()
        .filter(|(page, _, _)| *page > appendix)
        .collect();
    assert_eq!(on_appendix.len(), 2, "{:?}", record.images);
    assert!(
        on_appendix.iter().any(|(_, w, h)| h > w),
        "the turned photo prints upright"
    );
    assert!(jiaofu_tests::reader::compact(&log.text()).contains("机柜就位后"));
    assert_eq!(photos(&log.images).len(), 1, "{:?}", log.images);
}
