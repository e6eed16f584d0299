//! Finding the header of an equipment list and turning its rows into items, with every problem
//! pinned to sheet, row and column.
use std::ops::ControlFlow;

use super::grid::{Cell, Workbook, column_name};

/// The columns an equipment list may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Seq,
    Name,
    Brand,
    Model,
    Spec,
    Quantity,
    Unit,
    UnitPrice,
    Amount,
    Origin,
    Warranty,
    Remark,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::Seq,
        Field::Name,
        Field::Brand,
        Field::Model,
        Field::Spec,
        Field::Quantity,
        Field::Unit,
        Field::UnitPrice,
        Field::Amount,
        Field::Origin,
        Field::Warranty,
        Field::Remark,
    ];

    /// The name used in the API (`mapping` keys).
    pub fn key(self) -> &'static str {
        match self {
            Field::Seq => "seq",
            Field::Name => "name",
            Field::Brand => "brand",
            Field::Model => "model",
            Field::Spec => "spec",
            Field::Quantity => "quantity",
            Field::Unit => "unit",
            Field::UnitPrice => "unit_price",
            Field::Amount => "amount",
            Field::Origin => "origin",
            Field::Warranty => "warranty",
            Field::Remark => "remark",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// The Chinese label, as on the forms and in problem messages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Field::Seq => "序号",
            Field::Name => "设备名称",
            Field::Brand => "品牌",
            Field::Model => "型号",
            Field::Spec => "规格参数",
            Field::Quantity => "数量",
            Field::Unit => "单位",
            Field::UnitPrice => "单价",
            Field::Amount => "金额",
            Field::Origin => "产地",
            Field::Warranty => "质保期",
            Field::Remark => "备注",
        }
    }

    /// Header texts that mean this column, normalised (see [`normalise_header`]).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::Seq => &["序号", "no", "编号", "itemno", "序"],
            Field::Name => &[
                "设备名称",
                "产品名称",
                "名称",
                "item",
                "货物名称",
                "设备及材料名称",
                "品名",
                "description",
            ],
            Field::Brand => &["品牌", "厂商", "brand", "生产厂家", "制造商", "厂家"],
            Field::Model => &["型号", "规格型号", "model", "产品型号", "型号规格"],
            Field::Spec => &[
                "规格参数",
                "技术参数",
                "spec",
                "specification",
                "参数",
                "主要技术参数",
                "规格",
            ],
            Field::Quantity => &["数量", "订购数量", "qty", "quantity", "采购数量"],
            Field::Unit => &["单位", "unit"],
            Field::UnitPrice => &["单价", "price", "unitprice", "含税单价"],
            Field::Amount => &["金额", "合计", "amount", "总价", "小计", "合价", "total"],
            Field::Origin => &["产地", "origin"],
            Field::Warranty => &["质保期", "warranty", "保修期", "质保"],
            Field::Remark => &["备注", "remark", "remarks", "note", "notes"],
        }
    }
}

/// Lower case, no spaces or dots, no parenthesised units ("单价(元)" → "单价").
fn normalise_header(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '.' || c == ':' || c == '：' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn field_of_header(text: &str) -> Option<Field> {
    let h = normalise_header(text);
    if h.is_empty() {
        return None;
    }
    Field::ALL.into_iter().find(|f| f.synonyms().contains(&h.as_str()))
}

/// A problem in the file, pinned to where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub sheet: String,
    /// 1-based row of the sheet.
    pub row: u32,
    /// Column letters, when the problem is in one cell.
    pub column: Option<String>,
    pub field: Option<Field>,
    /// What is wrong and what to fix, e.g. "设备清单!F12 数量: '十' is not a number".
    pub message: String,
    /// The same for a page, in Chinese and without the place (shown on the cell), e.g. "数量「十」不是数字".
    pub message_zh: String,
}

