//! Any supported file as a grid of cells: .xlsx, .xlsm, .xls, .ods (calamine) and .csv in UTF-8 or
//! GBK. Cell positions are the sheet's own, so problems can name "Sheet!F12".
use std::io::Cursor;

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook_auto_from_rs};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell formatted as a date, converted with the workbook's own date system (1900 or 1904).
    Date(chrono::NaiveDateTime),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            Cell::Number(_) | Cell::Date(_) => false,
        }
    }

    /// The cell as people read it.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => t.trim().to_string(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Cell::Date(d) => d.to_string(),
        }
    }

    /// The cell as a calendar date: a date cell, a serial number (1900 system, as Excel stores dates
    /// in cells not formatted as dates), or text such as 2026-03-12, 2026/3/12 or 2026年3月12日.
    pub fn date(&self) -> Option<chrono::NaiveDate> {
        match self {
            Cell::Date(d) => Some(d.date()),
            // Serial 61 is 1900-03-01 (Excel's phantom 29 February 1900 lies before it).
            Cell::Number(n) if (61.0..2_958_466.0).contains(n) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(n.trunc() as u64))),
            Cell::Text(t) => {
                let t = t.trim().replace(['年', '月', '/', '.'], "-").replace('日', "");
                chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok()
            }
            _ => None,
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
    #[error("the workbook is password-protected: save it without a password and upload it again")]
    PasswordProtected,
    #[error("the file is too large to import: {0}")]
    TooLarge(String),
}

/// Bounds on what a file may make the importer read, checked before and while reading.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Sum of the uncompressed sizes of the parts of an .xlsx/.xlsm/.ods (a zip).
    pub max_uncompressed_bytes: u64,
    /// Rows and columns a sheet may span (declared or used).
    pub max_rows: u32,
    pub max_columns: u32,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_uncompressed_bytes: 200 * 1024 * 1024,
            max_rows: 200_000,
            max_columns: 200,
            max_cell_chars: 32_767,
        }
    }
}

const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Reads every sheet of `bytes`; `file_name` decides CSV versus workbook.
pub fn read_workbook(bytes: &[u8], file_name: &str) -> Result<Vec<Sheet>, GridError> {
    read_workbook_within(bytes, file_name, &Limits::default())
}

/// [`read_workbook`] within `limits`.
pub fn read_workbook_within(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Vec<Sheet>, GridError> {
    let lower = file_name.to_lowercase();
    let sheets = if lower.ends_with(".csv") {
        vec![read_csv(bytes, file_name)?]
    } else if [".xlsx", ".xlsm", ".xls", ".ods"].iter().any(|e| lower.ends_with(e)) {
        read_spreadsheet(bytes, limits)?
    } else {
        return Err(GridError::UnsupportedType(file_name.to_string()));
    };
    for sheet in &sheets {
        check_extent(
            sheet.rows.len() as u64,
            sheet.rows.iter().map(Vec::len).max().unwrap_or(0) as u64,
            &sheet.name,
            limits,
        )?;
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if let Cell::Text(t) = cell
                    && t.chars().count() > limits.max_cell_chars
                {
                    return Err(GridError::TooLarge(format!(
                        "{}!{}{} holds more than {} characters",
                        sheet.name,
                        column_name(c),
                        r + 1,
                        limits.max_cell_chars
                    )));
                }
            }
        }
    }
    Ok(sheets)
}

fn check_extent(rows: u64, cols: u64, sheet: &str, limits: &Limits) -> Result<(), GridError> {
    if rows > u64::from(limits.max_rows) || cols > u64::from(limits.max_columns) {
        return Err(GridError::TooLarge(format!(
            "sheet '{sheet}' spans {rows} rows × {cols} columns; an equipment list may span at most {} × {}",
            limits.max_rows, limits.max_columns
        )));
    }
    Ok(())
}

