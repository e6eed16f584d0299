//! What every request passes through before a handler sees it, outermost first: its id, span and
//! log line (secrets masked), security headers, the client's address (behind trusted proxies), the bearer
//! token checked before any body is read, body limits chosen by content type, and the one rule for
//! text in paths, queries and bodies.
use std::net::IpAddr;

use chrono::Utc;
use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, StatusCode, header},
};

use crate::{
    domain::text,
    error::{ApiError, AppError},
    service::{Actor, auth},
    state::AppState,
};

/// The client's address as the service believes it: the peer, or, when the peer is a trusted
/// proxy, the address that proxy says it forwarded for. Rate limits, the audit log and signature
/// evidence all use this.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address of `req` (set by the middleware; the peer's when it did not run).
    pub fn of(req: &Request) -> Self {
        req.extensions()
            .get::<ClientIp>()
            .copied()
            .unwrap_or_else(|| ClientIp(peer_ip(req)))
    }

    /// As text for logs and evidence; `unknown` when there is no address (a Unix socket).
    pub fn text(&self) -> String {
        self.0.map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }
}

fn peer_ip(req: &Request) -> Option<IpAddr> {
    req.remote_addr().as_socket_addr().map(|a| a.ip().to_canonical())
}

/// The client of a request arriving from `peer`: walking the forwarding chain from the nearest hop
/// outward, the first address that is not a trusted proxy. Headers from an untrusted peer are
/// ignored — anyone can send them — and only the one header the proxies are configured to write is
/// read: a proxy that sets `X-Forwarded-For` passes a client's own `Forwarded` through untouched.
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &poem::http::HeaderMap,
    trusted: &[ipnet::IpNet],
    header: ForwardedHeader,
) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let chain = forwarded_chain(headers, header);
    let mut client = peer;
    for hop in chain.iter().rev() {
        client = *hop;
        if !is_trusted(hop) {
            break;
        }
    }
    Some(client)
}

/// Which header trusted proxies write the client's address in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1` (nginx's `$proxy_add_x_forwarded_for`, most proxies).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client;proto=https, for=proxy1`.
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(Self::XForwardedFor),
            "forwarded" => Some(Self::Forwarded),
            _ => None,
        }
    }
}

/// The addresses a request was forwarded for, first client first, from the one configured header.
/// Entries that are not addresses (obfuscated names, `unknown`) end the chain there.
fn forwarded_chain(headers: &poem::http::HeaderMap, header: ForwardedHeader) -> Vec<IpAddr> {
    let values = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let entries: Vec<String> = match header {
        ForwardedHeader::XForwardedFor => values("x-forwarded-for").into_iter().map(str::to_string).collect(),
        ForwardedHeader::Forwarded => values("forwarded")
            .iter()
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    k.eq_ignore_ascii_case("for")
                        .then(|| v.trim().trim_matches('"').to_string())
                })
            })
            .collect(),
    };
    let mut chain = Vec::new();
    for entry in entries.iter().rev() {
        match parse_node(entry) {
            Some(ip) => chain.push(ip),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]:4711` or `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = node.strip_prefix('[') {
        return rest
            .split_once(']')?
            .0
            .parse::<IpAddr>()
            .ok()
            .map(|ip| ip.to_canonical());
    }
    node.rsplit_once(':')?
        .0
        .parse::<IpAddr>()
        .ok()
        .map(|ip| ip.to_canonical())
}

pub async fn client_address<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let (trusted, header) = req
        .data::<AppState>()
        .map(|s| (s.settings.trusted_proxies.clone(), s.settings.forwarded_header))
        .unwrap_or_default();
    let ip = client_ip(peer_ip(&req), req.headers(), &trusted, header);
    req.extensions_mut().insert(ClientIp(ip));
    next.call(req).await.map(IntoResponse::into_response)
}

/// The caller of an API request, found once by the middleware and handed to the security scheme.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub token: String,
}

/// `/api` paths that need no token: logging in and the API's own documentation.
fn is_public_api(path: &str) -> bool {
    path == "/api/auth/login" || path == "/api/openapi.json" || path == "/api/docs" || path.starts_with("/api/docs/")
}

