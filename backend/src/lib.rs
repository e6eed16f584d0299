//! jiaofu (交付): carries a systems-integration contract from signature to the end of its warranty.
pub mod api;
pub mod config;
pub mod db;
pub mod documents;
pub mod domain;
pub mod email;
pub mod error;
pub mod files;
pub mod import;
pub mod jobs;
pub mod metrics;
pub mod service;
pub mod startup;
pub mod state;
pub mod templates;
pub mod vault;
pub mod web;

/// mimalloc rather than the system allocator, for every binary built on this crate (the service,
/// its tests and benches): an import allocates strings on the parser's thread that the database's
/// thread frees, which glibc serialises on a lock — `cargo bench -p jiaofu-tests --bench import`
/// measured the whole import 11% faster. (Not in this crate's own unit tests: they link the crate a
/// second time through jiaofu-tests, and a program has one allocator.)
#[cfg(not(test))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
