use jiaofu_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

/// Operations that work without a token.
const PUBLIC: &[&str] = &["login"];

#[tokio::test]
async fn every_operation_but_login_answers_401_without_a_token() {
    let app = spawn_app().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let paths = spec["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, ops) in paths {
        for (method, op) in ops.as_object().expect("operations") {
            let id = op["operationId"].as_str().expect("every operation has an id");
            assert!(
                op["summary"].is_string() || op["description"].is_string(),
                "{id} is documented"
            );
            if PUBLIC.contains(&id) {
                continue;
            }
            let concrete = path
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let reply = app
                .request(method.clone(), &format!("/api{concrete}"), None, Some(json!({})))
                .await;
            assert_eq!(
                reply.status, 401,
                "{method} {path} ({id}) without a token: {}",
                reply.text
            );
            assert_eq!(reply.body["code"], "unauthorized");
            checked += 1;
        }
    }
    assert!(checked >= 25, "only {checked} operations checked");
}

#[tokio::test]
async fn the_docs_and_health_checks_are_served() {
    let app = spawn_app().await;
    assert_eq!(app.request(Method::GET, "/api/docs", None, None).await.status, 200);
    let health = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!((health.status.as_u16(), health.text.as_str()), (200, "ok"));
    let ready = app.request(Method::GET, "/readyz", None, None).await;
    assert_eq!((ready.status.as_u16(), ready.text.as_str()), (200, "ready"));
    let unknown = app.get("/api/nothing-here", &app.admin).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["code"], "not_found");
    // Without a token nothing under /api is told apart, not even what does not exist.
    let anonymous = app.request(Method::GET, "/api/nothing-here", None, None).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test]
async fn every_field_and_parameter_is_documented() {
    let app = spawn_app().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let mut missing = Vec::new();
    for (name, schema) in spec["components"]["schemas"].as_object().expect("schemas") {
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            let documented = prop["description"].is_string()
                || prop["allOf"]
                    .as_array()
                    .is_some_and(|all| all.iter().any(|p| p["description"].is_string()));
            if !documented {
                missing.push(format!("{name}.{field}"));
            }
        }
    }
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for param in op["parameters"].as_array().into_iter().flatten() {
                if !param["description"].is_string() {
                    missing.push(format!("{method} {path} parameter {}", param["name"]));
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

/// Resolves a `$ref` (or an `allOf` wrapping one) to its schema.
fn resolve<'a>(spec: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    let reference = schema["$ref"].as_str().or_else(|| {
        schema["allOf"]
            .as_array()
            .and_then(|a| a.iter().find_map(|s| s["$ref"].as_str()))
    });
    match reference {
        Some(r) => &spec["components"]["schemas"][r.rsplit('/').next().unwrap_or_default()],
        None => schema,
    }
}

#[tokio::test]
async fn the_document_says_what_the_server_sends_nulls_fixed_values_formats_and_every_status() {
    let app = spawn_app().await;
    let spec = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let schemas = spec["components"]["schemas"].as_object().expect("schemas");

    // Every optional field is sent as null when empty, and says so.
    let mut not_nullable = Vec::new();
    for (name, schema) in schemas {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_str())
            .collect();
        for (field, prop) in schema["properties"].as_object().into_iter().flatten() {
            let defaulted = prop.get("default").is_some()
                || prop["allOf"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|p| p.get("default").is_some()));
            let nullable = prop["nullable"] == true
                || prop["allOf"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|p| p["nullable"] == true));
            if !required.contains(&field.as_str()) && !defaulted && !nullable {
                not_nullable.push(format!("{name}.{field}"));
            }
        }
    }
    assert!(not_nullable.is_empty(), "optional but not nullable: {not_nullable:?}");
    assert_eq!(
        spec["components"]["schemas"]["ErrorBody"]["properties"]["field"]["nullable"],
        true
    );

    // Fixed values are enums.
    let field =
        |schema: &str, field: &str| resolve(&spec, &spec["components"]["schemas"][schema]["properties"][field]).clone();
    for (schema, name, values) in [
        (
            "ProjectDetail",
            "status",
            vec!["active", "delivered", "in_warranty", "closed"],
        ),
        ("UserDto", "role", vec!["admin", "manager", "engineer", "viewer"]),
        (
            "TestPageDto",
            "state",
            vec!["open", "ready", "signed_by_us", "signed_by_client", "signed"],
        ),
    ] {
        let resolved = field(schema, name);
        let enums: Vec<&str> = resolved["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema}.{name} has an enum"))
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(enums, values, "{schema}.{name}");
    }
    // Dates and instants carry their format.
    let signed = &schemas
        .iter()
        .find(|(_, s)| {
            s["properties"]["contract_signed_on"].is_object()
                && s["required"].to_string().contains("contract_signed_on")
        })
        .expect("the new-project body")
        .1["properties"]["contract_signed_on"];
    assert_eq!(signed["format"], "date", "{signed}");

    // Every operation documents what the server can answer besides success.
    for (path, ops) in spec["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let responses = op["responses"].as_object().expect("responses");
            for status in ["400", "413", "415", "422", "429", "500", "503"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} does not document {status}"
                );
            }
            assert!(
                op["responses"]["429"]["headers"]
                    .as_object()
                    .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case("retry-after"))),
                "{method} {path}: 429 names Retry-After"
            );
        }
    }
}
