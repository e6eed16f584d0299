//! Word forms: a 2,000-line equipment list laid out as a .docx (the 协议设备清单 form: letterhead,
//! project fields, one table of 2,000 lines under four category rows and a total, signatures),
//! beside python-docx building the same table in the same run (tests/benches/documents_python_docx.py;
//! skipped with a message when Python or python-docx is missing); and how many 设备进场检验记录
//! with 50 items one core lays out per second.
use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use jiaofu::{
    config::Settings,
    documents::{
        Dossier, Form, FormKind, House, Meta, Row,
        forms::{ArrivalLine, CheckData, ItemLine, ListData, ProjectFacts},
        prepare, render,
    },
};

const LINES: usize = 2_000;
const RUNS: usize = 5;
const INSPECTED_ITEMS: usize = 50;

fn project() -> ProjectFacts {
    ProjectFacts {
        code: "ZJFY-2026-018".into(),
        name: "某市中级人民法院数字法庭建设项目".into(),
        client: "某市中级人民法院".into(),
        contractor: "某某系统集成有限公司".into(),
        contract_number: "HZZY-XX-2026-031".into(),
        supervisor: String::new(),
        site: "某市某区某路 1 号 审判楼".into(),
        signed_on: "2026-03-02".into(),
        delivery_due_on: "2026-04-01".into(),
        systems: "数字法庭、音响扩声".into(),
        ..ProjectFacts::default()
    }
}

/// The same lines the Python peer writes: four categories of 500 cameras each.
fn list_dossier() -> Dossier {
    let categories = ["一、前端设备", "二、传输设备", "三、存储设备", "四、显示设备"];
    let items = (0..LINES)
        .map(|n| ItemLine {
            category: Some(categories[n * categories.len() / LINES].into()),
            seq: (n + 1).to_string(),
            name: format!("网络摄像机 {n:04}"),
            brand: "海康威视".into(),
            model: format!("DS-2CD{n:04}"),
            spec: "400万像素 红外 50 米".into(),
            quantity: Some(2.0),
            unit: "台".into(),
            unit_price: Some(1200.0),
            amount: Some(2400.0),
            remark: format!("机房 {}", n % 40),
        })
        .collect();
    Dossier {
        project: project(),
        contract_list: Some(ListData {
            version: 1,
            file_name: "设备清单.xlsx".into(),
            imported_on: "2026-03-05".into(),
            approved_on: None,
            approved_by: String::new(),
            items,
            ..ListData::default()
        }),
        ..Dossier::default()
    }
}

fn inspection_dossier() -> Dossier {
    let check = |inspector: &str, witness: &str| CheckData {
        documents: "合格".into(),
        appearance: "合格".into(),
        power_on: "合格".into(),
        inspector: inspector.into(),
        witness: witness.into(),
        on: "2026-03-10".into(),
        note: String::new(),
        recheck: false,
    };
    let arrival = (0..INSPECTED_ITEMS)
        .map(|n| ArrivalLine {
            seq: (n + 1).to_string(),
            name: format!("高清球型摄像机 {n}"),
            brand: "海康威视".into(),
            model: format!("DS-2DE4425IW-DE{n}"),
            unit: "台".into(),
            ordered: Some(4.0),
            received: 4.0,
            serials: (0..4).map(|s| format!("HK{n:03}{s:04}")).collect(),
            own: Some(check("李明", "")),
            client: Some(check("李明", "法院信息中心 刘洋")),
            deviations: Vec::new(),
            accepted: true,
        })
        .collect();
    Dossier {
        project: project(),
        approved_list: Some(ListData {
            version: 1,
            approved_on: Some("2026-03-06".into()),
            ..ListData::default()
        }),
        arrival,
        ..Dossier::default()
    }
}

/// Prepares and lays out one form, as issuing it does.
fn form(kind: FormKind, dossier: &Dossier, house: &House) -> anyhow::Result<Vec<u8>> {
    let prepared = prepare(kind, dossier, house.lang);
    anyhow::ensure!(prepared.missing.is_empty(), "{kind:?} lacks {:?}", prepared.missing);
    let form = Form {
        meta: Meta {
            title: kind.label().text(house.lang).into(),
            number: Some(format!("ZJFY-2026-018-{}-01", kind.code())),
            version: 1,
            verify_code: Some("K7QF-9D2M".into()),
            landscape: kind.landscape(),
            draft: false,
            made_at: None,
            dated: Some("2026-03-20".into()),
        },
        blocks: prepared.blocks,
        pictures: Default::default(),
    };
    Ok(render(&form, house)?)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let house = Settings::default().house();
    let dossier = list_dossier();
    let rows = prepare(FormKind::ContractList, &dossier, house.lang)
        .blocks
        .iter()
        .map(|b| match b {
            jiaofu::documents::Block::Table { rows, .. } => rows.iter().filter(|r| matches!(r, Row::Cells(_))).count(),
            _ => 0,
        })
        .sum::<usize>();
    anyhow::ensure!(rows == LINES, "the list form holds {rows} lines, not {LINES}");

    let mut times = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        bytes = form(FormKind::ContractList, &dossier, &house)?;
        times.push(start.elapsed().as_secs_f64());
    }
    let ours = median(times);
    let out = std::env::temp_dir().join(format!("jiaofu-bench-list-{}.docx", std::process::id()));
    std::fs::write(&out, &bytes)?;
    println!(
        "{LINES}-line equipment list as .docx (prepare + lay out + zip, median of {RUNS}): {ours:.3} s, {:.0} kB",
        bytes.len() as f64 / 1e3
    );

    // Forms per second on this thread alone: the 50-item arrival inspection record.
    let inspection = inspection_dossier();
    let sample = form(FormKind::InspectionRecord, &inspection, &house)?;
    let start = Instant::now();
    let mut made = 0u32;
    while start.elapsed() < Duration::from_secs(3) {
        form(FormKind::InspectionRecord, &inspection, &house)?;
        made += 1;
    }
    let rate = f64::from(made) / start.elapsed().as_secs_f64();
    println!(
        "设备进场检验记录 with {INSPECTED_ITEMS} items ({:.0} kB each), one thread: {rate:.0} forms/s (target ≥ 200)",
        sample.len() as f64 / 1e3
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/documents_python_docx.py");
    let peer = Command::new("python3")
        .arg(&script)
        .arg(LINES.to_string())
        .arg(std::env::temp_dir().join(format!("jiaofu-bench-python-docx-{}.docx", std::process::id())))
        .output();
    match peer {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            print!("{text}");
            let seconds: Option<f64> = text
                .lines()
                .find_map(|l| l.strip_prefix("python-docx seconds: "))
                .and_then(|v| v.trim().parse().ok());
            if let Some(s) = seconds {
                println!("ratio: {:.1}× faster than python-docx (target ≥ 20×)", s / ours);
            }
        }
        Ok(o) => println!(
            "python-docx comparison skipped: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => println!("python-docx comparison skipped: python3 not found ({e})"),
    }
    let _ = std::fs::remove_file(out);
    Ok(())
}