fn bearer_token(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Checks the bearer token of every non-public `/api` request before anything reads its body: a
/// request without a valid token is answered 401 at once, whatever it carries (a 20 MB upload costs
/// the server nothing). The session found is passed on, so the token is looked up once.
pub async fn authenticate_first<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let path = req.uri().path();
    if path.starts_with("/api/") && !is_public_api(path) {
        let Some(state) = req.data::<AppState>().cloned() else {
            return Err(poem::Error::from_string(
                "the service is not ready",
                StatusCode::SERVICE_UNAVAILABLE,
            ));
        };
        let Some(token) = bearer_token(&req).map(str::to_string) else {
            return Err(poem::Error::from_status(StatusCode::UNAUTHORIZED));
        };
        let actor = auth::authenticate(&state.db, &token, Utc::now())
            .await
            .map_err(|e| poem::Error::from_response(ApiError::from(e).into_response()))?;
        tracing::Span::current().record("user", tracing::field::display(&actor.username));
        req.extensions_mut().insert(Session { actor, token });
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// JSON and form bodies larger than this are refused.
const MAX_JSON_BODY: usize = 1024 * 1024;
/// Multipart framing adds a little to the file itself.
const MULTIPART_OVERHEAD: usize = 64 * 1024;

/// Refuses oversized request bodies with 413 before anything parses them, whether or not the
/// client sent Content-Length, whatever the method. The limit follows the content type:
/// `multipart/form-data` under `/api` (every upload, present and future) gets the upload limit,
/// everything else 1 MB.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let upload_limit = req
        .data::<AppState>()
        .map_or(20 * 1024 * 1024, |s| s.settings.upload_max_bytes as usize);
    // Uploads are API operations, whose token was checked before this, or a page's upload form
    // sent with a valid session; elsewhere (a signing page, a path that does not exist) nobody
    // signed in, and 1 MB is plenty.
    let multipart = content_type(&req).starts_with("multipart/form-data");
    let is_upload = multipart
        && (req.uri().path().starts_with("/api/")
            || match req.data::<AppState>() {
                Some(state) => crate::web::is_signed_in_upload(state, &req).await,
                None => false,
            });
    let limit = if is_upload {
        upload_limit + MULTIPART_OVERHEAD
    } else {
        MAX_JSON_BODY
    };
    let too_large = || {
        let what = if is_upload {
            format!("uploads are limited to {} MB", upload_limit / (1024 * 1024))
        } else {
            "request bodies are limited to 1 MB".into()
        };
        poem::Error::from_string(
            format!("the request is too large: {what}"),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
    };
    if let Some(len) = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        && len > limit
    {
        return Err(too_large());
    }
    let body = req.take_body().into_bytes_limit(limit).await.map_err(|_| too_large())?;
    req.set_body(body);
    next.call(req).await.map(IntoResponse::into_response)
}

fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The one rule for text (`domain::text`) at the edge, for every route at once: a control
/// character in a path segment answers 404 (nothing is named so); in a query parameter or a field
/// of a JSON or form body, 422 naming the parameter or field (`items[2].note`). Multipart text
/// fields are checked where they are read (`checked_text`).
pub async fn text_rule<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    let path = req.uri().path();
    for segment in path.split('/') {
        let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        if text::first_forbidden(&decoded).is_some() {
            return Err(poem::Error::from_status(StatusCode::NOT_FOUND));
        }
    }
    if let Some(query) = req.uri().query() {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if let Some((at, c)) = text::first_forbidden(&name).or_else(|| text::first_forbidden(&value)) {
                return Err(invalid(&name, at, c));
            }
        }
    }
    let (is_json, is_form) = body_kind(&content_type(&req));
    if is_json || is_form {
        let body = req.take_body().into_bytes().await?;
        let refused = if is_json {
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| first_forbidden_in_json(&v, String::new()))
        } else {
            form_urlencoded::parse(&body)
                .find_map(|(name, value)| text::first_forbidden(&value).map(|(at, c)| (name.into_owned(), at, c)))
        };
        if let Some((field, at, c)) = refused {
            return Err(if is_form {
                let templates = req.data::<AppState>().map(|s| s.templates.as_ref());
                invalid_form(templates, &field, at, c)
            } else {
                invalid(&field, at, c)
            });
        }
        req.set_body(body);
    }
    next.call(req).await.map(IntoResponse::into_response)
}

/// Whether a content type is JSON or a URL-encoded form, by the same test poem-openapi uses to
/// accept a body (`application/json`, `application/*+json`, and likewise for forms), so that no
/// body the handlers parse escapes the rule.
fn body_kind(content_type: &str) -> (bool, bool) {
    match content_type.parse::<mime::Mime>() {
        Ok(m) if m.type_() == "application" => {
            let is = |name: &str| m.subtype() == name || m.suffix().is_some_and(|s| s == name);
            (is("json"), is("x-www-form-urlencoded"))
        }
        _ => (false, false),
    }
}

