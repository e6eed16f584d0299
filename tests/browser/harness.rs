//! A real browser for the page tests: Debian's Chromium, headless, driven through its own
//! chromedriver (started on a free port per test) with fantoccini. Without the browser the tests
//! print SKIPPED and pass, unless `JIAOFU_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.
//! On a failed step the page's screenshot and HTML are saved under `target/browser-failures/`.
use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use std::os::unix::process::CommandExt;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use jiaofu_tests::TestApp;
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    pub base: String,
    name: String,
    driver: Child,
}

/// A browser window of `width` × `height` on `app`, or `None` (SKIPPED) when Chromium is missing.
pub async fn open(app: &TestApp, name: &str, width: u32, height: u32) -> Option<Browser> {
    open_with(app, name, width, height, true).await
}

/// The same, with JavaScript switched off when `javascript` is false.
pub async fn open_with(app: &TestApp, name: &str, width: u32, height: u32, javascript: bool) -> Option<Browser> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        if std::env::var("JIAOFU_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
            panic!(
                "JIAOFU_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing (apt install chromium chromium-driver)"
            );
        }
        eprintln!("SKIPPED {name}: no {CHROMIUM} / {CHROMEDRIVER} (apt install chromium chromium-driver)");
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    // In a process group of its own with the Chromium it starts, so that a failed test (which never
    // reaches `close`) leaves no browser running: dropping the `Browser` kills the group.
    let driver = Command::new(CHROMEDRIVER)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        format!("--window-size={width},{height}"),
        "--lang=zh-CN".into(),
    ];
    if !javascript {
        args.push("--blink-settings=scriptEnabled=false".into());
    }
    let caps = json!({ "goog:chromeOptions": { "binary": CHROMIUM, "args": args } });
    let caps = caps.as_object().cloned().expect("capabilities");
    let url = format!("http://127.0.0.1:{port}");
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    base: app.base.clone(),
                    name: name.to_string(),
                    driver,
                });
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer: {last:?}");
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigates");
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("url").path().to_string()
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("cleared");
        field.send_keys(text).await.expect("typed");
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("clicked");
    }

    /// The element's text as it is now (see `wait_for_text` and `said` after a click).
    pub async fn text(&self, css: &str) -> String {
        self.text_where(css, "any text", |_| true).await
    }

    /// The element, waiting up to 5 s for it (a page after a redirect, an htmx swap).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => self.fail(&format!("no element {css}: {e}")).await,
        }
    }

    /// Signs in through the page as `username`.
    pub async fn sign_in(&self, username: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]").await;
    }

    /// Saves the screenshot and HTML of the page, then fails with `why`.
    pub async fn fail(&self, why: &str) -> ! {
        let dir = failures_dir();
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{}.png", self.name)), png);
        }
        if let Ok(html) = self.client.source().await {
            let _ = std::fs::write(dir.join(format!("{}.html", self.name)), html);
        }
        panic!("{}: {why} (screenshot and HTML in {})", self.name, dir.display());
    }

    /// Saves a screenshot of the page as `file` (the README's pictures).
    pub async fn screenshot(&self, file: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(file, png).expect("screenshot saved");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and every Chromium process it started (see `open_with`).
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// With `JIAOFU_SCREENSHOTS=DIR`, saves the page as `DIR/NAME.png` (the README's pictures:
/// `JIAOFU_SCREENSHOTS=docs/screenshots cargo test -p jiaofu-tests --test browser`).
pub async fn keep_screenshot(browser: &Browser, name: &str) {
    if let Ok(dir) = std::env::var("JIAOFU_SCREENSHOTS") {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        std::fs::create_dir_all(&dir).expect("screenshot directory");
        browser.screenshot(&dir.join(format!("{name}.png"))).await;
    }
}

/// Like `keep_screenshot`, of the whole page: the window grows to the page's height for it.
pub async fn keep_full_screenshot(browser: &Browser, name: &str) {
    if std::env::var("JIAOFU_SCREENSHOTS").is_err() {
        return;
    }
    let (width, height) = browser.client.get_window_size().await.expect("window size");
    let page = browser
        .client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(height);
    browser
        .client
        .set_window_size(width as u32, page as u32 + 120)
        .await
        .expect("window grows");
    keep_screenshot(browser, name).await;
    browser
        .client
        .set_window_size(width as u32, height as u32)
        .await
        .expect("window back");
}

fn failures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/browser-failures")
}

