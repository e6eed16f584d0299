//! Any supported file as rows of cells: .xlsx, .xlsm, .xls, .ods (calamine) and .csv in UTF-8 or
//! GBK. Cell positions are the sheet's own, so problems can name "Sheet!F12".
use std::{
    borrow::Cow,
    io::{Cursor, Read},
    ops::ControlFlow,
};

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook_auto_from_rs};

/// A cell's value. Text borrows from the workbook's shared strings where it can, so reading a
/// sheet row by row copies only what the caller keeps.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
    /// A cell formatted as a date, converted with the workbook's own date system (1900 or 1904).
    Date(chrono::NaiveDateTime),
}

impl Cell<'_> {
    pub fn into_owned(self) -> Cell<'static> {
        match self {
            Cell::Empty => Cell::Empty,
            Cell::Text(t) => Cell::Text(Cow::Owned(t.into_owned())),
            Cell::Number(n) => Cell::Number(n),
            Cell::Date(d) => Cell::Date(d),
        }
    }

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
            Cell::Text(t) => crate::domain::text::cleaned(t.trim()).into_owned(),
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

/// One sheet held whole; `rows[0]` is the sheet's row 1 and `rows[r][0]` its column A.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<Cell<'static>>>,
}

impl Sheet {
    pub fn cell(&self, row: usize, col: usize) -> &Cell<'static> {
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
    /// Cells of the rectangle a sheet spans, for the formats calamine reads densely (.xls, .ods).
    pub max_dense_cells: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_uncompressed_bytes: 200 * 1024 * 1024,
            max_rows: 200_000,
            max_columns: 200,
            max_cell_chars: 32_767,
            max_dense_cells: 4_000_000,
        }
    }
}

const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// An opened file. An .xlsx/.xlsm is read from the file row by row each time a sheet is asked
/// for, so a list of 100,000 rows is never held as a grid; .xls and .ods (which calamine reads
/// whole) and .csv are read into sheets when opened. Either way within [`Limits`].
pub struct Workbook<'b> {
    source: Source<'b>,
    limits: Limits,
}

enum Source<'b> {
    Xlsx(Box<Xlsx<Cursor<&'b [u8]>>>),
    Sheets(Vec<Sheet>),
}

impl<'b> Workbook<'b> {
    /// Opens `bytes`; `file_name` decides CSV versus workbook.
    pub fn open(bytes: &'b [u8], file_name: &str) -> Result<Self, GridError> {
        Self::open_within(bytes, file_name, Limits::default())
    }

    /// [`Workbook::open`] within `limits`.
    pub fn open_within(bytes: &'b [u8], file_name: &str, limits: Limits) -> Result<Self, GridError> {
        let lower = file_name.to_lowercase();
        let source = if lower.ends_with(".csv") {
            Source::Sheets(vec![read_csv(bytes, file_name)?])
        } else if [".xlsx", ".xlsm", ".xls", ".ods"].iter().any(|e| lower.ends_with(e)) {
            open_spreadsheet(bytes, &limits)?
        } else {
            return Err(GridError::UnsupportedType(file_name.to_string()));
        };
        if let Source::Sheets(sheets) = &source {
            for sheet in sheets {
                check_sheet(sheet, &limits)?;
            }
        }
        Ok(Self { source, limits })
    }

