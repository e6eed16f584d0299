//! Typed settings: defaults → optional jiaofu.toml → `JIAOFU_*` environment variables.
use std::{
    fmt,
    path::{Path, PathBuf},
};

use crate::documents::{Fonts, House, Label, Lang, Letterhead};
use anyhow::{Context, bail};
use chrono_tz::Tz;
use serde::Deserialize;

/// A value that must never reach a log: `Debug` and `Display` print a placeholder.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Secret)
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Address and port to listen on; port 0 picks a free port.
    pub listen: String,
    /// `sqlite://…` or `postgres://…`; may carry a password.
    pub database_url: Secret<String>,
    pub data_dir: PathBuf,
    /// Default time zone of new projects; deadlines end at midnight in a project's zone.
    pub timezone: Tz,
    /// Lifetime of a login token.
    pub token_ttl_hours: i64,
    /// Base URL under which users reach the service (links in calendar feeds and emails).
    pub public_url: Option<String>,
    /// A directory whose plans/ and calendars/ files replace or add to the built-in ones.
    pub templates_dir: Option<PathBuf>,
    /// Failed logins allowed for one account from one client address within `login_window_minutes`:
    /// the limit an attacker at one address meets, which leaves the owner elsewhere alone.
    pub login_max_failures_per_pair: u64,
    /// Failed logins allowed per account from all addresses together (a ceiling against guessing
    /// spread over many addresses).
    pub login_max_failures_per_account: u64,
    /// Failed logins allowed per client address within `login_window_minutes`.
    pub login_max_failures_per_address: u64,
    pub login_window_minutes: i64,
    /// SMTP server in lettre's URL form (`smtp://user:pass@host:587?tls=required`); when absent,
    /// mail is written as .eml files under `<data_dir>/mail/`.
    pub smtp_url: Option<Secret<String>>,
    /// The key that seals the system and device passwords of the 口令 handover (64 hex digits);
    /// when absent, the key file `<data_dir>/secrets.key` (made on first start) holds it.
    pub secrets_key: Option<Secret<String>>,
    /// Sender of every message, e.g. `交付系统 <jiaofu@example.com>`.
    pub mail_from: String,
    /// How long transient delivery failures are retried before a message is marked failed.
    pub mail_retry_horizon_hours: i64,
    /// Hard limit on one SMTP send, connection included.
    pub mail_send_timeout_secs: u64,
    /// How long a worker owns a claimed message; after that another worker may take it.
    pub mail_lease_secs: i64,
    /// How often the delivery worker looks for due messages.
    pub mail_poll_secs: u64,
    /// Local hour at which reminders for a day go out.
    pub reminder_hour: u32,
    /// Largest file accepted for an import.
    pub upload_max_bytes: u64,
    /// How long an e-mailed signing link stays valid.
    pub signing_link_days: i64,
    /// Run the delivery worker and the reminder job in this process (turn off on instances that
    /// should only answer requests).
    pub background_jobs: bool,
    /// Our letterhead on every form: company name, address, phone and a PNG logo.
    pub company_name: String,
    pub company_address: String,
    pub company_phone: String,
    pub company_logo: Option<PathBuf>,
    /// Fonts of the forms (East Asian body and title, Latin) and their language.
    pub form_fonts: Fonts,
    pub forms_lang: Lang,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed; from any other
    /// peer those headers are ignored and the peer's own address is the client's.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header those proxies write the client's address in; the other is never believed.
    pub forwarded_header: crate::api::middleware::ForwardedHeader,
    /// The bearer token a Prometheus scraper sends to `/metrics`; without it there is no `/metrics`.
    pub metrics_token: Option<Secret<String>>,
    /// Who the service desk tells beyond a project's own people.
    pub service_desk: ServiceDesk,
}

/// `[service_desk]`: the e-mail addresses of the service managers (a clock's breach), and of the
/// technical and quality departments (two failed repairs, a major quality problem); the group
/// robots' webhook addresses (企业微信 / 钉钉) that get every alert as a text message. A webhook
/// address holds its robot's key: it is a secret, never logged or stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceDesk {
    pub service_managers: Vec<String>,
    pub technical_department: Vec<String>,
    pub quality_department: Vec<String>,
    pub webhooks: Vec<Secret<String>>,
}