fn read_spreadsheet(bytes: &[u8], limits: &Limits) -> Result<Vec<Sheet>, GridError> {
    if bytes.starts_with(CFB_MAGIC) && is_encrypted_package(bytes) {
        return Err(GridError::PasswordProtected);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        check_zip(bytes, limits)?;
        if let Ok(mut xlsx) = Xlsx::new(Cursor::new(bytes)) {
            return read_xlsx_streaming(&mut xlsx, limits);
        }
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

/// An Office file encrypted with a password is an OLE container with an "EncryptedPackage" stream.
fn is_encrypted_package(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

/// Refuses zip bombs before anything is inflated: the central directory states every part's size.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), GridError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| GridError::Unreadable(e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| GridError::Unreadable(e.to_string()))?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_uncompressed_bytes {
        return Err(GridError::TooLarge(format!(
            "it unpacks to {} MB; at most {} MB are read",
            total / (1024 * 1024),
            limits.max_uncompressed_bytes / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Reads an .xlsx cell by cell: the declared dimensions are checked before the first cell, and
/// each cell's position as it comes, so a tiny file naming cell XFD1048576 cannot make us allocate
/// the rectangle up to it.
fn read_xlsx_streaming(xlsx: &mut Xlsx<Cursor<&[u8]>>, limits: &Limits) -> Result<Vec<Sheet>, GridError> {
    let mut sheets = Vec::new();
    for name in xlsx.sheet_names() {
        let mut reader = xlsx
            .worksheet_cells_reader(&name)
            .map_err(|e| GridError::Unreadable(e.to_string()))?;
        let dims = reader.dimensions();
        check_extent(u64::from(dims.end.0) + 1, u64::from(dims.end.1) + 1, &name, limits)?;
        let mut rows: Vec<Vec<Cell>> = Vec::new();
        while let Some(cell) = reader.next_cell().map_err(|e| GridError::Unreadable(e.to_string()))? {
            let (r, c) = cell.get_position();
            check_extent(u64::from(r) + 1, u64::from(c) + 1, &name, limits)?;
            let value = cell_of_ref(cell.get_value());
            if value.is_empty() {
                continue;
            }
            let (r, c) = (r as usize, c as usize);
            if rows.len() <= r {
                rows.resize_with(r + 1, Vec::new);
            }
            if rows[r].len() <= c {
                rows[r].resize(c + 1, Cell::Empty);
            }
            rows[r][c] = value;
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

fn cell_of_ref(d: &DataRef<'_>) -> Cell {
    match d {
        DataRef::Empty | DataRef::Error(_) => Cell::Empty,
        DataRef::String(s) => Cell::Text(s.clone()),
        DataRef::SharedString(s) => Cell::Text((*s).to_string()),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(b.to_string()),
        DataRef::DateTime(dt) => dt.as_datetime().map_or(Cell::Number(dt.as_f64()), Cell::Date),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.clone()),
    }
}

fn cell_of(d: &Data) -> Cell {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(dt) => dt.as_datetime().map_or(Cell::Number(dt.as_f64()), Cell::Date),
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

/// The 0-based index of spreadsheet column letters: A → 0, AA → 26; None for anything else.
pub fn column_index(letters: &str) -> Option<usize> {
    let letters = letters.trim();
    if letters.is_empty() || letters.len() > 3 || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let n = letters.chars().fold(0usize, |n, c| {
        n * 26 + (c.to_ascii_uppercase() as usize - 'A' as usize + 1)
    });
    Some(n - 1)
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
        assert_eq!(column_index("xfd"), Some(16383));
        assert_eq!(column_index("F"), Some(5));
        assert_eq!(column_index("F1"), None);
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let bytes = jiaofu_tests::fixture("courtroom-contract-list-gbk.csv");
        let sheet = read_csv(&bytes, "courtroom-contract-list-gbk.csv").expect("reads");
        assert_eq!(sheet.cell(0, 1).text(), "设备名称");
        assert_eq!(sheet.cell(1, 1).text(), "庭审主机");
    }

    #[test]
    fn dates_follow_the_workbooks_1904_date_system() {
        let bytes = jiaofu_tests::fixture("delivery-dates-1904.xlsx");
        let sheets = read_workbook(&bytes, "delivery-dates-1904.xlsx").expect("reads");
        let dates: Vec<String> = (1..=3)
            .map(|r| sheets[0].cell(r, 5).date().map(|d| d.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(dates, ["2026-03-12", "2026-03-14", "2026-03-16"]);
    }

    #[test]
    fn dates_stored_as_serial_numbers_or_text_are_read() {
        assert_eq!(
            Cell::Number(46093.0).date().map(|d| d.to_string()).as_deref(),
            Some("2026-03-12")
        );
        assert_eq!(
            Cell::Text("2026年3月12日".into())
                .date()
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-03-12")
        );
        assert_eq!(
            Cell::Text("2026/3/14".into()).date().map(|d| d.to_string()).as_deref(),
            Some("2026-03-14")
        );
        assert_eq!(Cell::Text("下周".into()).date(), None);
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

#[cfg(test)]
mod hostile {
    use std::io::Write;

    use super::*;

    /// A minimal .xlsx with one sheet whose XML is `sheet_data` and whose dimension is `dimension`.
    fn xlsx(dimension: &str, sheet_data: &str, extra: Option<(&str, usize)>) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let mut put = |name: &str, body: &str| {
            zip.start_file(name, opts).expect("entry");
            zip.write_all(body.as_bytes()).expect("write");
        };
        put(
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        put(
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        put(
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="设备清单" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        put(
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        );
        put(
            "xl/worksheets/sheet1.xml",
            &format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>"#
            ),
        );
        if let Some((name, size)) = extra {
            put(name, &"0".repeat(size));
        }
        zip.finish().expect("zip").into_inner()
    }

    const TWO_CELLS: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>数量</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>交换机</t></is></c><c r="B2"><v>2</v></c></row>"#;

    #[test]
    fn a_small_hand_made_xlsx_reads() {
        let sheets = read_workbook(&xlsx("A1:B2", TWO_CELLS, None), "t.xlsx").expect("reads");
        assert_eq!(sheets[0].cell(1, 1), &Cell::Number(2.0));
    }

    #[test]
    fn a_declared_dimension_up_to_xfd1048576_is_refused_before_reading() {
        let err = read_workbook(&xlsx("A1:XFD1048576", TWO_CELLS, None), "t.xlsx").expect_err("too large");
        assert!(
            matches!(err, GridError::TooLarge(ref m) if m.contains("1048576 rows × 16384 columns")),
            "{err}"
        );
    }

    #[test]
    fn a_cell_at_xfd1048576_under_a_small_dimension_is_refused_without_allocating_to_it() {
        let data = format!(r#"{TWO_CELLS}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#);
        let err = read_workbook(&xlsx("A1:B2", &data, None), "t.xlsx").expect_err("too large");
        assert!(matches!(err, GridError::TooLarge(_)), "{err}");
    }

    #[test]
    fn a_part_that_unpacks_beyond_the_limit_is_refused_before_inflating() {
        let limits = Limits {
            max_uncompressed_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let bytes = xlsx("A1:B2", TWO_CELLS, Some(("xl/media/padding.bin", 2 * 1024 * 1024)));
        assert!(bytes.len() < 64 * 1024, "the file itself is small: {}", bytes.len());
        let err = read_workbook_within(&bytes, "t.xlsx", &limits).expect_err("bomb");
        assert!(
            matches!(err, GridError::TooLarge(ref m) if m.contains("unpacks to 2 MB")),
            "{err}"
        );
    }

    #[test]
    fn truncated_and_password_protected_files_get_clear_errors() {
        let whole = xlsx("A1:B2", TWO_CELLS, None);
        let err = read_workbook(&whole[..whole.len() / 2], "t.xlsx").expect_err("truncated");
        assert!(matches!(err, GridError::Unreadable(_)), "{err}");

        let mut encrypted = CFB_MAGIC.to_vec();
        encrypted.extend(vec![0u8; 504]);
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            read_workbook(&encrypted, "t.xlsx").expect_err("locked"),
            GridError::PasswordProtected
        );
    }

    #[test]
    fn a_cell_over_32767_characters_is_refused_with_its_address() {
        let csv = format!("名称,数量\n{},2\n", "长".repeat(32_768));
        let err = read_workbook(csv.as_bytes(), "list.csv").expect_err("too long");
        assert!(
            matches!(err, GridError::TooLarge(ref m) if m.contains("!A2 holds more than 32767")),
            "{err}"
        );
    }
}
