//! The role matrix of the README, walked operation by operation through the OpenAPI document: for
//! every operation and every role, a request shaped as the document says (path, query, body) either
//! passes the access check (any answer but 403) or is refused with 403, exactly as the matrix says.
use jiaofu_tests::{TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Who may call an operation (README, Roles).
#[derive(Debug, Clone, Copy, PartialEq)]
enum May {
    /// Any signed-in account: its own profile, the project list, plans and templates.
    Anyone,
    /// Administrators only: accounts, plans, the outbox, the audit chain.
    Admin,
    /// Administrators and managers.
    CreateProject,
    /// Members of the project (every project for admins and viewers).
    Read,
    /// The project's engineers and PMs: work recorded on site.
    RecordWork,
    /// Engineers only for tasks assigned to them; PMs any task.
    MoveOwnTask,
    /// Our signature on a test page: the project's own engineers and PMs, nobody else (an
    /// administrator who is not on the team included).
    SignAsMember,
    /// The project's PMs (and admins).
    Manage,
    /// The quality department: administrators and viewers (archiving the monthly statistics).
    Quality,
}

/// Every operation of the API and who may call it; an operation missing here fails the test.
const MATRIX: &[(&str, May)] = &[
    ("logout", May::Anyone),
    ("me", May::Anyone),
    ("update_me", May::Anyone),
    ("change_password", May::Anyone),
    ("rotate_calendar_feed", May::Anyone),
    ("revoke_calendar_feed", May::Anyone),
    ("dashboard", May::Anyone),
    ("list_projects", May::Anyone),
    ("list_plans", May::Anyone),
    ("get_plan", May::Anyone),
    ("list_test_plan_templates", May::Anyone),
    ("verify_audit_chain", May::Anyone),
    ("list_outbox", May::Admin),
    ("get_outbox_message", May::Admin),
    ("cancel_outbox_message", May::Admin),
    ("retry_outbox_message", May::Admin),
    ("create_plan", May::Admin),
    ("create_user", May::Admin),
    ("list_users", May::Admin),
    ("search_users", May::CreateProject),
    ("update_user", May::Admin),
    ("create_project", May::CreateProject),
    ("get_project", May::Read),
    ("arrival_status", May::Read),
    ("project_calendar", May::Read),
    ("list_contacts", May::Read),
    ("list_deviations", May::Read),
    ("get_deviation", May::Read),
    ("list_documents", May::Read),
    ("download_document", May::Read),
    ("list_equipment_lists", May::Read),
    ("reconcile_equipment", May::Read),
    ("get_equipment_list", May::Read),
    ("diff_equipment_lists", May::Read),
    ("project_history", May::Read),
    ("list_inspections", May::Read),
    ("list_installations", May::Read),
    ("list_members", May::Read),
    ("document_register", May::Read),
    ("list_copies", May::Read),
    ("get_schedule", May::Read),
    ("list_shipments", May::Read),
    ("get_shipment", May::Read),
    ("list_test_plans", May::Read),
    ("get_test_plan", May::Read),
    ("list_signing_requests", May::Read),
    ("get_acceptance", May::Read),
    ("list_acceptance_signing_requests", May::Read),
    ("list_acceptance_issues", May::Read),
    ("list_credentials", May::Read),
    ("list_credential_handovers", May::Read),
    ("get_trial_run", May::Read),
    ("get_training", May::Read),
    ("get_document_handover", May::Read),
    ("get_evaluation", May::Read),
    ("list_work_log", May::Read),
    ("list_photos", May::Read),
    ("get_photo", May::Read),
    ("print_shipment_receipt", May::Read),
    ("close_deviation", May::RecordWork),
    ("record_inspection", May::RecordWork),
    ("create_installation", May::RecordWork),
    ("update_installation", May::RecordWork),
    ("report_copy_lost", May::RecordWork),
    ("sign_receipt", May::RecordWork),
    ("receive_units", May::RecordWork),
    ("import_units", May::RecordWork),
    ("record_test_result", May::RecordWork),
    ("record_test_results", May::RecordWork),
    ("replace_unit", May::RecordWork),
    ("save_installation_table", May::RecordWork),
    ("sign_test_page", May::SignAsMember),
    ("request_client_signature", May::RecordWork),
    ("revoke_signing_request", May::RecordWork),
    ("add_work_log", May::RecordWork),
    ("sign_acceptance_part", May::SignAsMember),
    ("request_acceptance_signature", May::RecordWork),
    ("add_acceptance_issue", May::RecordWork),
    ("follow_up_acceptance_issue", May::RecordWork),
    ("add_credential", May::RecordWork),
    ("update_credential", May::RecordWork),
    ("sign_credential_handover", May::SignAsMember),
    ("log_trial_run", May::RecordWork),
    ("add_trial_run_fault", May::RecordWork),
    ("fix_trial_run_fault", May::RecordWork),
    ("add_training_session", May::RecordWork),
    ("sign_in_trainee", May::RecordWork),
    ("assess_trainee", May::RecordWork),
    ("sign_document_handover", May::SignAsMember),
    ("add_photos", May::RecordWork),
    ("remove_photo", May::RecordWork),
    ("start_task", May::MoveOwnTask),
    ("complete_task", May::MoveOwnTask),
    ("reopen_task", May::MoveOwnTask),
    ("update_project", May::Manage),
    ("add_contact", May::Manage),
    ("update_contact", May::Manage),
    ("remove_contact", May::Manage),
    ("add_member", May::Manage),
    ("update_member", May::Manage),
    ("remove_member", May::Manage),
    ("override_phase_due", May::Manage),
    ("override_task_due", May::Manage),
    ("assign_task", May::Manage),
    ("issue_document", May::Manage),
    ("record_copy", May::Manage),
    ("import_equipment_list", May::Manage),
    ("issue_change_notice", May::Manage),
    ("decide_equipment_difference", May::Manage),
    ("approve_equipment_list", May::Manage),
    ("set_purchase_order_terms", May::Manage),
    ("build_approved_list", May::Manage),
    ("create_shipment", May::Manage),
    ("update_shipment", May::Manage),
    ("delete_shipment", May::Manage),
    ("correct_unit_serial", May::Manage),
    ("create_test_plan", May::Manage),
    ("add_test_item", May::Manage),
    ("update_test_item", May::Manage),
    ("delete_test_item", May::Manage),
    ("delete_test_plan", May::Manage),
    ("paginate_test_plan", May::Manage),
    ("confirm_test_conditions", May::Manage),
    ("issue_pre_acceptance_certificate", May::Manage),
    ("void_test_page", May::Manage),
    ("plan_acceptance", May::Manage),
    ("invite_to_acceptance", May::Manage),
    ("agree_acceptance_plan", May::Manage),
    ("record_acceptance", May::Manage),
    ("void_acceptance_part", May::Manage),
    ("reveal_credential", May::Manage),
    ("hand_over_credentials", May::Manage),
    ("end_trial_run", May::Manage),
    ("plan_training", May::Manage),
    ("add_trainee", May::Manage),
    ("remove_trainee", May::Manage),
    ("hand_over_documents", May::Manage),
    ("evaluate_project", May::Manage),
    ("request_client_evaluation", May::Manage),
    ("get_service_settings", May::Read),
    ("set_service_policy", May::Manage),
    ("set_service_specialists", May::Manage),
    ("new_service_report_link", May::Manage),
    ("list_warranty_units", May::Read),
    ("report_fault", May::RecordWork),
    ("list_project_tickets", May::Read),
    ("list_tickets", May::Anyone),
    ("get_ticket", May::Read),
    ("record_ticket_step", May::RecordWork),
    ("assign_ticket", May::RecordWork),
    ("set_ticket_flags", May::RecordWork),
    ("list_spares", May::Anyone),
    ("add_spare", May::CreateProject),
    ("update_spare", May::CreateProject),
    ("list_ticket_loans", May::Read),
    ("request_spare", May::RecordWork),
    ("approve_spare_loan", May::Manage),
    ("record_oral_approval", May::RecordWork),
    ("countersign_spare_loan", May::Manage),
    ("check_out_spare", May::RecordWork),
    ("return_spare", May::RecordWork),
    ("install_spare", May::RecordWork),
    ("get_service_order", May::Read),
    ("save_service_order", May::RecordWork),
    ("sign_service_order", May::SignAsMember),
    ("request_service_order_signature", May::RecordWork),
    ("hand_in_service_order", May::RecordWork),
    ("download_service_order", May::Read),
    ("list_patrols", May::Read),
    ("plan_patrols", May::Manage),
    ("record_patrol", May::RecordWork),
    ("list_service_calls", May::Read),
    ("log_service_call", May::RecordWork),
    // Statistics over the projects the caller sees; the general manager approves, quality archives.
    ("get_service_statistics", May::Anyone),
    ("get_service_statistics_behind", May::Anyone),
    ("download_service_statistics_docx", May::Anyone),
    ("download_service_statistics_xlsx", May::Anyone),
    ("approve_service_statistics", May::Admin),
    ("archive_service_statistics", May::Quality),
    // A PM's monthly summary: the PM writes and submits it, quality archives it.
    ("get_service_summary", May::Read),
    ("save_service_summary", May::Manage),
    ("submit_service_summary", May::Manage),
    ("archive_service_summary", May::Quality),
    ("download_service_summary", May::Read),
    ("sign_patrol_report", May::SignAsMember),
    ("request_patrol_report_signature", May::RecordWork),
    ("download_patrol_report", May::Read),
    ("list_return_visits", May::Read),
    ("record_return_visit", May::RecordWork),
    ("send_return_visit_link", May::RecordWork),
    ("follow_up_return_visit", May::Manage),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Admin,
    Manager,
    Engineer,
    Viewer,
}

/// Whether `role`, a member of the project (admins and viewers see every project), may call an
/// operation; tasks are walked unassigned.
fn allowed(may: May, role: Role) -> bool {
    match (may, role) {
        (May::SignAsMember, r) => matches!(r, Role::Manager | Role::Engineer),
        (_, Role::Admin) => true,
        (May::Anyone | May::Read, _) => true,
        (May::CreateProject | May::Manage | May::MoveOwnTask, Role::Manager) => true,
        (May::RecordWork, Role::Manager | Role::Engineer) => true,
        (May::Quality, Role::Viewer) => true,
        _ => false,
    }
}

/// A JSON value of the shape `schema` asks for (required fields only), with placeholder values.
fn example(spec: &Value, schema: &Value, name: &str) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let key = reference.rsplit('/').next().unwrap_or_default();
        return example(spec, &spec["components"]["schemas"][key], name);
    }
    if let Some(all) = schema["allOf"].as_array() {
        return all.first().map_or(Value::Null, |s| example(spec, s, name));
    }
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match schema["type"].as_str().unwrap_or("object") {
        "object" => {
            let mut out = Map::new();
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap_or_default();
                out.insert(field.into(), example(spec, &schema["properties"][field], field));
            }
            Value::Object(out)
        }
        "array" => json!([example(spec, &schema["items"], name)]),
        "integer" | "number" => json!(999_999),
        "boolean" => json!(false),
        _ => match schema["format"].as_str() {
            Some("date") => json!("2026-11-20"),
            Some("date-time") => json!("2026-11-20T09:00:00+08:00"),
            _ => json!(format!("{name}-x")),
        },
    }
}