    /// Sheets already in memory (tests, and files read whole).
    pub fn from_sheets(sheets: Vec<Sheet>) -> Workbook<'static> {
        Workbook {
            source: Source::Sheets(sheets),
            limits: Limits::default(),
        }
    }

    pub fn sheet_names(&self) -> Vec<String> {
        match &self.source {
            Source::Xlsx(xlsx) => xlsx.sheet_names(),
            Source::Sheets(sheets) => sheets.iter().map(|s| s.name.clone()).collect(),
        }
    }

    /// Calls `each` with every row of `sheet` that has a value, in order, with its 0-based index,
    /// until `each` breaks. A row is only valid during its call.
    pub fn rows(
        &mut self,
        sheet: &str,
        mut each: impl FnMut(usize, &[Cell<'_>]) -> ControlFlow<()>,
    ) -> Result<(), GridError> {
        match &mut self.source {
            Source::Xlsx(xlsx) => xlsx_rows(xlsx, sheet, &self.limits, &mut each),
            Source::Sheets(sheets) => {
                let Some(found) = sheets.iter().find(|s| s.name == sheet) else {
                    return Err(GridError::Unreadable(format!("the file has no sheet '{sheet}'")));
                };
                for (r, row) in found.rows.iter().enumerate() {
                    if row.iter().any(|c| !c.is_empty()) && each(r, row).is_break() {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// Every sheet held whole, for small files read more than once (packing lists).
    pub fn into_sheets(mut self) -> Result<Vec<Sheet>, GridError> {
        if let Source::Sheets(sheets) = self.source {
            return Ok(sheets);
        }
        let mut sheets = Vec::new();
        for name in self.sheet_names() {
            let mut rows: Vec<Vec<Cell<'static>>> = Vec::new();
            self.rows(&name, |r, row| {
                rows.resize_with(r, Vec::new);
                rows.push(row.iter().map(|c| c.clone().into_owned()).collect());
                ControlFlow::Continue(())
            })?;
            sheets.push(Sheet { name, rows });
        }
        Ok(sheets)
    }
}

/// Reads every sheet of `bytes` whole; `file_name` decides CSV versus workbook.
pub fn read_workbook(bytes: &[u8], file_name: &str) -> Result<Vec<Sheet>, GridError> {
    read_workbook_within(bytes, file_name, &Limits::default())
}

/// [`read_workbook`] within `limits`.
pub fn read_workbook_within(bytes: &[u8], file_name: &str, limits: &Limits) -> Result<Vec<Sheet>, GridError> {
    Workbook::open_within(bytes, file_name, *limits)?.into_sheets()
}

fn check_sheet(sheet: &Sheet, limits: &Limits) -> Result<(), GridError> {
    check_extent(
        sheet.rows.len() as u64,
        sheet.rows.iter().map(Vec::len).max().unwrap_or(0) as u64,
        &sheet.name,
        limits,
    )?;
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            check_cell(cell, &sheet.name, r, c, limits)?;
        }
    }
    Ok(())
}

fn check_cell(cell: &Cell<'_>, sheet: &str, row: usize, col: usize, limits: &Limits) -> Result<(), GridError> {
    if let Cell::Text(t) = cell
        && t.len() > limits.max_cell_chars
        && t.chars().count() > limits.max_cell_chars
    {
        return Err(GridError::TooLarge(format!(
            "{sheet}!{}{} holds more than {} characters",
            column_name(col),
            row + 1,
            limits.max_cell_chars
        )));
    }
    Ok(())
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

fn open_spreadsheet<'b>(bytes: &'b [u8], limits: &Limits) -> Result<Source<'b>, GridError> {
    if bytes.starts_with(CFB_MAGIC) && is_encrypted_package(bytes) {
        return Err(GridError::PasswordProtected);
    }
    if bytes.starts_with(ZIP_MAGIC) {
        check_zip(bytes, limits)?;
        if let Ok(xlsx) = Xlsx::new(Cursor::new(bytes)) {
            return Ok(Source::Xlsx(Box::new(xlsx)));
        }
        check_ods(bytes, limits)?;
    } else if bytes.starts_with(CFB_MAGIC) {
        check_xls(bytes, limits)?;
    }
    let mut workbook =
        open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| GridError::Unreadable(e.to_string()))?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| GridError::Unreadable(e.to_string()))?;
        let (row0, col0) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<Cell<'static>>> = vec![Vec::new(); row0 as usize];
        for r in range.rows() {
            let mut cells = vec![Cell::Empty; col0 as usize];
            cells.extend(r.iter().map(cell_of));
            rows.push(cells);
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(Source::Sheets(sheets))
}

/// Where a sheet's non-empty cells reach, as calamine will lay them out.
#[derive(Default)]
struct Extent {
    rows: u64,
    cols: u64,
}

impl Extent {
    fn cover(&mut self, row_end: u64, col_end: u64) {
        self.rows = self.rows.max(row_end);
        self.cols = self.cols.max(col_end);
    }

    fn check(&self, sheet: &str, limits: &Limits) -> Result<(), GridError> {
        check_extent(self.rows, self.cols, sheet, limits)?;
        if self.rows.saturating_mul(self.cols) > limits.max_dense_cells {
            return Err(GridError::TooLarge(format!(
                "sheet '{sheet}' spans {} rows × {} columns, more than the {} cells an equipment list may have",
                self.rows, self.cols, limits.max_dense_cells
            )));
        }
        Ok(())
    }
}

/// An .xls is a BIFF record stream in a compound file. calamine reserves what each sheet's
/// DIMENSIONS record declares and lays the sheet out densely up to its farthest cell, so both are
/// checked record by record before calamine sees the file.
fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), GridError> {
    let unreadable = |e: std::io::Error| GridError::Unreadable(e.to_string());
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(unreadable)?;
    let Some(stream) = ["/Workbook", "/Book"].into_iter().find(|s| file.is_stream(s)) else {
        return Err(GridError::Unreadable("the compound file has no Workbook stream".into()));
    };
    let mut data = Vec::new();
    file.open_stream(stream)
        .map_err(unreadable)?
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    let u16_at = |b: &[u8], i: usize| {
        b.get(i..i + 2)
            .map_or(0, |x| u64::from(u16::from_le_bytes([x[0], x[1]])))
    };
    let u32_at = |b: &[u8], i: usize| {
        b.get(i..i + 4)
            .map_or(0, |x| u64::from(u32::from_le_bytes([x[0], x[1], x[2], x[3]])))
    };
    let (mut sheet, mut extent, mut pos) = (0usize, Extent::default(), 0usize);
    while pos + 4 <= data.len() {
        let typ = u16_at(&data, pos);
        let len = u16_at(&data, pos + 2) as usize;
        let body = &data[pos + 4..(pos + 4 + len).min(data.len())];
        let name = || format!("sheet {sheet}");
        match typ {
            // BOF: a new substream (the globals, then each sheet).
            0x0809 => {
                extent.check(&name(), limits)?;
                sheet += 1;
                extent = Extent::default();
            }
            // DIMENSIONS (BIFF8: first row, last row + 1 as u32; first col, last col + 1 as u16).
            0x0200 if body.len() >= 14 => {
                let (rows, cols) = (
                    u32_at(body, 4).saturating_sub(u32_at(body, 0)),
                    u16_at(body, 10).saturating_sub(u16_at(body, 8)),
                );
                let mut declared = Extent::default();
                declared.cover(rows, cols);
                declared.check(&name(), limits)?;
            }
            0x0200 if body.len() >= 10 => {
                let (rows, cols) = (
                    u16_at(body, 2).saturating_sub(u16_at(body, 0)),
                    u16_at(body, 6).saturating_sub(u16_at(body, 4)),
                );
                let mut declared = Extent::default();
                declared.cover(rows, cols);
                declared.check(&name(), limits)?;
            }
            // MULRK: row, first column, ..., last column in its last two bytes.
            0x00BD if body.len() >= 6 => extent.cover(u16_at(body, 0) + 1, u16_at(body, body.len() - 2) + 1),
            // Cells: NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST, FORMULA start with row and column.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if body.len() >= 4 => {
                extent.cover(u16_at(body, 0) + 1, u16_at(body, 2) + 1);
            }
            _ => {}
        }
        pos += 4 + len;
    }
    extent.check(&format!("sheet {sheet}"), limits)
}

