//! Building and running the service: connect, migrate, load templates, bind, serve.
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use poem::{
    Server,
    listener::{Acceptor, Listener, TcpAcceptor, TcpListener},
};

use crate::{api, config::Settings, db, service, state::AppState, templates::Templates};

/// Connects to the database, applies migrations and loads plans and calendars.
pub async fn prepare(settings: Settings) -> anyhow::Result<AppState> {
    let templates = Templates::load(settings.templates_dir.as_deref()).context("failed to load templates")?;
    let mailer = crate::email::Mailer::from_settings(&settings)?;
    let db = db::connect(settings.database_url.expose()).await?;
    db::migrate(&db).await?;
    service::plans::sync_builtin(&db, &templates, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("failed to install the shipped plans: {e}"))?;
    service::plans::report_missing_milestones(&db)
        .await
        .map_err(|e| anyhow::anyhow!("failed to read the plans: {e}"))?;
    let filled = service::service_desk::statistics::fill_facts(&db, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("failed to fill the service statistics: {e}"))?;
    if filled > 0 {
        tracing::info!(rows = filled, "service statistics filled for rows written before them");
    }
    let vault = crate::vault::Vault::open(&settings, &db).await?;
    Ok(AppState {
        vault: Arc::new(vault),
        db,
        mailer,
        files: crate::files::Files::in_data_dir(&settings.data_dir),
        settings: Arc::new(settings),
        templates: Arc::new(templates),
    })
}

/// A bound, ready-to-run server.
pub struct Application {
    state: AppState,
    acceptor: TcpAcceptor,
    port: u16,
}

impl Application {
    pub async fn build(state: AppState) -> anyhow::Result<Self> {
        let acceptor = TcpListener::bind(state.settings.listen.clone())
            .into_acceptor()
            .await
            .with_context(|| format!("failed to listen on {}", state.settings.listen))?;
        let port = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().map(|s| s.port()))
            .context("the listener has no address")?;
        Ok(Self { state, acceptor, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests (up to 10 s).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        if self.state.settings.background_jobs {
            crate::jobs::delivery::spawn(self.state.clone(), self.state.mailer.clone());
            crate::jobs::reminders::spawn(self.state.clone());
            crate::jobs::maintenance::spawn(self.state.clone());
            crate::jobs::service_clocks::spawn(self.state.clone());
        }
        let app = api::app(self.state);
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app, shutdown_signal(), Some(std::time::Duration::from_secs(10)))
            .await
            .context("the server stopped with an error")
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
