use icalendar::parser::{read_calendar, unfold};
use jiaofu_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

fn events(ics: &str) -> Vec<(String, String)> {
    let unfolded = unfold(ics);
    let calendar = read_calendar(&unfolded).expect("a valid iCalendar document");
    calendar
        .components
        .iter()
        .filter(|c| c.name == "VEVENT")
        .map(|e| {
            let prop = |name: &str| {
                e.properties
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.val.to_string())
                    .expect("property present")
            };
            // Open deadlines carry alarms; a done task (✓, such as 协议签定 from creation) none.
            let done = prop("SUMMARY").starts_with('✓');
            assert_eq!(
                e.components.iter().any(|c| c.name == "VALARM"),
                !done,
                "alarms on open deadlines only"
            );
            // A person opens the task on its page; the API would ask them for a token.
            let url = prop("URL");
            assert!(
                url.contains("/projects/") && url.contains("#task-") && !url.contains("/api/"),
                "{url}"
            );
            (prop("DTSTART"), prop("SUMMARY"))
        })
        .collect()
}

#[tokio::test]
async fn the_project_calendar_holds_one_event_per_task() {
    let app = spawn_app().await;
    let id = app.project("ZJFY-2026-018", "2026-03-02").await["id"]
        .as_i64()
        .expect("id");
    let reply = app.get(&format!("/api/projects/{id}/calendar.ics"), &app.admin).await;
    assert_eq!(reply.status, 200);
    assert!(reply.content_type.starts_with("text/calendar"));

    let events = events(&reply.text);
    assert_eq!(events.len(), 19, "the default plan has 19 tasks");
    assert!(
        events
            .iter()
            .any(|(start, summary)| start == "20260309" && summary.contains("设备清单确定"))
    );
}

#[tokio::test]
async fn the_secret_feed_url_serves_all_my_projects_without_a_token_until_revoked() {
    let app = spawn_app().await;
    app.project("ZJFY-2026-018", "2026-03-02").await;
    app.project("ZJFY-2026-019", "2026-04-01").await;
    let feed = app
        .post("/api/auth/me/calendar-feed", &app.admin, json!({}))
        .await
        .expect(200);
    let url = feed["url"].as_str().expect("url");
    let path = &url[url.find("/feeds/").expect("feed path")..];

    let reply = app.request(Method::GET, path, None, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(events(&reply.text).len(), 38);

    app.delete("/api/auth/me/calendar-feed", &app.admin).await.expect(204);
    assert_eq!(app.request(Method::GET, path, None, None).await.status, 404);
}