fn invalid(field: &str, at: usize, c: char) -> poem::Error {
    let field = text::xml_safe(field)
        .chars()
        .filter(|c| text::is_allowed(*c))
        .collect::<String>();
    let refusal = AppError::invalid(field.clone(), text::refusal(&field, at, c));
    poem::Error::from_response(ApiError::from(refusal).into_response())
}

/// The same refusal for a form posted from a page (the signing page), as a page
/// (templates/pages/message.html): 422 saying which field holds what, and to go back and correct it.
fn invalid_form(templates: Option<&crate::templates::Templates>, field: &str, at: usize, c: char) -> poem::Error {
    let ctx = minijinja::context! {
        title => "输入有误",
        message => format!(
            "“{field}”第 {} 个字符是不可见的控制字符（U+{:04X}），请返回上一页删除后重新提交。",
            at + 1,
            u32::from(c)
        ),
    };
    let page = templates.map(|t| t.render("message.html", &ctx));
    match page {
        Some(Ok(html)) => poem::Error::from_response(
            (StatusCode::UNPROCESSABLE_ENTITY, html)
                .with_content_type("text/html; charset=utf-8")
                .into_response(),
        ),
        _ => invalid(field, at, c),
    }
}

/// The first string in a JSON document that breaks the text rule, with its path.
fn first_forbidden_in_json(value: &serde_json::Value, path: String) -> Option<(String, usize, char)> {
    use serde_json::Value;
    match value {
        Value::String(s) => text::first_forbidden(s).map(|(at, c)| (path, at, c)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| first_forbidden_in_json(v, format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            first_forbidden_in_json(v, here)
        }),
        _ => None,
    }
}

/// A text field of a multipart form, under the same rule as JSON fields.
pub fn checked_text(field: &str, value: String) -> Result<String, AppError> {
    match text::first_forbidden(&value) {
        Some((at, c)) => Err(AppError::invalid(field, text::refusal(field, at, c))),
        None => Ok(value),
    }
}

/// Headers that protect every response: no MIME sniffing, no framing (a signing page inside
/// someone else's frame could have a signature clicked through), no referrer (links carry
/// tokens), a content security policy, and HSTS when the service is reached over https.
pub async fn security_headers<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let is_swagger = req.uri().path().starts_with("/api/docs");
    let is_api = req.uri().path().starts_with("/api/");
    let hsts = req
        .data::<AppState>()
        .and_then(|s| s.settings.public_url.as_deref())
        .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"));
    let mut resp = next.call(req).await?.into_response();
    let headers = resp.headers_mut();
    let cache_set = headers.contains_key("cache-control");
    let mut set = |name: &'static str, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "no-referrer");
    set("cross-origin-opener-policy", "same-origin");
    set(
        "content-security-policy",
        if is_swagger {
            // Swagger UI is one page of inline script and style.
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        } else {
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        },
    );
    if hsts {
        set("strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    // The API answers with a project's data (and, once, a revealed password): no cache keeps it.
    if is_api && !is_swagger && !cache_set {
        set("cache-control", "no-store");
    }
    Ok(resp)
}

/// The methods each route answers, from the OpenAPI document (and the few routes outside it), so
/// that a 405 says in `Allow` what would have worked, as RFC 9110 asks.
#[derive(Clone, Default)]
pub struct Routes(std::sync::Arc<Vec<(Vec<String>, String)>>);

impl Routes {
    /// Routes of `spec` (served under `base`) and `extra` routes written as `/sign/{token}`.
    pub fn new(spec: &serde_json::Value, base: &str, extra: &[(&str, &str)]) -> Self {
        let split = |path: &str| path.split('/').map(str::to_string).collect::<Vec<_>>();
        let mut routes: Vec<(Vec<String>, String)> = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, ops)| {
                let mut methods: Vec<String> = ops
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(m, _)| m.to_ascii_uppercase())
                    .collect();
                // poem answers HEAD wherever it answers GET.
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                methods.sort();
                (split(&format!("{base}{path}")), methods.join(", "))
            })
            .collect();
        routes.extend(extra.iter().map(|(path, methods)| (split(path), methods.to_string())));
        Self(std::sync::Arc::new(routes))
    }

    fn allowed(&self, path: &str) -> Option<&str> {
        let segments: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .find(|(route, _)| {
                route.len() == segments.len()
                    && route
                        .iter()
                        .zip(&segments)
                        .all(|(r, s)| r == s || (r.starts_with('{') && r.ends_with('}') && !s.is_empty()))
            })
            .map(|(_, methods)| methods.as_str())
    }
}