impl Default for Settings {
    fn default() -> Self {
        let data_dir = PathBuf::from("./data");
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: Secret::new(default_database_url(&data_dir)),
            data_dir,
            timezone: chrono_tz::Asia::Shanghai,
            token_ttl_hours: 12,
            public_url: None,
            templates_dir: None,
            login_max_failures_per_pair: 5,
            login_max_failures_per_account: 50,
            login_max_failures_per_address: 30,
            login_window_minutes: 15,
            signing_link_days: 7,
            smtp_url: None,
            secrets_key: None,
            mail_from: "交付系统 <jiaofu@localhost>".into(),
            mail_retry_horizon_hours: 48,
            mail_send_timeout_secs: 30,
            mail_lease_secs: 300,
            mail_poll_secs: 5,
            reminder_hour: 9,
            background_jobs: true,
            upload_max_bytes: 20 * 1024 * 1024,
            company_name: String::new(),
            company_address: String::new(),
            company_phone: String::new(),
            company_logo: None,
            form_fonts: Fonts::default(),
            forms_lang: Lang::Zh,
            trusted_proxies: Vec::new(),
            forwarded_header: Default::default(),
            metrics_token: None,
            service_desk: ServiceDesk::default(),
        }
    }
}

fn default_database_url(data_dir: &Path) -> String {
    format!("sqlite://{}/jiaofu.db?mode=rwc", data_dir.display())
}

/// The shape of jiaofu.toml; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    timezone: Option<String>,
    token_ttl_hours: Option<i64>,
    public_url: Option<String>,
    templates_dir: Option<PathBuf>,
    login_max_failures_per_pair: Option<u64>,
    login_max_failures_per_account: Option<u64>,
    login_max_failures_per_address: Option<u64>,
    login_window_minutes: Option<i64>,
    signing_link_days: Option<i64>,
    smtp_url: Option<String>,
    secrets_key: Option<String>,
    mail_from: Option<String>,
    mail_retry_horizon_hours: Option<i64>,
    mail_send_timeout_secs: Option<u64>,
    mail_lease_secs: Option<i64>,
    mail_poll_secs: Option<u64>,
    reminder_hour: Option<u32>,
    background_jobs: Option<bool>,
    upload_max_mb: Option<u64>,
    trusted_proxies: Option<Vec<String>>,
    forwarded_header: Option<String>,
    metrics_token: Option<String>,
    company: Option<CompanyFile>,
    forms: Option<FormsFile>,
    service_desk: Option<ServiceDesk>,
}

/// `[company]` in jiaofu.toml: the letterhead.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompanyFile {
    name: Option<String>,
    address: Option<String>,
    phone: Option<String>,
    logo: Option<PathBuf>,
}

/// `[forms]` in jiaofu.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FormsFile {
    body_font: Option<String>,
    title_font: Option<String>,
    latin_font: Option<String>,
    language: Option<String>,
}

