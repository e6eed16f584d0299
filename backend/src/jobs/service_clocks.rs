//! The service clocks' scan (`service::service_desk::alarms`) every minute: a one-hour promise
//! warned at 50 % needs a finer step than the reminders' five minutes.
use chrono::{DateTime, Utc};

use crate::{error::AppResult, service::service_desk::alarms, state::AppState};

pub async fn run_once(state: &AppState, now: DateTime<Utc>) -> AppResult<alarms::ScanReport> {
    alarms::scan(state, now).await
}

/// Runs the scan every minute until the process ends.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            let round = run_once(&state, Utc::now()).await;
            crate::metrics::job_run("service_clocks", round.is_ok());
            match round {
                Ok(r) if r.alarms > 0 => tracing::info!(
                    tickets = r.tickets,
                    alarms = r.alarms,
                    messages = r.messages,
                    "service-clock warnings queued"
                ),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %format_args!("{e:#}"), "service-clock scan failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    });
}
