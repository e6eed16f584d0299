//! Deadline reminders: one digest per recipient per day.
use crate::state::AppState;

pub fn spawn(_state: AppState) {}
