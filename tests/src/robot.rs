//! A group robot (企业微信 / 钉钉 群机器人) on a local port: it takes the JSON messages posted to
//! its webhook address and answers as the real ones do, `{"errcode": 0, "errmsg": "ok"}`.
use std::sync::{Arc, Mutex};

use poem::{EndpointExt, Route, handler, listener::TcpListener, post, web::Data, web::Json};
use serde_json::{Value, json};

/// A running robot and what it received.
pub struct Robot {
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

#[handler]
fn receive(Json(body): Json<Value>, Data(received): Data<&Arc<Mutex<Vec<Value>>>>) -> Json<Value> {
    if let Ok(mut all) = received.lock() {
        all.push(body);
    }
    Json(json!({"errcode": 0, "errmsg": "ok"}))
}

impl Robot {
    /// Starts a robot on a free port; its address carries a key, like the real ones.
    pub async fn start() -> Self {
        let received = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("an address").port();
        drop(listener);
        let app = Route::new()
            .at("/cgi-bin/webhook/send", post(receive))
            .data(received.clone());
        tokio::spawn(async move {
            let _ = poem::Server::new(TcpListener::bind(format!("127.0.0.1:{port}")))
                .run(app)
                .await;
        });
        // Until it listens.
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Robot {
            url: format!("http://127.0.0.1:{port}/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"),
            received,
        }
    }

    /// The text of every message received, in order.
    pub fn texts(&self) -> Vec<String> {
        self.received
            .lock()
            .map(|all| {
                all.iter()
                    .map(|m| {
                        assert_eq!(m["msgtype"], "text", "{m}");
                        m["text"]["content"].as_str().unwrap_or_default().to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
