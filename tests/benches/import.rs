//! Imports a 100,000-row × 12-column equipment list (.xlsx, made here with rust_xlsxwriter):
//! parse time and cells per second, the whole import into SQLite through the service (parse,
//! then one transaction) and its peak memory, each import run in a process of its own so the
//! peak is the import's, and openpyxl in read-only mode reading the same file
//! (tests/benches/import_openpyxl.py; skipped with a message when Python or openpyxl is missing).
use std::{path::Path, process::Command, time::Instant};

use chrono::Utc;
use jiaofu::{
    config::{Secret, Settings},
    import::{Workbook, parse_list},
    service::{Actor, access, equipment, projects},
    startup::prepare,
};
use jiaofu_tests::TestDatabase;
use sea_orm::ConnectionTrait;

const ROWS: u32 = 100_000;
const COLUMNS: u32 = 12;

fn fail(e: jiaofu::error::AppError) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// A title row, the header, then a category row before every 1,000 items.
fn generate(path: &Path) -> anyhow::Result<()> {
    use rust_xlsxwriter::Workbook;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("设备清单")?;
    sheet.write_string(0, 0, "某市中级人民法院数字法庭建设项目 协议设备清单")?;
    let header = [
        "序号",
        "设备名称",
        "品牌",
        "型号",
        "规格参数",
        "数量",
        "单位",
        "单价",
        "金额",
        "产地",
        "质保期",
        "备注",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(1, c as u16, *h)?;
    }
    let mut row = 2;
    for i in 0..ROWS {
        if i % 1000 == 0 {
            sheet.write_string(row, 0, format!("{}、第 {} 组设备", "一", i / 1000 + 1))?;
            row += 1;
        }
        let q = f64::from(i % 50 + 1);
        sheet.write_number(row, 0, f64::from(i + 1))?;
        sheet.write_string(row, 1, format!("高清网络摄像机 {}", i % 97))?;
        sheet.write_string(row, 2, "海康威视")?;
        sheet.write_string(row, 3, format!("DS-2CD{:05}-IZS", i))?;
        sheet.write_string(row, 4, "400万像素, 红外30米, PoE")?;
        sheet.write_number(row, 5, q)?;
        sheet.write_string(row, 6, "台")?;
        sheet.write_number(row, 7, 1250.0)?;
        sheet.write_number(row, 8, q * 1250.0)?;
        sheet.write_string(row, 9, "中国")?;
        sheet.write_string(row, 10, "3年")?;
        sheet.write_string(row, 11, if i % 10 == 0 { "含安装支架" } else { "" })?;
        row += 1;
    }
    book.save(path)?;
    Ok(())
}

/// Peak resident memory of this process so far, in kB, from /proc (Linux).
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn parse(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut book = Workbook::open(bytes, "equipment-100k.xlsx").map_err(|e| anyhow::anyhow!("{e}"))?;
    let parsed = parse_list(&mut book, None, &Default::default(), &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(parsed.items.len())
}

/// Run as a child: parse the file; prints the baseline and peak RSS in kB and the item count.
fn parse_only(path: &str) -> anyhow::Result<()> {
    let baseline = peak_rss_kb().unwrap_or(0);
    let bytes = std::fs::read(path)?;
    let items = parse(&bytes)?;
    println!("{} {} {}", baseline, peak_rss_kb().unwrap_or(0), items);
    Ok(())
}

/// Run as a child: the whole import into a new SQLite database through the service; prints the
/// seconds, the peak RSS before reading the file and after the import (kB), and the item count.
async fn import_only(path: &str) -> anyhow::Result<()> {
    let db = TestDatabase::create().await?;
    let settings = Settings {
        database_url: Secret::new(db.url.clone()),
        data_dir: db.dir.clone(),
        background_jobs: false,
        ..Settings::default()
    };
    let state = prepare(settings).await?;
    let system = Actor::system();
    let now = Utc::now();
    let project = projects::create(
        &state.db,
        &state.templates,
        state.settings.timezone,
        &system,
        projects::NewProject {
            code: "BENCH-IMPORT".into(),
            name: "导入基准".into(),
            client_name: "某法院".into(),
            site_address: None,
            contract_number: None,
            supervisor: None,
            region: None,
            category: None,
            system_types: vec!["数字法庭".into()],
            contract_signed_on: "2026-03-02".into(),
            delivery_due_on: None,
            plan: None,
            timezone: None,
            status: None,
        },
        now,
    )
    .await
    .map_err(fail)?;
    let baseline = peak_rss_kb().unwrap_or(0);
    let import = Instant::now();
    let granted = access::grant::<access::Manage>(&state.db, &system, project.id)
        .await
        .map_err(fail)?;
    let outcome = equipment::import(
        &state.db,
        &granted,
        equipment::ImportRequest {
            kind: "contract".into(),
            file_name: "equipment-100k.xlsx".into(),
            bytes: std::fs::read(path)?,
            sheet: None,
            mapping: Vec::new(),
            mapping_is_whole: false,
            dry_run: false,
            exclude_rows: Vec::new(),
        },
        now,
    )
    .await
    .map_err(fail)?;
    let seconds = import.elapsed().as_secs_f64();
    anyhow::ensure!(outcome.committed.is_some(), "the import committed nothing");
    let peak = peak_rss_kb().unwrap_or(0);
    // What the service's background task then does: copy the log into the database file.
    let checkpoint = Instant::now();
    state.db.execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)").await?;
    let checkpoint = checkpoint.elapsed().as_secs_f64();
    println!("{seconds} {baseline} {peak} {} {checkpoint}", outcome.parsed.item_count);
    drop((state, db));
    Ok(())
}