/// One equipment line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedItem {
    /// 1-based row of the sheet.
    pub row: u32,
    /// From the category row above it (一、庭审录音录像系统 → 庭审录音录像系统).
    pub category: Option<String>,
    pub seq: Option<String>,
    pub name: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub spec: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub unit_price: Option<f64>,
    pub amount: Option<f64>,
    pub origin: Option<String>,
    pub warranty: Option<String>,
    pub remark: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedList {
    pub sheet: String,
    /// 1-based row of the header.
    pub header_row: u32,
    /// Which column (0-based) holds which field.
    pub columns: Vec<(Field, usize)>,
    /// The items, unless they were handed on as they were read ([`stream_list`]).
    pub items: Vec<ParsedItem>,
    /// How many items the list has, kept or handed on.
    pub item_count: usize,
    pub problems: Vec<Problem>,
    /// 小计 / 合计 rows left out.
    pub skipped_total_rows: u32,
}

/// How many of the first rows are searched for the header.
const HEADER_SEARCH_ROWS: usize = 30;

/// Which column (0-based) holds which field.
type Columns = Vec<(Field, usize)>;

/// The known columns a row names, each once (the first occurrence).
fn header_columns(row: &[Cell<'_>]) -> Vec<(Field, usize)> {
    let mut found: Vec<(Field, usize)> = Vec::new();
    for (col, cell) in row.iter().enumerate() {
        if let Cell::Text(t) = cell
            && let Some(f) = field_of_header(t)
            && !found.iter().any(|(g, _)| *g == f)
        {
            found.push((f, col));
        }
    }
    found
}

/// Finds the header of a sheet: the row among its first 30 naming the most known columns, at
/// least a name and a quantity (the first such row on a tie).
fn find_header(book: &mut Workbook<'_>, sheet: &str) -> Result<Option<(usize, Columns)>, String> {
    let mut best: Option<(usize, Columns)> = None;
    book.rows(sheet, |r, row| {
        if r >= HEADER_SEARCH_ROWS {
            return ControlFlow::Break(());
        }
        let cols = header_columns(row);
        let usable = cols.iter().any(|(f, _)| *f == Field::Name) && cols.iter().any(|(f, _)| *f == Field::Quantity);
        if usable && best.as_ref().is_none_or(|(_, b)| cols.len() > b.len()) {
            best = Some((r, cols));
        }
        ControlFlow::Continue(())
    })
    .map_err(|e| e.to_string())?;
    Ok(best)
}

/// Which columns hold which fields, as the person importing says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    pub columns: Vec<(Field, usize)>,
    /// The columns are the whole mapping: a detected column it does not name is not imported.
    /// Otherwise they override the detected ones.
    pub whole: bool,
}

/// Parses the list from the named sheet, or from the sheet whose header is found (the first best).
/// `mapping` overrides detected columns. Rows are read one at a time; only the items are kept.
pub fn parse_list(
    book: &mut Workbook<'_>,
    sheet_name: Option<&str>,
    mapping: &Mapping,
    exclude_rows: &[u32],
) -> Result<ParsedList, String> {
    read_list(book, sheet_name, mapping, exclude_rows, None)
}

/// What a streamed list's items are handed to, `chunk` at a time, with the list's sheet and
/// header; breaking stops the reading.
pub struct ItemSink<'s> {
    pub chunk: usize,
    pub take: &'s mut dyn FnMut(&ParsedList, Vec<ParsedItem>) -> ControlFlow<()>,
}

/// Parses the list like [`parse_list`], leaving out the 1-based rows in `exclude_rows`, and hands
/// its items to `sink` as they are read instead of keeping them — as long as no problem has been
/// found; from the first problem on they are dropped (the list will not be imported), while the
/// reading goes on to report every problem.
pub fn stream_list(
    book: &mut Workbook<'_>,
    sheet_name: Option<&str>,
    mapping: &Mapping,
    exclude_rows: &[u32],
    sink: ItemSink<'_>,
) -> Result<ParsedList, String> {
    read_list(book, sheet_name, mapping, exclude_rows, Some(sink))
}

