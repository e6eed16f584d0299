//! Pure rules: no database, no I/O.
pub mod calendar;
pub mod ics;
pub mod patrol;
pub mod plan;
pub mod reconcile;
pub mod sampling;
pub mod schedule;
pub mod service_clock;
pub mod statistics;
pub mod test_plan;
pub mod text;
pub mod ticket_flow;
pub mod types;
pub mod warranty;
