//! Getting a project to where acceptance begins, and signing as the client does: shared by the API
//! and the browser tests.
use serde_json::{Value, json};

use crate::TestApp;

/// Both sides confirm the test conditions (the PM records them, naming 李明 and 赵磊 for our
/// side); the client names 周文涛 as its signer.
pub async fn confirm_conditions(app: &TestApp, base: &str) {
    app.post(
        &format!("{base}/conditions"),
        &app.admin,
        json!({"party": "ours", "engineers": "李明、赵磊"}),
    )
    .await
    .expect(200);
    app.post(
        &format!("{base}/conditions"),
        &app.admin,
        json!({"party": "client", "engineers": "刘芳", "confirmed_by": "陈志刚",
               "signer_name": "周文涛", "signer_email": "zhou.wentao@court.example.cn"}),
    )
    .await
    .expect(200);
}

/// The hidden content hashes the signing page carries, to post back with the signature.
pub fn hidden_hashes(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

/// A project whose 功能测试表 is fully signed by both parties and certified, with 李明 on its team
/// as an engineer: its id and his token.
pub async fn certified_project(app: &TestApp, code: &str) -> (i64, String) {
    let id = app.project(code, "2026-11-02").await["id"].as_i64().expect("id");
    let (li, li_token) = app.user("li.ming", "engineer").await;
    app.add_member(id, li, "engineer").await;
    let plans = format!("/api/projects/{id}/test-plans");
    let plan = app
        .post(&plans, &app.admin, json!({"templates": ["public_address"]}))
        .await
        .expect(200);
    let base = format!("{plans}/{}", plan["id"]);
    confirm_conditions(app, &base).await;
    certify(app, &base, &li_token, "周文涛").await;
    (id, li_token)
}

/// Every item of the test plan at `base` passed, every page signed by our engineer (`token`) and
/// on site by the client's `signer`, and the 预验收证书 issued and signed by both.
pub async fn certify(app: &TestApp, base: &str, token: &str, signer: &str) {
    let plan = app.get(base, token).await.expect(200);
    let pages: Vec<i64> = plan["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| p["number"].as_i64().expect("n"))
        .collect();
    for p in plan["pages"].as_array().expect("pages") {
        let rows: Vec<Value> = p["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| json!({"item_id": i["id"], "passed": true}))
            .collect();
        app.put(&format!("{base}/results"), token, json!({"results": rows}))
            .await
            .expect(200);
    }
    for n in &pages {
        app.post(&format!("{base}/pages/{n}/sign"), token, json!({}))
            .await
            .expect(200);
    }
    sign_on_site(app, &format!("{base}/signing-requests"), token, &pages, signer).await;
    app.post(&format!("{base}/certificate"), &app.admin, json!({}))
        .await
        .expect(200);
    app.post(&format!("{base}/pages/0/sign"), token, json!({}))
        .await
        .expect(200);
    sign_on_site(app, &format!("{base}/signing-requests"), token, &[0], signer).await;
}

/// The client signs `parts` on a tablet through an on-site link.
pub async fn sign_on_site(app: &TestApp, requests: &str, token: &str, parts: &[i64], name: &str) {
    let request = app
        .post(requests, token, json!({"pages": parts, "on_site": true}))
        .await
        .expect(200);
    let link = request["link"].as_str().expect("an on-site link").to_string();
    sign_link(app, &link, name).await;
}

/// Opens a signing link and signs everything on it as `name`; returns the page as signed.
pub async fn sign_link(app: &TestApp, link: &str, name: &str) -> String {
    let html = app
        .client
        .get(app.url(link))
        .send()
        .await
        .expect("open")
        .text()
        .await
        .expect("html");
    let mut fields = hidden_hashes(&html);
    fields.extend([
        ("action".into(), "sign".into()),
        ("consent".into(), "yes".into()),
        ("typed_name".into(), name.into()),
    ]);
    let response = app.client.post(app.url(link)).form(&fields).send().await.expect("sign");
    assert_eq!(response.status(), 200, "signing {link}");
    response.text().await.expect("html")
}