fn read_list(
    book: &mut Workbook<'_>,
    sheet_name: Option<&str>,
    mapping: &Mapping,
    exclude_rows: &[u32],
    mut sink: Option<ItemSink<'_>>,
) -> Result<ParsedList, String> {
    let names = book.sheet_names();
    let candidates: Vec<&String> = match sheet_name {
        Some(name) => {
            let s = names
                .iter()
                .find(|s| *s == name)
                .ok_or_else(|| format!("sheet: no sheet '{name}' in the file (it has: {})", names.join(", ")))?;
            vec![s]
        }
        None => names.iter().collect(),
    };
    let mut best: Option<(&String, usize, Columns)> = None;
    for name in candidates {
        if let Some((row, cols)) = find_header(book, name)?
            && best.as_ref().is_none_or(|(_, _, b)| cols.len() > b.len())
        {
            best = Some((name, row, cols));
        }
    }
    let Some((sheet, header, mut columns)) = best else {
        return Err(
            "no header row found: the list needs a row naming at least 设备名称 (or 产品名称/名称/Item) and 数量 (or Qty) within its first 30 rows; give a column mapping otherwise"
                .into(),
        );
    };
    // A column the header names is not checked for emptiness when a whole mapping keeps it: the
    // person did not choose it, the header did.
    let detected = columns.clone();
    if mapping.whole {
        if !mapping.columns.iter().any(|(f, _)| *f == Field::Name) {
            return Err("mapping: name the column that holds 设备名称".into());
        }
        columns.clear();
    }
    for (field, col) in &mapping.columns {
        columns.retain(|(f, c)| f != field && c != col);
        columns.push((*field, *col));
    }
    columns.sort();
    let mut list = ListBuilder::new(sheet, header, columns);
    list.mapped = mapping
        .columns
        .iter()
        .filter(|m| !detected.contains(m))
        .map(|(f, c)| (*f, *c, false))
        .collect();
    book.rows(sheet, |r, row| {
        if r <= header || exclude_rows.contains(&(r as u32 + 1)) {
            return ControlFlow::Continue(());
        }
        list.row(r, row);
        match sink.as_mut() {
            Some(sink) if list.parsed.items.len() >= sink.chunk => list.hand_on(sink),
            _ => ControlFlow::Continue(()),
        }
    })
    .map_err(|e| e.to_string())?;
    if let Some(sink) = sink.as_mut() {
        let _ = list.hand_on(sink);
    }
    Ok(list.finish())
}

/// The items and problems of a list, built row by row below its header.
struct ListBuilder {
    parsed: ParsedList,
    category: Option<String>,
    /// The columns a mapping names, and whether any row below the header has a value there.
    mapped: Vec<(Field, usize, bool)>,
}

impl ListBuilder {
    fn new(sheet: &str, header: usize, columns: Vec<(Field, usize)>) -> Self {
        Self {
            parsed: ParsedList {
                sheet: sheet.to_string(),
                header_row: (header + 1) as u32,
                columns,
                items: Vec::new(),
                item_count: 0,
                problems: Vec::new(),
                skipped_total_rows: 0,
            },
            category: None,
            mapped: Vec::new(),
        }
    }

    /// The list, with a problem for each column a mapping named that holds nothing: a wrong column
    /// letter would otherwise import the field as empty without a word.
    fn finish(mut self) -> ParsedList {
        for (field, col, seen) in std::mem::take(&mut self.mapped) {
            if !seen {
                let sheet = self.parsed.sheet.clone();
                let letters = column_name(col);
                let row = self.parsed.header_row;
                self.parsed.problems.push(Problem {
                    message: format!(
                        "{sheet}!{letters}{row} mapping: {} is mapped to column {letters}, which is empty in every row below the header; check the column",
                        field.key()
                    ),
                    message_zh: format!(
                        "{letters} 列被指定为{}，但表头以下每一行都是空的，请检查列的对应",
                        field.label_zh()
                    ),
                    sheet,
                    row,
                    column: Some(letters),
                    field: Some(field),
                });
            }
        }
        self.parsed
    }

    /// Hands the items read so far to `sink`; once a problem is known they are dropped instead.
    fn hand_on(&mut self, sink: &mut ItemSink<'_>) -> ControlFlow<()> {
        let items = std::mem::take(&mut self.parsed.items);
        if items.is_empty() || !self.parsed.problems.is_empty() {
            return ControlFlow::Continue(());
        }
        (sink.take)(&self.parsed, items)
    }

