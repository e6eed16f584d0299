//! The `jiaofu` command: the service and its administration.
use std::{io::Read, path::PathBuf};

use anyhow::Context;
use chrono::Utc;
use clap::{Parser, Subcommand};
use jiaofu::{
    config::{Settings, redact_url},
    service::{Actor, users},
    startup::{Application, prepare},
};

/// 交付 jiaofu — systems-integration delivery from contract signature to the end of warranty.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Configuration file (TOML); ./jiaofu.toml is read when present.
    #[arg(long, short, env = "JIAOFU_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Create a realistic demo project: a digital-courtroom job signed today.
    Demo,
    /// Run the deadline-reminder job once and queue its digests (the server delivers them).
    Remind {
        /// Only print what would be sent and to whom.
        #[arg(long)]
        dry_run: bool,
        /// The instant to run for (RFC 3339, e.g. 2026-03-09T09:30:00+08:00); now by default.
        #[arg(long)]
        at: Option<String>,
    },
    /// E-mail tools.
    #[command(subcommand)]
    Mail(MailCommand),
    /// The signing audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Copy the live SQLite database to FILE, consistently, while the service keeps running
    /// (for PostgreSQL, use pg_dump).
    Backup {
        /// The copy to write; must not exist yet.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every entry's hash and check the chain; exits non-zero when it is broken.
    Verify,
}

#[derive(Subcommand)]
enum MailCommand {
    /// Send a test message through the configured transport and say whether it was accepted.
    Test {
        /// Where to send it.
        address: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account; prints a generated password unless --password-stdin is given.
    Add {
        username: String,
        /// admin, manager, engineer or viewer.
        #[arg(long, default_value = "engineer")]
        role: String,
        /// Name shown on forms, e.g. 张伟.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Set a new password (generated unless --password-stdin) and end the user's sessions.
    ResetPassword {
        username: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("JIAOFU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into()),
        )
        .with_target(false)
        // Colours only for a person at a terminal; a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let url = redact_url(settings.database_url.expose());
            prepare(settings).await?;
            println!("database {url} is up to date");
            Ok(())
        }
        Command::User(cmd) => user_command(settings, cmd).await,
        Command::Remind { dry_run, at } => remind(settings, dry_run, at).await,
        Command::Mail(MailCommand::Test { address }) => {
            let state = prepare(settings).await?;
            let message = jiaofu::email::messages::test_message(
                &state.templates.env,
                &state.settings.mail_from,
                &address,
                Utc::now(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let timeout = std::time::Duration::from_secs(state.settings.mail_send_timeout_secs);
            match state.mailer.send(message, timeout).await {
                jiaofu::email::SendOutcome::Accepted(reply) => {
                    println!("accepted by {}: {reply}", state.mailer.describe());
                    Ok(())
                }
                jiaofu::email::SendOutcome::Transient(why) | jiaofu::email::SendOutcome::Permanent(why) => {
                    anyhow::bail!("not accepted by {}: {why}", state.mailer.describe())
                }
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let state = prepare(settings).await?;
            let report = jiaofu::service::audit::verify(&state.db)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            match report.problem {
                None => {
                    println!("audit chain intact: {} entries", report.entries);
                    Ok(())
                }
                Some(problem) => anyhow::bail!("audit chain broken after {} entries: {problem}", report.entries),
            }
        }
        Command::Backup { file } => {
            let db = jiaofu::db::connect(settings.database_url.expose()).await?;
            let started = std::time::Instant::now();
            let bytes = jiaofu::db::backup_sqlite(&db, &file).await?;
            println!(
                "backed up to {} ({:.1} MB in {:.1} s)",
                file.display(),
                bytes as f64 / 1_048_576.0,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Demo => {
            let state = prepare(settings).await?;
            let demo = jiaofu::service::demo::create(&state, Utc::now()).await?;
            println!("{demo}");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let db_url = redact_url(settings.database_url.expose());
    let state = prepare(settings).await?;
    if let Some(password) = users::ensure_initial_admin(&state.db, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        println!();
        println!("  First start: created the administrator account.");
        println!("    username: admin");
        println!("    password: {password}");
        println!("  This password is shown once. Change it with `jiaofu user reset-password admin`.");
        println!();
    }
    let app = Application::build(state).await?;
    let base = match app.state().settings.public_url.clone() {
        Some(url) => url,
        None => {
            let host = app
                .state()
                .settings
                .listen
                .rsplit_once(':')
                .map_or("127.0.0.1", |(h, _)| h)
                .to_string();
            format!("http://{host}:{}", app.port())
        }
    };
    println!("jiaofu {} is listening on {base}", env!("CARGO_PKG_VERSION"));
    println!("  database:     {db_url}");
    println!("  API:          {base}/api");
    println!("  API docs:     {base}/api/docs   (OpenAPI document: {base}/api/openapi.json)");
    println!("  health:       {base}/healthz   readiness: {base}/readyz");
    app.run_until_stopped().await
}

async fn remind(settings: Settings, dry_run: bool, at: Option<String>) -> anyhow::Result<()> {
    let now = match at {
        Some(at) => chrono::DateTime::parse_from_rfc3339(&at)
            .with_context(|| format!("--at: '{at}' is not an RFC 3339 instant such as 2026-03-09T09:30:00+08:00"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let state = prepare(settings).await?;
    let fail = |e: jiaofu::error::AppError| anyhow::anyhow!("{e}");
    if dry_run {
        let digests = jiaofu::jobs::reminders::plan(&state, now).await.map_err(fail)?;
        if digests.is_empty() {
            println!("nothing to send at {now}");
        }
        for d in &digests {
            println!("{} <{}>, digest for {}:", d.to_name, d.to_address, d.day);
            for (code, (_, name, items)) in &d.projects {
                println!("  {code} {name}");
                for i in items {
                    let up = if i.escalation { " (escalation)" } else { "" };
                    println!("    [{}] {} / {}, due {}{up}", i.label, i.phase, i.task, i.due_on);
                }
            }
        }
        return Ok(());
    }
    let report = jiaofu::jobs::reminders::run_once(&state, now).await.map_err(fail)?;
    println!(
        "queued {} digest(s) with {} reminder(s); the server's delivery worker sends them",
        report.digests, report.items
    );
    Ok(())
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("failed to read the password from standard input")?;
    Ok(s.trim_end_matches(['\r', '\n']).to_string())
}

async fn user_command(settings: Settings, cmd: UserCommand) -> anyhow::Result<()> {
    let state = prepare(settings).await?;
    let now = Utc::now();
    match cmd {
        UserCommand::Add {
            username,
            role,
            name,
            email,
            password_stdin,
        } => {
            let (password, generated) = if password_stdin {
                (read_password_stdin()?, false)
            } else {
                (jiaofu::service::auth::random_password(), true)
            };
            let user = users::create(
                &state.db,
                &Actor::system(),
                users::NewUser {
                    username,
                    display_name: name,
                    email,
                    role,
                    password: password.clone(),
                    mail: None,
                },
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} ({}, {})", user.username, user.display_name, user.role);
            if generated {
                println!("password: {password}");
            }
        }
        UserCommand::List => {
            for u in users::list(&state.db).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                println!(
                    "{:<20} {:<10} {:<16} {}{}",
                    u.username,
                    u.role,
                    u.display_name,
                    u.email.unwrap_or_default(),
                    if u.disabled { "  (disabled)" } else { "" }
                );
            }
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let given = if password_stdin {
                Some(read_password_stdin()?)
            } else {
                None
            };
            let generated = given.is_none();
            let password = users::reset_password(&state.db, &username, given, None, now)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("password of {username} changed; their sessions have ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}
