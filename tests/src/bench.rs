//! What the benchmarks share: serving an endpoint on a free port, signing in, and timing reads.
use std::time::Instant;

use poem::{
    Server,
    listener::{Acceptor, Listener, TcpListener},
};
use serde_json::{Value, json};

/// Serves `app` on a free local port; returns its base URL.
pub async fn serve(app: impl poem::Endpoint + 'static) -> anyhow::Result<String> {
    let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
    let port = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().map(|s| s.port()))
        .ok_or_else(|| anyhow::anyhow!("no port"))?;
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    Ok(format!("http://127.0.0.1:{port}"))
}

/// Signs in through the API; returns the bearer token.
pub async fn login(http: &reqwest::Client, base: &str, username: &str, password: &str) -> anyhow::Result<String> {
    let body: Value = http
        .post(format!("{base}/api/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    body["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no token"))
}

/// How a request signs in: the API's bearer token, or the pages' session cookie (which holds a
/// token of the same table).
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    Api(&'a str),
    Page(&'a str),
}

/// p50 and p99 in milliseconds and the body size of 200 sequential requests.
pub async fn latency(http: &reqwest::Client, url: &str, caller: Caller<'_>) -> anyhow::Result<(f64, f64, usize)> {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..200 {
        let started = Instant::now();
        let request = match caller {
            Caller::Api(token) => http.get(url).bearer_auth(token),
            Caller::Page(token) => http.get(url).header("cookie", format!("jiaofu_session={token}")),
        };
        let body = request.send().await?.error_for_status()?.bytes().await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        size = body.len();
    }
    times.sort_by(f64::total_cmp);
    Ok((times[99], times[197], size))
}