impl Settings {
    /// Loads the layered settings. `config_path` (from `--config` or `JIAOFU_CONFIG`) must exist
    /// when given; otherwise ./jiaofu.toml is read if present.
    pub fn load(config_path: Option<&Path>) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::load_from(config_path, &env)
    }

    fn load_from(config_path: Option<&Path>, env: &[(String, String)]) -> anyhow::Result<Self> {
        let var = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        let file = match config_path {
            Some(path) => Some(read_file(path)?),
            None if Path::new("jiaofu.toml").exists() => Some(read_file(Path::new("jiaofu.toml"))?),
            None => None,
        }
        .unwrap_or_default();

        let mut s = Settings::default();
        let data_dir = var("JIAOFU_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or(s.data_dir.clone());
        s.database_url = Secret::new(
            var("JIAOFU_DATABASE_URL")
                .or(file.database_url)
                .unwrap_or_else(|| default_database_url(&data_dir)),
        );
        s.data_dir = data_dir;
        if let Some(v) = var("JIAOFU_LISTEN").or(file.listen) {
            s.listen = v;
        }
        if let Some(v) = var("JIAOFU_TIMEZONE").or(file.timezone) {
            s.timezone = v
                .parse()
                .map_err(|_| anyhow::anyhow!("timezone: '{v}' is not an IANA time zone such as Asia/Shanghai"))?;
        }
        if let Some(v) = parse_var(var("JIAOFU_TOKEN_TTL_HOURS"), "JIAOFU_TOKEN_TTL_HOURS")?.or(file.token_ttl_hours) {
            if v <= 0 {
                bail!("token_ttl_hours must be positive, got {v}");
            }
            s.token_ttl_hours = v;
        }
        s.public_url = var("JIAOFU_PUBLIC_URL")
            .or(file.public_url)
            .map(|u| u.trim_end_matches('/').to_string());
        s.templates_dir = var("JIAOFU_TEMPLATES_DIR").map(PathBuf::from).or(file.templates_dir);
        if let Some(v) = file.login_max_failures_per_pair {
            s.login_max_failures_per_pair = v;
        }
        if let Some(v) = file.login_max_failures_per_account {
            s.login_max_failures_per_account = v;
        }
        if let Some(v) = file.login_max_failures_per_address {
            s.login_max_failures_per_address = v;
        }
        if let Some(v) = file.login_window_minutes {
            s.login_window_minutes = v;
        }
        if let Some(v) =
            parse_var(var("JIAOFU_SIGNING_LINK_DAYS"), "JIAOFU_SIGNING_LINK_DAYS")?.or(file.signing_link_days)
        {
            if !(1..=90).contains(&v) {
                bail!("signing_link_days must be 1 to 90, got {v}");
            }
            s.signing_link_days = v;
        }
        s.smtp_url = var("JIAOFU_SMTP_URL").or(file.smtp_url).map(Secret::new);
        s.secrets_key = var("JIAOFU_SECRETS_KEY").or(file.secrets_key).map(Secret::new);
        if let Some(v) = var("JIAOFU_MAIL_FROM").or(file.mail_from) {
            s.mail_from = v;
        }
        if let Some(v) = file.mail_retry_horizon_hours {
            s.mail_retry_horizon_hours = v;
        }
        if let Some(v) = file.mail_send_timeout_secs {
            s.mail_send_timeout_secs = v;
        }
        if let Some(v) = file.mail_lease_secs {
            s.mail_lease_secs = v;
        }
        if let Some(v) = file.mail_poll_secs {
            s.mail_poll_secs = v.max(1);
        }
        if let Some(v) = file.reminder_hour {
            if v > 23 {
                bail!("reminder_hour must be 0–23, got {v}");
            }
            s.reminder_hour = v;
        }
        if let Some(v) = parse_var(var("JIAOFU_UPLOAD_MAX_MB"), "JIAOFU_UPLOAD_MAX_MB")?
            .map(|v| v.max(1) as u64)
            .or(file.upload_max_mb)
        {
            s.upload_max_bytes = v * 1024 * 1024;
        }
        if let Some(v) = var("JIAOFU_BACKGROUND_JOBS") {
            s.background_jobs = !matches!(v.as_str(), "0" | "false" | "no" | "off");
        } else if let Some(v) = file.background_jobs {
            s.background_jobs = v;
        }
        let proxies = match var("JIAOFU_TRUSTED_PROXIES") {
            Some(v) => Some(
                v.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
            ),
            None => file.trusted_proxies,
        };
        if let Some(list) = proxies {
            s.trusted_proxies = list.iter().map(|p| parse_network(p)).collect::<anyhow::Result<_>>()?;
        }
        if let Some(v) = var("JIAOFU_FORWARDED_HEADER").or(file.forwarded_header) {
            s.forwarded_header = crate::api::middleware::ForwardedHeader::parse(&v)
                .ok_or_else(|| anyhow::anyhow!("forwarded_header: '{v}' is not x-forwarded-for or forwarded"))?;
        }
        s.metrics_token = var("JIAOFU_METRICS_TOKEN").or(file.metrics_token).map(Secret::new);
        s.service_desk = file.service_desk.unwrap_or_default();
        let addresses = |v: String| -> Vec<String> {
            v.split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        };
        for (name, slot) in [
            ("JIAOFU_SERVICE_MANAGERS", &mut s.service_desk.service_managers),
            ("JIAOFU_TECHNICAL_DEPARTMENT", &mut s.service_desk.technical_department),
            ("JIAOFU_QUALITY_DEPARTMENT", &mut s.service_desk.quality_department),
        ] {
            if let Some(v) = var(name) {
                *slot = addresses(v);
            }
        }
        if let Some(v) = var("JIAOFU_SERVICE_WEBHOOKS") {
            s.service_desk.webhooks = addresses(v).into_iter().map(Secret::new).collect();
        }
        for hook in &s.service_desk.webhooks {
            if !(hook.expose().starts_with("https://") || hook.expose().starts_with("http://")) {
                anyhow::bail!("service_desk.webhooks: each is an http(s) address");
            }
        }
        for address in s
            .service_desk
            .service_managers
            .iter()
            .chain(&s.service_desk.technical_department)
            .chain(&s.service_desk.quality_department)
        {
            if !address.contains('@') || address.contains(char::is_whitespace) {
                anyhow::bail!("service_desk: '{address}' is not an e-mail address");
            }
        }
        let company = file.company.unwrap_or_default();
        if let Some(v) = var("JIAOFU_COMPANY_NAME").or(company.name) {
            s.company_name = v;
        }
        s.company_address = var("JIAOFU_COMPANY_ADDRESS").or(company.address).unwrap_or_default();
        s.company_phone = var("JIAOFU_COMPANY_PHONE").or(company.phone).unwrap_or_default();
        s.company_logo = var("JIAOFU_COMPANY_LOGO").map(PathBuf::from).or(company.logo);
        let forms = file.forms.unwrap_or_default();
        for (slot, value) in [
            (&mut s.form_fonts.body, forms.body_font),
            (&mut s.form_fonts.title, forms.title_font),
            (&mut s.form_fonts.latin, forms.latin_font),
        ] {
            if let Some(v) = value {
                *slot = v;
            }
        }
        if let Some(v) = var("JIAOFU_FORMS_LANGUAGE").or(forms.language) {
            s.forms_lang = Lang::parse(&v).ok_or_else(|| anyhow::anyhow!("forms language: '{v}' is not zh or en"))?;
        }
        Ok(s)
    }

    /// The house style of the forms; the logo is read from its file each time, so it can be
    /// replaced without a restart.
    pub fn house(&self) -> House {
        let logo_png = self.company_logo.as_ref().and_then(|path| match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "the company logo cannot be read; forms go without it");
                None
            }
        });
        let blank = |v: &str| v.trim().is_empty();
        let unset: Vec<&'static str> = [
            ("name", blank(&self.company_name)),
            ("address", blank(&self.company_address)),
            ("phone", blank(&self.company_phone)),
            ("logo", logo_png.is_none()),
        ]
        .into_iter()
        .filter_map(|(setting, missing)| missing.then_some(setting))
        .collect();
        let company = if blank(&self.company_name) {
            Label::CompanyNotSet.text(self.forms_lang).to_string()
        } else {
            self.company_name.clone()
        };
        House {
            letterhead: Letterhead {
                company,
                address: self.company_address.clone(),
                phone: self.company_phone.clone(),
                logo_png,
            },
            fonts: self.form_fonts.clone(),
            lang: self.forms_lang,
            verify_url: format!("{}/verify/", self.base_url()),
            unset,
        }
    }

    /// The URL users reach the service at, for links in feeds and emails.
    pub fn base_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