struct Caller {
    role: Role,
    token: String,
}

/// The project every role is a member of, and an unassigned task of it.
struct Ids {
    project: i64,
    task: i64,
}

async fn call(app: &TestApp, spec: &Value, path: &str, method: &str, op: &Value, ids: &Ids, token: &str) -> u16 {
    let concrete: String = path
        .split('/')
        .enumerate()
        .map(|(i, s)| match s {
            // The project every role is a member of; anything else is a record that does not exist.
            "{id}" if path.starts_with("/projects/") && i == 2 => ids.project.to_string(),
            "{task_id}" => ids.task.to_string(),
            "{code}" => "default".to_string(),
            "{file}" => "work-log.docx".to_string(),
            "{form}" => "work-log".to_string(),
            "{stage}" => "initial".to_string(),
            s if s.starts_with('{') => "999999".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "query" && p["required"] == true {
            let v = example(spec, &p["schema"], p["name"].as_str().unwrap_or_default());
            query.push((
                p["name"].as_str().unwrap_or_default().to_string(),
                v.as_str().map_or(v.to_string(), str::to_string),
            ));
        }
    }
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
    let mut req = app
        .client
        .request(method, app.url(&format!("/api{concrete}")))
        .bearer_auth(token)
        .query(&query);
    let content = &op["requestBody"]["content"];
    let schema_of = |kind: &str| {
        content
            .as_object()
            .and_then(|c| c.iter().find(|(k, _)| k.starts_with(kind)))
            .map(|(_, c)| &c["schema"])
    };
    if let Some(schema) = schema_of("application/json") {
        req = req.json(&example(spec, schema, "body"));
    } else if let Some(schema) = schema_of("multipart/form-data") {
        let mut form = reqwest::multipart::Form::new();
        let schema = example(spec, schema, "form");
        for (k, v) in schema.as_object().into_iter().flatten() {
            form = if k == "file" {
                form.part(
                    "file",
                    reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("x.csv"),
                )
            } else {
                form.text(k.clone(), v.as_str().map_or(v.to_string(), str::to_string))
            };
        }
        req = req.multipart(form);
    }
    req.send().await.expect("sent").status().as_u16()
}

#[tokio::test]
async fn every_operation_answers_each_role_as_the_role_matrix_says() {
    let app = spawn_app().await;
    let project = app.project("P-ROLES", "2026-11-02").await["id"].as_i64().expect("id");
    let mut callers = vec![Caller {
        role: Role::Admin,
        token: app.admin.clone(),
    }];
    for (name, role, account, member) in [
        ("wang.pm", Role::Manager, "manager", Some("pm")),
        ("li.eng", Role::Engineer, "engineer", Some("engineer")),
        ("zhao.view", Role::Viewer, "viewer", None),
    ] {
        let (id, token) = app.user(name, account).await;
        if let Some(member) = member {
            app.post(
                &format!("/api/projects/{project}/members"),
                &app.admin,
                json!({"user_id": id, "role": member}),
            )
            .await
            .expect(200);
        }
        callers.push(Caller { role, token });
    }
    let spec = app.get("/api/openapi.json", &app.admin).await.expect(200);
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let ids = Ids {
        project,
        task: schedule["phases"][0]["tasks"][0]["id"].as_i64().expect("a task"),
    };

    let mut wrong = Vec::new();
    let mut walked = 0;
    // The least privileged first, so that what the others change cannot hide a refusal.
    for caller in callers.iter().rev() {
        for (path, ops) in spec["paths"].as_object().expect("paths") {
            for (method, op) in ops.as_object().expect("operations") {
                let id = op["operationId"].as_str().expect("id");
                if id == "login" || id == "logout" {
                    continue; // no token / ends the session the walk uses (tests/api/auth.rs)
                }
                let Some((_, may)) = MATRIX.iter().find(|(o, _)| *o == id) else {
                    wrong.push(format!("{id}: not in the role matrix"));
                    continue;
                };
                let status = call(&app, &spec, path, method, op, &ids, &caller.token).await;
                walked += 1;
                let expected = allowed(*may, caller.role);
                // Signing a record reached by its own id (a ticket's service order) asks whether
                // the signer is on that record's project: for a record that does not exist there
                // is no project to ask about, and the answer is 404 whatever the role.
                let unknown_record = *may == May::SignAsMember && !path.starts_with("/projects/") && status == 404;
                if status == 500 || ((status == 403) == expected && !unknown_record) {
                    wrong.push(format!(
                        "{:?} {} {path} ({id}, {may:?}): {status}, expected {}",
                        caller.role,
                        method.to_uppercase(),
                        if expected { "anything but 403" } else { "403" }
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {walked} calls disagree with the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(walked, 4 * (MATRIX.len() - 1));
}

#[tokio::test]
async fn an_engineer_moves_the_tasks_assigned_to_them_and_no_other() {
    let app = spawn_app().await;
    let project = app.project("P-TASK", "2026-11-02").await["id"].as_i64().expect("id");
    let (li, token) = app.user("li.eng", "engineer").await;
    app.post(
        &format!("/api/projects/{project}/members"),
        &app.admin,
        json!({"user_id": li, "role": "engineer"}),
    )
    .await
    .expect(200);
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &token)
        .await
        .expect(200);
    let tasks: Vec<i64> = schedule["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .flat_map(|p| {
            p["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .map(|t| t["id"].as_i64().expect("id"))
        })
        .collect();
    let (mine, theirs) = (tasks[1], tasks[2]);
    app.put(
        &format!("/api/projects/{project}/tasks/{mine}/assignee"),
        &app.admin,
        json!({"user_id": li}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/projects/{project}/tasks/{mine}/start"),
        &token,
        json!({}),
    )
    .await
    .expect(200);
    app.post(
        &format!("/api/projects/{project}/tasks/{theirs}/start"),
        &token,
        json!({}),
    )
    .await
    .refused(403, "not assigned to you");
    // Shipments and test conditions are the PM's.
    app.post(
        &format!("/api/projects/{project}/shipments"),
        &token,
        json!({"reference": "SH-1", "dispatched_by": "王强"}),
    )
    .await
    .expect(403);
}

/// Walks every operation under `/projects/{id}` with `token`; returns the calls whose status is
/// not `expected`, and how many were walked. `writes_only` skips reads.
async fn walk_project_operations(
    app: &TestApp,
    spec: &Value,
    ids: &Ids,
    token: &str,
    writes_only: bool,
    expected: u16,
) -> (Vec<String>, usize) {
    let mut wrong = Vec::new();
    let mut walked = 0;
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        if !path.starts_with("/projects/{id}") {
            continue;
        }
        for (method, op) in ops.as_object().expect("operations") {
            // The viewer's walk: writes, but not the archiving a viewer does as quality.
            let quality = MATRIX
                .iter()
                .any(|(id, may)| *may == May::Quality && op["operationId"].as_str() == Some(*id));
            if writes_only && (method == "get" || quality) {
                continue;
            }
            let status = call(app, spec, path, method, op, ids, token).await;
            walked += 1;
            if status != expected {
                wrong.push(format!(
                    "{} {path} ({}): {status}",
                    method.to_uppercase(),
                    op["operationId"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    (wrong, walked)
}

#[tokio::test]
async fn every_project_operation_is_not_found_for_whoever_is_not_on_the_project_and_forbidden_to_a_viewer_who_writes() {
    let app = spawn_app().await;
    let project = app.project("P-WALK", "2026-11-02").await["id"].as_i64().expect("id");
    let spec = app.get("/api/openapi.json", &app.admin).await.expect(200);
    let schedule = app
        .get(&format!("/api/projects/{project}/schedule"), &app.admin)
        .await
        .expect(200);
    let ids = Ids {
        project,
        task: schedule["phases"][0]["tasks"][0]["id"].as_i64().expect("a task"),
    };
    let mut report = Vec::new();
    // A manager and an engineer of another project: the project does not exist for them.
    let other = app.project("P-OTHER", "2026-11-02").await["id"].as_i64().expect("id");
    for (name, account, member) in [("qian.pm", "manager", "pm"), ("sun.eng", "engineer", "engineer")] {
        let (id, token) = app.user(name, account).await;
        app.post(
            &format!("/api/projects/{other}/members"),
            &app.admin,
            json!({"user_id": id, "role": member}),
        )
        .await
        .expect(200);
        let (wrong, walked) = walk_project_operations(&app, &spec, &ids, &token, false, 404).await;
        assert!(walked > 50, "only {walked} project operations walked");
        report.extend(wrong.into_iter().map(|w| format!("{account} (not a member): {w}")));
    }
    // A viewer reads every project and changes none (but archives for quality).
    let (_, viewer) = app.user("zhou.view", "viewer").await;
    let (wrong, walked) = walk_project_operations(&app, &spec, &ids, &viewer, true, 403).await;
    assert!(walked > 30, "only {walked} project writes walked");
    report.extend(wrong.into_iter().map(|w| format!("viewer: {w}")));
    assert!(
        report.is_empty(),
        "{} calls answered otherwise:\n{}",
        report.len(),
        report.join("\n")
    );
}
