//! The HTTP layer is a thin skin over the services: no module under `src/api/` may use the
//! database crate (sea-orm) — queries, transactions and read models live in `src/service/`.
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_of_the_http_layer_uses_the_database_crate() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut files = Vec::new();
    rust_files(&api, &mut files);
    assert!(files.len() > 10, "found the HTTP layer's modules: {files:?}");
    let offenders: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).expect("readable source file");
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.contains("sea_orm") || l.contains("sea_query"))
                .map(|(n, l)| format!("{}:{}: {}", f.display(), n + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "the HTTP layer reaches the database directly; move this into a service:\n{}",
        offenders.join("\n")
    );
}