/// An address (`10.0.0.2`, `::1`) or a network (`10.0.0.0/8`).
fn parse_network(text: &str) -> anyhow::Result<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| anyhow::anyhow!("trusted_proxies: '{text}' is not an address or a network such as 10.0.0.0/8"))
}

fn parse_var(value: Option<String>, name: &str) -> anyhow::Result<Option<i64>> {
    value
        .map(|v| {
            v.parse()
                .with_context(|| format!("{name}: '{v}' is not a whole number"))
        })
        .transpose()
}

fn read_file(path: &Path) -> anyhow::Result<FileSettings> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid jiaofu configuration", path.display()))
}

/// A database URL fit for printing: any password is replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            if userinfo.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                format!("{scheme}://{userinfo}@{host}")
            }
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_put_sqlite_under_the_data_dir() {
        let s = Settings::load_from(None, &env(&[])).expect("defaults load");
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.database_url.expose(), "sqlite://./data/jiaofu.db?mode=rwc");
        assert_eq!(s.timezone, chrono_tz::Asia::Shanghai);
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("jiaofu-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("jiaofu.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\ntoken_ttl_hours = 4\n").expect("write");
        let s = Settings::load_from(
            Some(&path),
            &env(&[
                ("JIAOFU_LISTEN", "127.0.0.1:7000"),
                ("JIAOFU_DATA_DIR", "/var/lib/jiaofu"),
            ]),
        )
        .expect("loads");
        assert_eq!(s.listen, "127.0.0.1:7000");
        assert_eq!(s.token_ttl_hours, 4);
        assert_eq!(s.database_url.expose(), "sqlite:///var/lib/jiaofu/jiaofu.db?mode=rwc");
    }

    #[test]
    fn a_bad_time_zone_is_named() {
        let err = Settings::load_from(None, &env(&[("JIAOFU_TIMEZONE", "Mars/Olympus")])).expect_err("must fail");
        assert!(err.to_string().contains("Mars/Olympus"));
    }

    #[test]
    fn secrets_and_passwords_are_not_printed() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/jiaofu"),
            "postgres://app:***@db:5432/jiaofu"
        );
    }
}