/// Runs this bench again as a child with `args` and reads the numbers it prints.
fn child(args: &[&str]) -> anyhow::Result<Vec<f64>> {
    let out = Command::new(std::env::current_exe()?).args(args).output()?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

const RUNS: usize = 5;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .map(|i| args.get(i + 1).cloned().unwrap_or_default())
    };
    if let Some(path) = arg("--parse-only") {
        return parse_only(&path);
    }
    if let Some(path) = arg("--import") {
        return tokio::runtime::Runtime::new()?.block_on(import_only(&path));
    }

    let dir = std::env::temp_dir().join("jiaofu-bench-import");
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("equipment-100k.xlsx");
    let made = Instant::now();
    generate(&file)?;
    let bytes = std::fs::read(&file)?;
    let size = bytes.len() as f64;
    let cells = u64::from(ROWS) * u64::from(COLUMNS);
    println!(
        "file: {ROWS} rows × {COLUMNS} columns = {cells} cells, {:.1} MB (written by rust_xlsxwriter in {:.2} s)",
        size / 1e6,
        made.elapsed().as_secs_f64()
    );

    let mut parse_times = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        anyhow::ensure!(parse(&bytes)? == ROWS as usize, "every item parsed");
        parse_times.push(start.elapsed().as_secs_f64());
    }
    let parse_time = median(parse_times);
    println!(
        "parse (median of {RUNS}): {parse_time:.3} s = {:.2} M cells/s (target ≥ 2 M)",
        cells as f64 / parse_time / 1e6
    );

    let file_arg = file.display().to_string();
    let mut imports = Vec::new();
    for _ in 0..RUNS {
        imports.push(child(&["--import", &file_arg])?);
    }
    let import_time = median(imports.iter().map(|f| f[0]).collect());
    let import_peak = median(imports.iter().map(|f| (f[2] - f[1]) * 1024.0).collect());
    let checkpoint_time = median(imports.iter().map(|f| f[4]).collect());
    println!(
        "whole import into SQLite (parse + one transaction of {ROWS} items, committed; median of {RUNS}): {import_time:.3} s; \
         peak memory {:.0} MB above the process before it = {:.1}× the file (target ≤ 10×)",
        import_peak / 1e6,
        import_peak / size
    );
    println!(
        "then, off the request, the background checkpoint copies the log into the database file: {:.0} ms",
        checkpoint_time * 1e3
    );
    if let [baseline, peak, _] = child(&["--parse-only", &file_arg])?[..] {
        println!(
            "peak memory of parsing alone: {:.0} MB = {:.1}× the file",
            (peak - baseline) * 1024.0 / 1e6,
            (peak - baseline) * 1024.0 / size
        );
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/import_openpyxl.py");
    match Command::new("python3").arg(&script).arg(&file).output() {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            print!("{text}");
            let seconds: Option<f64> = text
                .lines()
                .find_map(|l| l.strip_prefix("openpyxl seconds: "))
                .and_then(|v| v.trim().parse().ok());
            if let Some(s) = seconds {
                println!(
                    "ratio: our whole import is {:.1}× faster than openpyxl reading the file (target ≥ 10×); parsing alone {:.1}×",
                    s / import_time,
                    s / parse_time
                );
            }
        }
        Ok(o) => println!(
            "openpyxl comparison skipped: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("openpyxl comparison skipped: python3 not found ({e})"),
    }
    Ok(())
}