    fn column(&self, f: Field) -> Option<usize> {
        self.parsed.columns.iter().find(|(g, _)| *g == f).map(|(_, c)| *c)
    }

    fn row(&mut self, r: usize, row: &[Cell<'_>]) {
        let cell = |c: usize| row.get(c).unwrap_or(&Cell::Empty);
        for (_, col, seen) in &mut self.mapped {
            *seen |= !cell(*col).is_empty();
        }
        let mut filled = row.iter().filter(|c| !c.is_empty());
        let Some(first) = filled.next() else { return };
        let second = filled.next();
        if second.is_none()
            && let Some(name) = category_title(first)
        {
            self.category = Some(name);
            return;
        }
        if is_total_row([Some(first), second]) {
            self.parsed.skipped_total_rows += 1;
            return;
        }
        let row_no = (r + 1) as u32;
        let text_at = |f: Field| self.column(f).map(|c| cell(c).text()).filter(|t| !t.is_empty());
        let Some(name) = text_at(Field::Name) else {
            let sheet = self.parsed.sheet.clone();
            let column = self.column(Field::Name).map(column_name);
            self.parsed.problems.push(Problem {
                message: format!(
                    "{sheet}!{}{row_no} 设备名称: the row has values but no equipment name",
                    column.as_deref().unwrap_or_default(),
                ),
                message_zh: "这一行有内容，但没有设备名称".into(),
                sheet,
                row: row_no,
                column,
                field: Some(Field::Name),
            });
            return;
        };
        let mut item = ParsedItem {
            row: row_no,
            category: self.category.clone(),
            seq: text_at(Field::Seq),
            name,
            brand: text_at(Field::Brand),
            model: text_at(Field::Model),
            spec: text_at(Field::Spec),
            unit: text_at(Field::Unit),
            origin: text_at(Field::Origin),
            warranty: text_at(Field::Warranty),
            remark: text_at(Field::Remark),
            ..ParsedItem::default()
        };
        for f in [Field::Quantity, Field::UnitPrice, Field::Amount] {
            let Some(c) = self.column(f) else { continue };
            let value = match parse_number(cell(c)) {
                Ok(None) => None,
                Ok(Some((n, suffix))) => {
                    if f == Field::Quantity && item.unit.is_none() {
                        item.unit = suffix;
                    }
                    Some(n)
                }
                Err(raw) => {
                    let sheet = self.parsed.sheet.clone();
                    self.parsed.problems.push(Problem {
                        sheet: sheet.clone(),
                        row: row_no,
                        column: Some(column_name(c)),
                        field: Some(f),
                        message: format!(
                            "{sheet}!{}{row_no} {}: '{raw}' is not a number",
                            column_name(c),
                            f.label_zh()
                        ),
                        message_zh: format!("{}「{raw}」不是数字", f.label_zh()),
                    });
                    None
                }
            };
            match f {
                Field::Quantity => item.quantity = value,
                Field::UnitPrice => item.unit_price = value,
                _ => item.amount = value,
            }
        }
        self.parsed.items.push(item);
        self.parsed.item_count += 1;
    }
}

/// 一、庭审录音录像系统 (alone on its row, or merged across it) → 庭审录音录像系统.
fn category_title(only: &Cell<'_>) -> Option<String> {
    let Cell::Text(t) = only else {
        return None;
    };
    let t = t.trim();
    let numeral_end = t
        .char_indices()
        .find(|(_, c)| !"一二三四五六七八九十百零".contains(*c))
        .map(|(i, _)| i)?;
    if numeral_end == 0 {
        return None;
    }
    let rest = &t[numeral_end..];
    let title = rest
        .strip_prefix('、')
        .or_else(|| rest.strip_prefix('.'))
        .or_else(|| rest.strip_prefix('．'))?;
    Some(title.trim().to_string())
}

/// A row whose first two values say 合计 / 小计 / 总计 / total.
fn is_total_row(first_two: [Option<&Cell<'_>>; 2]) -> bool {
    first_two.into_iter().flatten().any(|c| {
        // Every keyword ends in one of these letters: most rows are ruled out without normalising.
        let Cell::Text(t) = c else { return false };
        if !t.chars().any(|ch| matches!(ch, '计' | '价' | 'l' | 'L' | 'm' | 'M')) {
            return false;
        }
        let t = normalise_header(t);
        ["合计", "小计", "总计", "总价", "total", "subtotal", "sum"]
            .iter()
            .any(|k| t == *k || t.starts_with(k))
    })
}

/// A number from a cell: numbers as they are; text with full-width digits, thousands separators and
/// a unit glued on ("12台" → 12 and "台"). `Err` carries the text that is not a number.
fn parse_number(cell: &Cell<'_>) -> Result<Option<(f64, Option<String>)>, String> {
    let raw = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(n) => return Ok(Some((*n, None))),
        Cell::Date(d) => return Err(d.to_string()),
        Cell::Text(t) if t.trim().is_empty() => return Ok(None),
        Cell::Text(t) => t.trim().to_string(),
    };
    let ascii: String = raw
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '，' | ',' => '\u{0}',
            c => c,
        })
        .filter(|c| *c != '\u{0}' && !c.is_whitespace())
        .collect();
    let split = ascii
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(ascii.len());
    let (digits, suffix) = ascii.split_at(split);
    match digits.parse::<f64>() {
        Ok(n) if n.is_finite() && !digits.is_empty() => {
            let suffix = suffix.trim();
            let ok_suffix =
                suffix.is_empty() || suffix.chars().all(|c| !c.is_ascii_digit()) && suffix.chars().count() <= 4;
            if ok_suffix {
                Ok(Some((n, (!suffix.is_empty()).then(|| suffix.to_string()))))
            } else {
                Err(raw)
            }
        }
        _ => Err(raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::Sheet;

    fn parse_fixture(name: &str, sheet: Option<&str>) -> Result<ParsedList, String> {
        let bytes = jiaofu_tests::fixture(name);
        parse_list(
            &mut Workbook::open(&bytes, name).expect("readable"),
            sheet,
            &Mapping::default(),
            &[],
        )
    }

    fn assert_contract_list(list: &ParsedList) {
        assert_eq!(list.items.len(), 15, "{:?}", list.problems);
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        let mic = list.items.iter().find(|i| i.name == "全向麦克风").expect("microphone");
        assert_eq!(mic.quantity, Some(48.0), "a quantity stored as text");
        assert_eq!(mic.unit.as_deref(), Some("只"));
        let total: f64 = list.items.iter().filter_map(|i| i.quantity).sum();
        assert_eq!(
            total,
            6.0 + 24.0 + 12.0 + 48.0 + 6.0 + 12.0 + 36.0 + 6.0 + 2.0 + 8.0 + 1.0 + 72.0 + 20.0 + 6.0 + 1.0
        );
    }

    #[test]
    fn the_contract_list_xlsx_parses_with_categories_and_without_its_total() {
        let list = parse_fixture("courtroom-contract-list.xlsx", None).expect("parses");
        assert_eq!((list.sheet.as_str(), list.header_row), ("协议设备清单", 4));
        assert_contract_list(&list);
        assert_eq!(list.skipped_total_rows, 1);
        let categories: Vec<&str> = list
            .items
            .iter()
            .filter_map(|i| i.category.as_deref())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(
            categories,
            ["庭审录音录像系统", "庭审显示系统", "网络及存储", "辅材及服务"]
        );
        let host = &list.items[0];
        assert_eq!(
            (host.brand.as_deref(), host.model.as_deref()),
            (Some("科达"), Some("KDV-TR8000"))
        );
        assert_eq!((host.unit_price, host.amount), (Some(38500.0), Some(231000.0)));
        assert_eq!(list.items[14].category.as_deref(), Some("辅材及服务"));
    }

    #[test]
    fn the_same_list_saved_as_xls_ods_and_gbk_csv_parses_alike() {
        for name in [
            "courtroom-contract-list.xls",
            "courtroom-contract-list.ods",
            "courtroom-contract-list-gbk.csv",
        ] {
            let list = parse_fixture(name, None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_contract_list(&list);
        }
    }

    #[test]
    fn the_purchase_order_is_found_past_its_notes_sheet_under_other_header_names() {
        let list = parse_fixture("courtroom-purchase-order.xlsx", None).expect("parses");
        assert_eq!((list.sheet.as_str(), list.header_row), ("设备订购单", 2));
        assert_eq!(list.items.len(), 15);
        let mic = list.items.iter().find(|i| i.name == "全向麦克风").expect("microphone");
        assert_eq!(mic.quantity, Some(44.0));
        assert_eq!(mic.model.as_deref(), Some("ES947"));
        assert_eq!(mic.spec.as_deref(), Some("心形指向, 幻象供电"));
        assert!(list.items.iter().any(|i| i.name == "UPS 不间断电源"));
    }

    #[test]
    fn a_named_sheet_that_does_not_exist_lists_the_sheets() {
        let err = parse_fixture("courtroom-purchase-order.xlsx", Some("清单")).expect_err("no sheet");
        assert!(err.contains("说明") && err.contains("设备订购单"), "{err}");
    }

    fn sheet(rows: &[&[&str]]) -> Workbook<'static> {
        Workbook::from_sheets(vec![Sheet {
            name: "设备清单".into(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| {
                            if c.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(c.to_string().into())
                            }
                        })
                        .collect()
                })
                .collect(),
        }])
    }

    #[test]
    fn a_streamed_list_hands_on_its_items_in_chunks_until_a_problem_is_found() {
        let rows: Vec<Vec<String>> = std::iter::once(vec!["设备名称".to_string(), "数量".to_string()])
            .chain((1..=7).map(|n| vec![format!("交换机 {n}"), n.to_string()]))
            .collect();
        let stream = |rows: &[Vec<String>], exclude: &[u32]| {
            let table: Vec<Vec<&str>> = rows.iter().map(|r| r.iter().map(String::as_str).collect()).collect();
            let table: Vec<&[&str]> = table.iter().map(Vec::as_slice).collect();
            let mut chunks: Vec<Vec<u32>> = Vec::new();
            let mut take = |_: &ParsedList, items: Vec<ParsedItem>| {
                chunks.push(items.iter().map(|i| i.row).collect());
                ControlFlow::Continue(())
            };
            let list = stream_list(
                &mut sheet(&table),
                None,
                &Mapping::default(),
                exclude,
                ItemSink {
                    chunk: 3,
                    take: &mut take,
                },
            )
            .expect("parses");
            (list, chunks)
        };
        let (list, chunks) = stream(&rows, &[3]);
        assert_eq!(
            chunks,
            [vec![2, 4, 5], vec![6, 7, 8]],
            "row 3 left out, three at a time"
        );
        assert!(list.items.is_empty());
        assert_eq!(list.item_count, 6);

        let mut broken = rows.clone();
        broken[5][1] = "五台半".into();
        let (list, chunks) = stream(&broken, &[]);
        assert_eq!(chunks, [vec![2, 3, 4]], "nothing after the problem on row 6");
        assert_eq!(list.problems.len(), 1);
    }

    #[test]
    fn quantities_in_full_width_digits_or_with_a_unit_glued_on_parse_and_words_do_not() {
        let list = parse_list(
            &mut sheet(&[
                &["No.", "Item", "Brand", "Model", "Qty", "Unit"],
                &["1", "交换机", "华为", "S5735", "１２", "台"],
                &["2", "网线", "安普", "6-219590-2", "20箱", ""],
                &["3", "硬盘", "希捷", "ST8000", "十", "块"],
                &["", "小计", "", "", "", ""],
            ]),
            None,
            &Mapping::default(),
            &[],
        )
        .expect("parses");
        assert_eq!(list.items[0].quantity, Some(12.0));
        assert_eq!(
            (list.items[1].quantity, list.items[1].unit.as_deref()),
            (Some(20.0), Some("箱"))
        );
        assert_eq!(list.items[2].quantity, None);
        assert_eq!(list.problems.len(), 1);
        assert_eq!(list.problems[0].message, "设备清单!E4 数量: '十' is not a number");
        assert_eq!(list.skipped_total_rows, 1);
    }

    #[test]
    fn a_mapping_overrides_the_detected_columns() {
        let rows: &[&[&str]] = &[&["名称", "数量", "说明"], &["交换机", "2", "S5735"]];
        let list = parse_list(&mut sheet(rows), None, &overriding(&[(Field::Model, 2)]), &[]).expect("parses");
        assert_eq!(list.items[0].model.as_deref(), Some("S5735"));
    }

    #[test]
    fn a_mapping_to_an_empty_column_is_a_problem_that_names_it() {
        let rows: &[&[&str]] = &[&["名称", "数量", "说明"], &["交换机", "2", "S5735"]];
        let list = parse_list(&mut sheet(rows), None, &overriding(&[(Field::Model, 4)]), &[]).expect("parses");
        assert_eq!(list.problems.len(), 1, "{:?}", list.problems);
        let p = &list.problems[0];
        assert_eq!(
            (p.row, p.column.as_deref(), p.field),
            (1, Some("E"), Some(Field::Model))
        );
        assert!(p.message.contains("model is mapped to column E"), "{}", p.message);
    }

    fn overriding(columns: &[(Field, usize)]) -> Mapping {
        Mapping {
            columns: columns.to_vec(),
            whole: false,
        }
    }

    #[test]
    fn a_whole_mapping_imports_only_the_columns_it_names() {
        let rows: &[&[&str]] = &[&["名称", "数量", "型号"], &["交换机", "2", "S5735"]];
        let whole = Mapping {
            columns: vec![(Field::Name, 0), (Field::Quantity, 1)],
            whole: true,
        };
        let list = parse_list(&mut sheet(rows), None, &whole, &[]).expect("parses");
        assert_eq!(list.items[0].model, None, "型号 was detected but left out");
        assert_eq!(list.items[0].quantity, Some(2.0));
        let nameless = Mapping {
            columns: vec![(Field::Quantity, 1)],
            whole: true,
        };
        let refused = parse_list(&mut sheet(rows), None, &nameless, &[]).expect_err("no name column");
        assert!(refused.contains("设备名称"), "{refused}");
    }
}

