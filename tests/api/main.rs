//! End-to-end tests of the HTTP API.
mod arrival;
mod auth;
mod calendar;
mod dashboard;
mod documents;
mod equipment;
mod forms;
mod hardening;
mod mail;
mod openapi;
mod operations;
mod photos;
mod projects;
mod reminders;
mod roles;
mod schedule;
mod test_plans;
