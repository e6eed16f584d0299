//! The pages' session: a cookie holding a token of the same table the API's bearer tokens live in,
//! so logging out, resetting a password or disabling an account ends web sessions too. The JSON API
//! never reads the cookie.
//!
//! CSRF: every state-changing page request must come from our own origin, as the browser says it
//! (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to the request's own origin). A request that
//! carries neither is refused too: every browser in use sends one of them with a POST. The cookie is
//! also `SameSite=Lax`, so a cross-site form post does not carry it.
use chrono::Utc;
use poem::{
    FromRequest, Request, RequestBody, Response,
    http::{Method, StatusCode, header},
    web::cookie::{Cookie, CookieJar, SameSite},
};

use crate::{
    service::{Actor, auth},
    state::AppState,
};

pub const COOKIE: &str = "jiaofu_session";

/// The signed-in user of a page request, with the session's token.
pub struct Session {
    pub actor: Actor,
    pub token: String,
}

/// The session the request's cookie names, if it is still valid.
pub async fn current(state: &AppState, jar: &CookieJar) -> Option<Session> {
    let token = jar.get(COOKIE)?.value_str().to_string();
    let actor = auth::authenticate(&state.db, &token, Utc::now()).await.ok()?;
    Some(Session { actor, token })
}

/// A page handler that takes a `Session` gets the signed-in user, or the request never reaches it:
/// without a valid session the browser is sent to sign in (and back here afterwards); a
/// state-changing request from another site is refused with 403 before anything else.
impl<'a> FromRequest<'a> for Session {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        if !matches!(*req.method(), Method::GET | Method::HEAD)
            && let Some(refused) = cross_site_refusal(req)
        {
            return Err(poem::Error::from_response(refused));
        }
        let Some(state) = req.data::<AppState>() else {
            return Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE));
        };
        match current(state, req.cookie()).await {
            Some(s) => Ok(s),
            None => {
                let here = req.uri().path_and_query().map_or("/", |p| p.as_str());
                let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
                Err(poem::Error::from_response(see_other(&format!("/login?next={next}"))))
            }
        }
    }
}

/// Starts a session: the cookie lives as long as the token.
pub fn start(jar: &CookieJar, state: &AppState, token: &str, max_age: std::time::Duration) {
    let mut cookie = Cookie::new_with_str(COOKIE, token);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(is_https(state));
    cookie.set_path("/");
    cookie.set_max_age(max_age);
    jar.add(cookie);
}

/// Ends the session's cookie (the token itself is deleted by the caller).
pub fn end(jar: &CookieJar, state: &AppState) {
    let mut cookie = Cookie::new_with_str(COOKIE, "");
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_secure(is_https(state));
    cookie.set_path("/");
    cookie.set_max_age(std::time::Duration::ZERO);
    jar.add(cookie);
}

fn is_https(state: &AppState) -> bool {
    state
        .settings
        .public_url
        .as_deref()
        .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
}

const FLASH: &str = "jiaofu_flash";

/// A message for the next page the user sees (after a redirect).
pub fn set_flash(jar: &CookieJar, text: &str) {
    let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
    let mut cookie = Cookie::new_with_str(FLASH, encoded);
    cookie.set_http_only(true);
    cookie.set_same_site(SameSite::Lax);
    cookie.set_path("/");
    jar.add(cookie);
}

/// The message left for this page, if any; it is shown once.
pub fn take_flash(jar: &CookieJar) -> Option<String> {
    let value = jar.get(FLASH)?.value_str().to_string();
    let mut spent = Cookie::new_with_str(FLASH, "");
    spent.set_path("/");
    spent.set_max_age(std::time::Duration::ZERO);
    jar.add(spent);
    let text: String = form_urlencoded::parse(format!("m={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    (!text.is_empty()).then_some(text)
}

/// Whether a state-changing request comes from our own pages.
pub fn same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin";
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| !host.is_empty() && authority == host)
}

/// The refusal of a cross-site state-changing request, if it is one.
pub fn cross_site_refusal(req: &Request) -> Option<Response> {
    (!same_origin(req)).then(|| {
        Response::builder()
            .status(StatusCode::FORBIDDEN)
            .content_type("text/plain; charset=utf-8")
            .body("跨站请求被拒绝：请从 jiaofu 的页面提交。")
    })
}

/// A 303 to `location` (after a POST the browser follows with a GET).
pub fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

/// Only our own paths are followed after sign-in (never another site).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/dashboard".to_string(),
    }
}