impl Browser {
    /// Fails unless the page fits the window's width (nothing scrolls sideways).
    pub async fn fits_width(&self, what: &str) {
        let overflow = self
            .client
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_i64())
            .unwrap_or(0);
        if overflow > 1 {
            self.fail(&format!("{what} scrolls sideways by {overflow} px")).await;
        }
    }

    /// Sets a form field's value as a date picker would (typing into one depends on the locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.client
            .execute(
                "document.querySelector(arguments[0]).value = arguments[1];",
                vec![json!(css), json!(value)],
            )
            .await
            .expect("value set");
    }

    /// Chooses the option labelled `label` in a select (as a person picks a name from a list).
    pub async fn choose(&self, css: &str, label: &str) {
        self.find(css).await;
        let chosen = self
            .client
            .execute(
                "const s = document.querySelector(arguments[0]);
                 const o = [...s.options].find(o => o.text.trim() === arguments[1]);
                 if (o) { s.value = o.value; }
                 return !!o;",
                vec![json!(css), json!(label)],
            )
            .await
            .expect("chosen");
        if chosen != json!(true) {
            self.fail(&format!("{css} offers no '{label}'")).await;
        }
    }

    /// Whether the element is within the window (a person sees it without scrolling).
    pub async fn in_view(&self, css: &str) -> bool {
        self.find(css).await;
        self.client
            .execute(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect();
                 return r.top >= 0 && r.bottom <= window.innerHeight;",
                vec![json!(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false)
    }

    /// How many elements match.
    pub async fn count(&self, css: &str) -> usize {
        self.client
            .find_all(Locator::Css(css))
            .await
            .map(|e| e.len())
            .unwrap_or(0)
    }
}

impl Browser {
    /// Waits up to 5 s for the element's text to contain `needle` (a page after a redirect).
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        self.text_where(css, &format!("'{needle}'"), |t| t.contains(needle))
            .await;
    }

    /// The natural size of the first picture at `css` once it has loaded, looking again for up to
    /// 5 s; fails the test when none loads.
    pub async fn picture_size(&self, css: &str) -> (i64, i64) {
        let script = format!(
            "const i = document.querySelector({css:?}); \
             return i && i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null;"
        );
        for _ in 0..50 {
            if let Ok(size) = self.client.execute(&script, vec![]).await
                && let Some([w, h]) = size.as_array().map(|wh| [wh[0].as_i64(), wh[1].as_i64()])
                && let (Some(w), Some(h)) = (w, h)
            {
                return (w, h);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(&format!("no picture at {css} loaded")).await
    }

    /// Waits up to 5 s for the element to say something (an error next to a field).
    pub async fn said(&self, css: &str) -> String {
        self.text_where(css, "something", |t| !t.trim().is_empty()).await
    }

    /// The element's text once `wanted` holds, looking again for up to 5 s: after a click the
    /// old page may still be there, or be replaced while it is read (a stale element).
    pub async fn text_where(&self, css: &str, expected: &str, wanted: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = e.text().await
            {
                if wanted(&text) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(&format!("{css} says '{last}', not {expected}")).await
    }
}

impl Browser {
    /// Chooses `file` in a file input, as a person picks it in the file dialog.
    pub async fn attach(&self, css: &str, file: &Path) {
        self.find(css)
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("file chosen");
    }

    /// Answers yes to the page's confirmation questions from now on (data-confirm forms).
    pub async fn agree_to_confirmations(&self) {
        self.client
            .execute("window.confirm = () => true;", vec![])
            .await
            .expect("confirm answered");
    }
}
