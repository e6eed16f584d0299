//! Any supported file as a grid of cells: .xlsx, .xlsm, .xls, .ods (calamine) and .csv in UTF-8 or
//! GBK. Cell positions are the sheet's own, so problems can name "Sheet!F12".
use std::io::Cursor;

use calamine::{Data, Reader, open_workbook_auto_from_rs};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Number(_) => false,
        }
    }

    /// The cell as people read it.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// One sheet; `rows[0]` is the sheet's row 1 and `rows[r][0]` its column A.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Cell::Empty)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum GridError {
    #[error("'{0}' is not a spreadsheet jiaofu can read (.xlsx, .xlsm, .xls, .ods or .csv)")]
    UnsupportedType(String),
    #[error("the file cannot be read as a spreadsheet: {0}")]
    Unreadable(String),
}

/// Reads every sheet of `bytes`; `file_name` decides CSV versus workbook.
pub fn read_workbook(bytes: &[u8], file_name: &str) -> Result<Vec<Sheet>, GridError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".csv") {
        return read_csv(bytes, file_name).map(|s| vec![s]);
    }
    if ![".xlsx", ".xlsm", ".xls", ".ods"].iter().any(|e| lower.ends_with(e)) {
        return Err(GridError::UnsupportedType(file_name.to_string()));
    }
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| GridError::Unreadable(e.to_string()))?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| GridError::Unreadable(e.to_string()))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); row0 as usize];
        for r in range.rows() {
            let mut cells = vec![Cell::Empty; col0 as usize];
            cells.extend(r.iter().map(cell_of));
            rows.push(cells);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
    }
}

/// UTF-8 (with or without BOM) when the bytes are valid UTF-8, else GBK (GB18030), as older Chinese
/// tools export.
fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

fn read_csv(bytes: &[u8], file_name: &str) -> Result<Sheet, GridError> {
    let text = decode(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| GridError::Unreadable(e.to_string()))?;
        rows.push(
            record
                .iter()
                .map(|f| {
                    if f.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(f.to_string())
                    }
                })
                .collect(),
        );
    }
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let name = name.rsplit_once('.').map_or(name, |(stem, _)| stem).to_string();
    Ok(Sheet { name, rows })
}

/// Spreadsheet column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_name(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_run_like_a_spreadsheet() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(5), "F");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/fixtures/courtroom-contract-list-gbk.csv"
        ))
        .expect("fixture");
        let sheet = read_csv(&bytes, "courtroom-contract-list-gbk.csv").expect("reads");
        assert_eq!(sheet.cell(0, 1).text(), "设备名称");
        assert_eq!(sheet.cell(1, 1).text(), "庭审主机");
    }

    #[test]
    fn a_file_that_is_not_a_spreadsheet_is_refused_clearly() {
        let err = read_workbook(b"this is not a workbook", "list.xlsx").expect_err("not a workbook");
        assert!(matches!(err, GridError::Unreadable(_)));
        assert_eq!(
            read_workbook(b"x", "list.pdf").expect_err("type"),
            GridError::UnsupportedType("list.pdf".into())
        );
    }
}
