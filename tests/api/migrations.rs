//! What has landed survives the migrations after it: the test plans' signatures and signing
//! requests written before a signature could cover any document keep their ids, their documents
//! and their verification codes, and new rows go on after them.
use entity::{signature, signing_request};
use jiaofu::domain::types::SignedDocument;
use migration::MigratorTrait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

const AT: &str = "2026-03-30T02:00:00+00:00";

#[tokio::test]
async fn signatures_made_before_any_document_could_be_signed_keep_their_ids_documents_and_codes() {
    let database = jiaofu_tests::TestDatabase::create().await.expect("a database");
    let db = jiaofu::db::connect(&database.url).await.expect("connects");
    // The schema as it was when only test plans were signed (migration 18), with a plan's
    // request and the client's signature on its page 2, as the service wrote them then.
    migration::Migrator::up(&db, Some(18)).await.expect("migrated to 18");
    for sql in [
        format!(
            "INSERT INTO users (id, username, display_name, password_hash, role, created_at) \
             VALUES (1, 'li.ming', '李明', 'x', 'engineer', '{AT}')"
        ),
        format!(
            "INSERT INTO plans (id, code, name, definition, builtin, created_at) VALUES (1, 'p', 'p', '{{}}', false, '{AT}')"
        ),
        format!(
            "INSERT INTO projects (id, code, name, client_name, site_address, region, category, system_types, \
             contract_signed_on, status, timezone, plan_id, created_at, updated_at) VALUES (1, 'ZJFY-2026-001', \
             '数字法庭建设项目', '某市中级人民法院', '某市', '华东', '法院', '[]', '2026-03-02', 'active', \
             'Asia/Shanghai', 1, '{AT}', '{AT}')"
        ),
        format!(
            "INSERT INTO test_plans (id, project_id, title, templates, items_per_page, created_at) \
             VALUES (7, 1, '数字法庭功能测试', 'digital_courtroom', 8, '{AT}')"
        ),
        format!(
            "INSERT INTO signing_requests (id, project_id, plan_id, signer_name, signer_email, pages, method, \
             token_hash, expires_at, reminders_sent, last_sent_at, created_by, created_at) VALUES (3, 1, 7, \
             '周文涛', 'zhou.wentao@court.example.cn', '[1,2]', 'email_link', 'hash-of-the-token', '{AT}', 0, \
             '{AT}', 1, '{AT}')"
        ),
        format!(
            "INSERT INTO signatures (id, project_id, plan_id, page, party, signer_name, request_id, method, \
             signed_at, signed_local, content_sha256, verify_code) VALUES (5, 1, 7, 2, 'client', '周文涛', 3, \
             'email_link', '{AT}', '2026-03-30 10:00:00 +08:00', 'sha-of-page-2', 'ABCD2345')"
        ),
    ] {
        db.execute_unprepared(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    migration::Migrator::up(&db, None)
        .await
        .expect("migrated to the latest");

    let kept = signature::Entity::find_by_id(5)
        .one(&db)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (
            kept.document,
            kept.document_id,
            kept.page,
            kept.request_id,
            kept.verify_code.as_str()
        ),
        (SignedDocument::TestPlan, 7, 2, Some(3), "ABCD2345")
    );
    let request = signing_request::Entity::find_by_id(3)
        .one(&db)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(
        (request.document, request.document_id, request.pages.as_str()),
        (SignedDocument::TestPlan, 7, "[1,2]")
    );
    // The next signature is numbered after the copied ones (PostgreSQL's sequence moved on).
    let next = signature::ActiveModel {
        project_id: Set(1),
        document: Set(SignedDocument::TestPlan),
        document_id: Set(7),
        page: Set(1),
        party: Set(kept.party),
        signer_name: Set("周文涛".into()),
        method: Set(kept.method),
        signed_at: Set(kept.signed_at),
        signed_local: Set(kept.signed_local.clone()),
        content_sha256: Set("sha-of-page-1".into()),
        verify_code: Set("EFGH6789".into()),
        ..Default::default()
    }
    .insert(&db)
    .await
    .expect("a new signature");
    assert!(next.id > 5, "new ids follow the copied ones: {}", next.id);
}