/// An .ods says how often a row or cell repeats, and calamine expands the repeats; a few bytes
/// can ask for millions of cells. content.xml is read as a stream and the extent of the non-empty
/// cells checked before calamine sees the file.
fn check_ods(bytes: &[u8], limits: &Limits) -> Result<(), GridError> {
    use quick_xml::events::{BytesStart, Event};
    let unreadable = |e: &dyn std::fmt::Display| GridError::Unreadable(e.to_string());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(()); // not an OpenDocument file; calamine says what it is not
    };
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    let repeats = |e: &BytesStart<'_>, attr: &[u8]| -> u64 {
        e.try_get_attribute(attr)
            .ok()
            .flatten()
            .and_then(|a| std::str::from_utf8(&a.value).ok().and_then(|v| v.trim().parse().ok()))
            .unwrap_or(1)
    };
    let (mut sheet, mut extent) = (String::new(), Extent::default());
    let (mut row, mut row_repeats, mut col, mut row_end_col) = (0u64, 1u64, 0u64, 0u64);
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| unreadable(&e))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty_element = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    b"table:table" => {
                        extent.check(&sheet, limits)?;
                        sheet = e
                            .try_get_attribute("table:name")
                            .ok()
                            .flatten()
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .unwrap_or_default();
                        (extent, row) = (Extent::default(), 0);
                    }
                    b"table:table-row" => {
                        (row_repeats, col, row_end_col) = (repeats(e, b"table:number-rows-repeated"), 0, 0);
                        if empty_element {
                            row = row.saturating_add(row_repeats);
                        }
                    }
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        let n = repeats(e, b"table:number-columns-repeated");
                        let has_value =
                            !empty_element || e.try_get_attribute("office:value-type").ok().flatten().is_some();
                        col = col.saturating_add(n);
                        if has_value {
                            row_end_col = col;
                        }
                    }
                    _ => {}
                }
            }
            Event::End(e) if e.name().as_ref() == b"table:table-row" => {
                if row_end_col > 0 {
                    extent.cover(row.saturating_add(row_repeats), row_end_col);
                    extent.check(&sheet, limits)?;
                }
                row = row.saturating_add(row_repeats);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    extent.check(&sheet, limits)
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

/// Reads an .xlsx sheet cell by cell, handing on each row as it completes: the declared
/// dimensions are checked before the first cell and each cell's position as it comes, so a tiny
/// file naming cell XFD1048576 cannot make us allocate the rectangle up to it.
fn xlsx_rows(
    xlsx: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
    limits: &Limits,
    each: &mut dyn FnMut(usize, &[Cell<'_>]) -> ControlFlow<()>,
) -> Result<(), GridError> {
    let unreadable = |e: calamine::XlsxError| GridError::Unreadable(e.to_string());
    let mut reader = xlsx.worksheet_cells_reader(sheet).map_err(unreadable)?;
    let dims = reader.dimensions();
    check_extent(u64::from(dims.end.0) + 1, u64::from(dims.end.1) + 1, sheet, limits)?;
    let mut row: Vec<Cell<'_>> = Vec::new();
    let mut row_index: Option<u32> = None;
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        check_extent(u64::from(r) + 1, u64::from(c) + 1, sheet, limits)?;
        let value = cell_of_ref(cell.get_value());
        if value.is_empty() {
            continue;
        }
        let (r_us, c) = (r as usize, c as usize);
        check_cell(&value, sheet, r_us, c, limits)?;
        if row_index != Some(r) {
            if let Some(done) = row_index
                && each(done as usize, &row).is_break()
            {
                return Ok(());
            }
            row.clear();
            row_index = Some(r);
        }
        if row.len() <= c {
            row.resize(c + 1, Cell::Empty);
        }
        row[c] = value;
    }
    if let Some(done) = row_index {
        let _ = each(done as usize, &row);
    }
    Ok(())
}

fn cell_of_ref<'a>(d: &DataRef<'a>) -> Cell<'a> {
    match d {
        DataRef::Empty | DataRef::Error(_) => Cell::Empty,
        DataRef::String(s) => Cell::Text(Cow::Owned(s.clone())),
        DataRef::SharedString(s) => Cell::Text(Cow::Borrowed(s)),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Bool(b) => Cell::Text(Cow::Owned(b.to_string())),
        DataRef::DateTime(dt) => dt.as_datetime().map_or(Cell::Number(dt.as_f64()), Cell::Date),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(Cow::Owned(s.clone())),
    }
}