/// Adds `Allow` to every 405.
pub async fn allow_on_405<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    let path = req.uri().path().to_string();
    let routes = req.data::<Routes>().cloned().unwrap_or_default();
    let mut resp = next.call(req).await?.into_response();
    if resp.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(value) = routes.allowed(&path).and_then(|m| HeaderValue::from_str(m).ok())
    {
        resp.headers_mut().insert(header::ALLOW, value);
    }
    Ok(resp)
}

tokio::task_local! {
    /// The id of the request being served, for error bodies deep below the middleware.
    static REQUEST_ID: String;
}

/// The id of the request this code runs for, if it runs for one.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Gives every request an id (16 random hex digits), a span carrying it with the method, the path
/// (secrets masked) and — once the token is checked — the user, so every line logged while serving
/// it says whose request it was; answers with `X-Request-Id`, and a 500's body quotes it so a user
/// can name the request that failed. One log line per request: status and duration.
pub async fn request_span<E: Endpoint>(next: E, req: Request) -> poem::Result<Response> {
    use tracing::Instrument;
    let id = crate::service::auth::random_hex(8);
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        path = %mask_secrets(req.uri().path()),
        user = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let served = REQUEST_ID.scope(id.clone(), next.call(req).instrument(span.clone()));
    let mut resp = served.await.map(IntoResponse::into_response)?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status = resp.status().as_u16(), ms, "request"));
    if let Ok(value) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", value);
    }
    Ok(resp)
}

/// A path fit for a log: every segment that could be a secret becomes `***` — a run of letters,
/// digits, `-` and `_` of 32 characters or more, or of 20 or more mixing letters and digits, as
/// every token this service mints is (signing links, calendar feeds, and any link added later).
/// Ids, form names and verification codes stay readable.
pub fn mask_secrets(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
            // Any run of token characters inside the segment counts: `/sign/<token>%20` still
            // opens the link (it is trimmed) and must not reach the log either.
            let looks_secret = decoded
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .any(|run| {
                    let mixed = run.chars().any(|c| c.is_ascii_digit()) && run.chars().any(|c| c.is_ascii_alphabetic());
                    run.len() >= 32 || (run.len() >= 20 && mixed)
                });
            if looks_secret { "***" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_logged_paths_whatever_the_route() {
        let token = "285ecbae".repeat(8);
        assert_eq!(mask_secrets(&format!("/sign/{token}")), "/sign/***");
        assert_eq!(
            mask_secrets(&format!("/feeds/{token}/calendar.ics")),
            "/feeds/***/calendar.ics"
        );
        assert_eq!(mask_secrets(&format!("/anything/new/{token}")), "/anything/new/***");
        assert_eq!(
            mask_secrets("/api/projects/1/documents/functional-test.docx"),
            "/api/projects/1/documents/functional-test.docx"
        );
        assert_eq!(mask_secrets("/verify/K7QF-9M2X"), "/verify/K7QF-9M2X");
        assert_eq!(
            mask_secrets("/api/projects/1/documents/pre-acceptance-certificate/issue"),
            "/api/projects/1/documents/pre-acceptance-certificate/issue"
        );
        assert_eq!(mask_secrets("/sign/Zm9vYmFyYmF6cXV4MTIzNDU2"), "/sign/***");
        assert_eq!(mask_secrets(&format!("/sign/{token}%20")), "/sign/***");
        assert_eq!(mask_secrets(&format!("/sign/{token})")), "/sign/***");
    }

    fn headers(pairs: &[(&str, &str)]) -> poem::http::HeaderMap {
        let mut map = poem::http::HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                poem::http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        map
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        use ForwardedHeader::{Forwarded, XForwardedFor};
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let ip = |s: &str| Some(s.parse::<IpAddr>().expect("ip"));
        let xff = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.5")]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &xff, &trusted, XForwardedFor),
            ip("203.0.113.9")
        );
        assert_eq!(
            client_ip(ip("198.51.100.1"), &xff, &trusted, XForwardedFor),
            ip("198.51.100.1"),
            "untrusted peer"
        );
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &spoofed, &trusted, XForwardedFor),
            ip("203.0.113.9"),
            "what the client wrote itself before the proxy is not believed"
        );
        let rfc = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.9")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &rfc, &trusted, Forwarded), ip("2001:db8::7"));
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers(&[]), &trusted, XForwardedFor),
            ip("10.0.0.2")
        );
        // A client's own `Forwarded` header passed through by a proxy that writes X-Forwarded-For
        // is not believed.
        let both = headers(&[("forwarded", "for=1.2.3.4"), ("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &both, &trusted, XForwardedFor),
            ip("203.0.113.9")
        );
    }
}
