//! jiaofu (交付): carries a systems-integration contract from signature to the end of its warranty.
pub mod api;
pub mod config;
pub mod db;
pub mod documents;
pub mod domain;
pub mod email;
pub mod error;
pub mod import;
pub mod jobs;
pub mod service;
pub mod startup;
pub mod state;
pub mod templates;
