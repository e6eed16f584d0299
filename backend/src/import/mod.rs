//! Equipment lists from the spreadsheets people really send: bytes in, typed rows and problems out.
//! No database access here.
pub mod grid;
pub mod list;

pub use grid::{Cell, Sheet, read_workbook};
pub use list::{Field, ParsedItem, ParsedList, Problem, parse_list};

/// A file of the shared fixtures (../shared/fixtures beside the repository, or `JIAOFU_FIXTURES_DIR`).
#[cfg(test)]
pub(crate) fn fixture_bytes(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("JIAOFU_FIXTURES_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|a| a.join("shared/fixtures"))
                .find(|d| d.is_dir())
        });
    let path = dir.map(|d| d.join(name)).unwrap_or_else(|| name.into());
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} (set JIAOFU_FIXTURES_DIR): {e}", path.display()))
}