fn cell_of(d: &Data) -> Cell<'static> {
    match d {
        Data::Empty | Data::Error(_) => Cell::Empty,
        Data::String(s) => Cell::Text(Cow::Owned(s.clone())),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Text(Cow::Owned(b.to_string())),
        Data::DateTime(dt) => dt.as_datetime().map_or(Cell::Number(dt.as_f64()), Cell::Date),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(Cow::Owned(s.clone())),
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
                        Cell::Text(Cow::Owned(f.to_string()))
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
    use super::*;

    use jiaofu_tests::files::{TWO_CELLS, xlsx};

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

#[cfg(test)]
mod dense_formats {
    use super::*;
    use jiaofu_tests::files::{dated_workbook, ods, ods_row, xls_with_dimensions};

    #[test]
    fn an_ods_that_repeats_a_value_across_millions_of_cells_is_refused_before_expanding() {
        let header = ods_row(&["设备名称", "数量"]);
        let bomb = format!(
            r#"{header}<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="100" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>"#
        );
        let err = read_workbook(&ods(&bomb), "t.ods").expect_err("bomb");
        assert!(
            matches!(err, GridError::TooLarge(ref m) if m.contains("spans 1000001 rows × 100 columns")),
            "{err}"
        );
        let wide = format!(
            r#"{header}<table:table-row><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#
        );
        assert!(matches!(
            read_workbook(&ods(&wide), "t.ods"),
            Err(GridError::TooLarge(_))
        ));
    }

    #[test]
    fn an_ods_with_the_empty_repeats_libreoffice_writes_reads() {
        // LibreOffice pads every row to column AMJ and the sheet to row 1048576 with empty repeats.
        let rows = format!(
            r#"{}{}<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#,
            ods_row(&["设备名称", "数量"]),
            ods_row(&["核心交换机", "2"]).replace(
                "</table:table-row>",
                r#"<table:table-cell table:number-columns-repeated="1022"/></table:table-row>"#
            ),
        );
        let sheets = read_workbook(&ods(&rows), "t.ods").expect("reads");
        assert_eq!(sheets[0].cell(1, 0).text(), "核心交换机");
    }

    #[test]
    fn an_xls_declaring_a_huge_sheet_is_refused_before_calamine_reserves_it() {
        let xls = jiaofu_tests::fixture("courtroom-contract-list.xls");
        assert!(read_workbook(&xls, "t.xls").is_ok(), "the fixture itself reads");
        let declared = xls_with_dimensions(xls.clone(), |d| d[1] = 4_000_000_000);
        let err = read_workbook(&declared, "t.xls").expect_err("declared");
        assert!(
            matches!(err, GridError::TooLarge(ref m) if m.contains("4000000000 rows")),
            "{err}"
        );
        let wide = xls_with_dimensions(xls, |d| d[3] = 256);
        assert!(matches!(read_workbook(&wide, "t.xls"), Err(GridError::TooLarge(_))));
    }

    #[test]
    fn dates_made_by_excel_read_in_both_date_systems() {
        for date_1904 in [false, true] {
            let sheets = read_workbook(&dated_workbook(date_1904), "到货计划.xlsx").expect("reads");
            let dates: Vec<String> = (1..=3)
                .map(|r| sheets[0].cell(r, 5).date().map(|d| d.to_string()).unwrap_or_default())
                .collect();
            assert_eq!(dates, ["2026-03-12", "2026-03-14", "2026-03-16"], "1904: {date_1904}");
        }
        // A column of bare serial numbers (1900 system) is read as dates too.
        let sheets = read_workbook(&dated_workbook(false), "到货计划.xlsx").expect("reads");
        assert_eq!(sheets[0].cell(1, 6), &Cell::Number(46093.0));
        assert_eq!(
            sheets[0].cell(1, 6).date().map(|d| d.to_string()).as_deref(),
            Some("2026-03-12")
        );
    }
}
