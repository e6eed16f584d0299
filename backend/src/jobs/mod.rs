//! Background work: each job is a loop around a public `run_once(now)` that tests call directly.
pub mod delivery;
pub mod maintenance;
pub mod reminders;
pub mod service_clocks;