impl From<&ParsedItem> for crate::domain::reconcile::Line {
    fn from(i: &ParsedItem) -> Self {
        Self {
            name: i.name.clone(),
            brand: i.brand.clone(),
            model: i.model.clone(),
            spec: i.spec.clone(),
            quantity: i.quantity,
            unit: i.unit.clone(),
        }
    }
}

#[cfg(test)]
mod reconcile_fixtures {
    use crate::{
        domain::reconcile::{DifferenceKind, Line, reconcile},
        import::{Workbook, parse_list},
    };

    fn lines(name: &str) -> Vec<Line> {
        let bytes = jiaofu_tests::fixture(name);
        let list = parse_list(
            &mut Workbook::open(&bytes, name).expect("readable"),
            None,
            &crate::import::Mapping::default(),
            &[],
        )
        .expect("parses");
        list.items.iter().map(Line::from).collect()
    }

    #[test]
    fn the_purchase_order_differs_from_the_contract_list_exactly_where_the_files_do() {
        let diffs = reconcile(
            &lines("courtroom-contract-list.xlsx"),
            &lines("courtroom-purchase-order.xlsx"),
        );
        let found: Vec<(DifferenceKind, String, String)> = diffs
            .into_iter()
            .map(|d| {
                (
                    d.kind,
                    d.contract_value.unwrap_or_default(),
                    d.order_value.unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (DifferenceKind::Quantity, "48".into(), "44".into()),
                (DifferenceKind::Missing, "高清矩阵".into(), String::new()),
                (DifferenceKind::Model, "S5735-L48T4X-A1".into(), "S5735-L48T4X-A".into()),
                (DifferenceKind::Extra, String::new(), "UPS 不间断电源".into()),
            ]
        );
    }
}
