//! The form engine: a form is a title, a few facts for its header and footer, and a list of
//! blocks; [`render`] lays it out as an A4 .docx with docx-rs the way a document controller
//! would by hand: letterhead, fixed-layout tables whose header rows repeat on every page, rows
//! that never split, signature blocks kept with what they sign, the East Asian font on every run.
use docx_rs::{
    AlignmentType, BreakType, Docx, FieldCharType, Footer, Header, HeightRule, InstrNUMPAGES, InstrPAGE, InstrText,
    LineSpacing, LineSpacingType, PageMargin, PageOrientationType, Paragraph, Pic, Run, RunFonts, Shading, Tab,
    TabValueType, Table, TableBorder, TableBorderPosition, TableBorders, TableCell, TableLayoutType, TableRow,
    VAlignType, WidthType,
};

use super::labels::{Label, Lang};

/// Who we are, printed at the top of every page (from configuration).
#[derive(Debug, Clone, Default)]
pub struct Letterhead {
    pub company: String,
    pub address: String,
    pub phone: String,
    /// A PNG, printed before the company name.
    pub logo_png: Option<Vec<u8>>,
}

/// Fonts: East Asian for body text and titles, and one Latin font for both.
#[derive(Debug, Clone)]
pub struct Fonts {
    pub body: String,
    pub title: String,
    pub latin: String,
}

impl Default for Fonts {
    fn default() -> Self {
        Self {
            body: "宋体".into(),
            title: "黑体".into(),
            latin: "Times New Roman".into(),
        }
    }
}

/// The house style every form is printed in.
#[derive(Debug, Clone, Default)]
pub struct House {
    pub letterhead: Letterhead,
    pub fonts: Fonts,
    pub lang: Lang,
    /// Where a verification code is checked, the code appended: `https://…/verify/`.
    pub verify_url: String,
    /// The company settings not filled in (`name`, `address`, `phone`, `logo`): drafts print
    /// without them, and no form is issued until they are.
    pub unset: Vec<&'static str>,
}

/// What the header and footer say about the document.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub title: String,
    /// Register number, e.g. ZJFY-2026-018-JY-01; `None` while the document is a draft.
    pub number: Option<String>,
    pub version: i32,
    /// Short code checked at /verify/{code}.
    pub verify_code: Option<String>,
    pub landscape: bool,
    /// Printed with 草稿 across every page.
    pub draft: bool,
    /// When the file was made (issued, or a draft printed): the document's created date.
    pub made_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The form's date as the site reads it (`YYYY-MM-DD`), printed with its number.
    pub dated: Option<String>,
}

/// A column of a table: its heading, its share of the text width, and whether it holds
/// figures (set right-aligned, so that units line up under units).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    pub label: String,
    pub weight: u32,
    pub figures: bool,
}

impl Column {
    pub fn new(label: impl Into<String>, weight: u32) -> Self {
        Self {
            label: label.into(),
            weight,
            figures: false,
        }
    }

    /// A column of amounts or quantities.
    pub fn figures(self) -> Self {
        Self { figures: true, ..self }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub enum Row {
    Cells(Vec<String>),
    /// A row across the whole table: a category (一、…) or a total.
    Span(String),
}

/// A party's signature block: who signs, and the lines to sign on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Party {
    /// 甲方 / 乙方 (or a role such as 接收单位).
    pub side: String,
    /// The organisation or person.
    pub name: String,
    /// Filled in when signed electronically (name, date), else blank lines.
    pub signed_by: Option<String>,
    pub signed_on: Option<String>,
    pub seal: bool,
    /// Lines printed under the name, such as the party's engineers.
    pub details: Vec<String>,
    /// The electronic signature's verification code, printed under the date.
    pub verify_code: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub enum Block {
    Heading(String),
    /// A heading that starts a new printed page.
    PageHeading(String),
    Paragraph(String),
    /// Label/value pairs, two pairs to a row.
    Fields(Vec<(String, String)>),
    Table {
        columns: Vec<Column>,
        rows: Vec<Row>,
    },
    /// Kept on the same page as the block before it.
    Signatures(Vec<Party>),
    /// A labelled box left empty for the signatories to write in (验收意见, 遗留问题).
    WriteIn(String),
    PageBreak,
    /// Photos two to a row, each with its caption under it.
    Photos(Vec<Picture>),
    /// A planned-against-actual chart across the text width, its caption under it.
    Chart {
        chart: super::chart::ScheduleChart,
        caption: String,
    },
}

/// A photo a form prints. Its bytes (a JPEG) are handed to [`render`] in [`Form::pictures`] by
/// their SHA-256, so a form's data stays small and its hash still changes with the photo.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Picture {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    /// What it shows: the record it belongs to, its caption, the day.
    pub caption: String,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub meta: Meta,
    pub blocks: Vec<Block>,
    /// The JPEG of every [`Picture`] in the blocks, by its SHA-256.
    pub pictures: std::collections::HashMap<String, Vec<u8>>,
}

const A4: (u32, u32) = (11906, 16838);
const MARGIN: u32 = 1134; // 2 cm
const BODY_SIZE: usize = 21; // 10.5 pt (五号), in half-points
const SMALL_SIZE: usize = 18; // 9 pt (小五)
const TITLE_SIZE: usize = 36; // 18 pt (小二)

struct Pen<'a> {
    fonts: &'a Fonts,
}

impl Pen<'_> {
    fn body(&self) -> RunFonts {
        RunFonts::new()
            .east_asia(&self.fonts.body)
            .ascii(&self.fonts.latin)
            .hi_ansi(&self.fonts.latin)
            .cs(&self.fonts.latin)
    }

    fn title(&self) -> RunFonts {
        RunFonts::new()
            .east_asia(&self.fonts.title)
            .ascii(&self.fonts.latin)
            .hi_ansi(&self.fonts.latin)
            .cs(&self.fonts.latin)
    }

    fn run(&self, text: &str, size: usize) -> Run {
        text_run(text).fonts(self.body()).size(size)
    }

    fn bold(&self, text: &str, size: usize) -> Run {
        text_run(text).fonts(self.title()).size(size).bold()
    }

    fn field(&self, instr: InstrText) -> Run {
        Run::new()
            .fonts(self.body())
            .size(SMALL_SIZE)
            .add_field_char(FieldCharType::Begin, true)
            .add_instr_text(instr)
            .add_field_char(FieldCharType::Separate, false)
            .add_text("1")
            .add_field_char(FieldCharType::End, false)
    }

    fn cell(&self, text: &str, width: u32, bold: bool) -> TableCell {
        self.aligned_cell(text, width, bold, AlignmentType::Left)
    }

    fn aligned_cell(&self, text: &str, width: u32, bold: bool, align: AlignmentType) -> TableCell {
        let mut p = Paragraph::new().align(align);
        for (i, line) in text.split('\n').enumerate() {
            let mut run = if bold {
                self.bold(line, SMALL_SIZE)
            } else {
                self.run(line, SMALL_SIZE)
            };
            if i > 0 {
                run =
                    with_text(Run::new().fonts(self.body()).add_break(BreakType::TextWrapping), line).size(SMALL_SIZE);
                if bold {
                    run = run.bold();
                }
            }
            p = p.add_run(run);
        }
        TableCell::new()
            .add_paragraph(p)
            .width(width as usize, WidthType::Dxa)
            .vertical_align(VAlignType::Center)
    }
}

/// Each party's cell of a sign-and-stamp block is at least this tall, in twips (45 mm): room for
/// a hand signature and a 公章 of 40–42 mm.
pub const SEAL_HEIGHT: u32 = 2565;
/// A box to write 验收意见 or 遗留问题 in by hand (30 mm).
const WRITE_IN_HEIGHT: u32 = 1701;

/// The parties' block at the foot of a form: per party a boxed cell at least [`SEAL_HEIGHT`]
/// tall, its name printed, 签字 and 日期 lines left blank for the pen (or the electronic
/// signature where there is one) and （盖章） at the cell's foot where the seal goes. One row that
/// never splits; the rows before it keep with it (see [`keep`]).
fn sign_and_stamp(pen: &Pen<'_>, lang: Lang, parties: &[Party], text_width: u32) -> Table {
    let w = widths(
        &parties.iter().map(|_| Column::new("", 1)).collect::<Vec<_>>(),
        text_width,
    );
    let line = |label: Label, value: Option<&String>, blank: &str| match value {
        Some(v) => format!("{}：{v}", label.text(lang)),
        None => format!("{}：{blank}", label.text(lang)),
    };
    let cells = parties
        .iter()
        .zip(&w)
        .map(|(p, w)| {
            let mut lines = vec![format!("{}：{}", p.side, p.name)];
            lines.extend(p.details.iter().cloned());
            lines.push(line(Label::Signature, p.signed_by.as_ref(), "＿＿＿＿＿＿＿＿＿＿"));
            lines.push(line(Label::Date, p.signed_on.as_ref(), Label::BlankDate.text(lang)));
            if let Some(code) = &p.verify_code {
                lines.push(format!("{}：{code}", Label::VerifyCode.text(lang)));
            }
            let mut cell = TableCell::new()
                .width(*w as usize, WidthType::Dxa)
                .vertical_align(VAlignType::Top);
            for l in &lines {
                cell = cell.add_paragraph(
                    Paragraph::new()
                        .keep_next(true)
                        .keep_lines(true)
                        .line_spacing(LineSpacing::new().before(60))
                        .add_run(pen.run(l, BODY_SIZE)),
                );
            }
            if p.seal {
                // Low in the cell, where the seal is pressed over the name and date.
                cell = cell.add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Right)
                        .line_spacing(LineSpacing::new().before(SEAL_GAP))
                        .add_run(pen.run(&format!("（{}）", Label::Seal.text(lang)), BODY_SIZE)),
                );
            }
            cell
        })
        .collect();
    let row = TableRow::new(cells)
        .cant_split()
        .row_height(SEAL_HEIGHT as f32)
        .height_rule(HeightRule::AtLeast);
    fixed_table(vec![row], &w)
}

/// A box the width of the text to write `label` in by hand.
fn write_in(pen: &Pen<'_>, label: &str, text_width: u32, keep_with_next: bool) -> Table {
    let cell = TableCell::new()
        .width(text_width as usize, WidthType::Dxa)
        .add_paragraph(Paragraph::new().add_run(pen.run(&format!("{label}："), BODY_SIZE)));
    let row = TableRow::new(vec![cell])
        .cant_split()
        .row_height(WRITE_IN_HEIGHT as f32)
        .height_rule(HeightRule::AtLeast);
    fixed_table(vec![keep(row, keep_with_next)], &[text_width])
}

/// A table with more rows than this may run over a page: its signed tail is nested in one row.
const LONG_TABLE_ROWS: usize = 20;

/// The blocks after the table at `table` that sign it (notes and write-in boxes, then the
/// signatures), when the chain ends in signatures.
fn signed_tail(blocks: &[Block], table: usize) -> Option<std::ops::RangeInclusive<usize>> {
    for (k, block) in blocks.iter().enumerate().skip(table + 1) {
        match block {
            Block::Paragraph(_) | Block::WriteIn(_) => continue,
            Block::Signatures(_) => return Some(table + 1..=k),
            _ => return None,
        }
    }
    None
}

/// Space above （盖章）, in twips (14 mm).
const SEAL_GAP: u32 = 794;

/// Checks that every XML part of a .docx parses, so a broken file is never registered as issued.
pub fn check_well_formed(docx: &[u8]) -> Result<(), String> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).map_err(|e| format!("not a zip: {e}"))?;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|e| format!("part {i}: {e}"))?;
        let name = part.name().map_err(|e| format!("part {i}: {e}"))?.to_string();
        if !(name.ends_with(".xml") || name.ends_with(".rels")) {
            continue;
        }
        let mut xml = Vec::new();
        part.read_to_end(&mut xml).map_err(|e| format!("{name}: {e}"))?;
        let text = std::str::from_utf8(&xml).map_err(|e| format!("{name}: not UTF-8: {e}"))?;
        if let Some(c) = text.chars().find(|c| !crate::domain::text::is_xml_char(*c)) {
            return Err(format!("{name}: holds U+{:04X}, which XML forbids", u32::from(c)));
        }
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => {
                    return Err(format!(
                        "{name}: not well-formed at byte {}: {e}",
                        reader.buffer_position()
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Where text enters a run: characters XML 1.0 forbids are left out, so whatever was stored, the
/// file stays well-formed (one such character makes Word refuse the whole document).
fn with_text(run: Run, text: &str) -> Run {
    run.add_text(crate::domain::text::xml_safe(text))
}

fn text_run(text: &str) -> Run {
    with_text(Run::new(), text)
}

/// Column widths in twips from weights, summing exactly to `total`.
fn widths(columns: &[Column], total: u32) -> Vec<u32> {
    let sum: u32 = columns.iter().map(|c| c.weight.max(1)).sum::<u32>().max(1);
    let mut out: Vec<u32> = columns.iter().map(|c| total * c.weight.max(1) / sum).collect();
    let used: u32 = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - used;
    }
    out
}

fn fixed_table(rows: Vec<TableRow>, widths: &[u32]) -> Table {
    // Half-point lines (docx-rs draws quarter points by default: too faint on paper).
    let mut borders = TableBorders::new();
    for position in [
        TableBorderPosition::Top,
        TableBorderPosition::Left,
        TableBorderPosition::Bottom,
        TableBorderPosition::Right,
        TableBorderPosition::InsideH,
        TableBorderPosition::InsideV,
    ] {
        borders = borders.set(TableBorder::new(position).size(4));
    }
    Table::new(rows)
        .set_borders(borders)
        .set_grid(widths.iter().map(|w| *w as usize).collect())
        .layout(TableLayoutType::Fixed)
        .width(widths.iter().sum::<u32>() as usize, WidthType::Dxa)
}

/// Renders `form` as a .docx.
pub fn render(form: &Form, house: &House) -> Result<Vec<u8>, std::io::Error> {
    let pen = Pen { fonts: &house.fonts };
    let lang = house.lang;
    let meta = &form.meta;
    let (page_w, page_h) = if meta.landscape { (A4.1, A4.0) } else { A4 };
    let text_width = page_w - 2 * MARGIN;

    let mut doc = Docx::new()
        .page_size(page_w, page_h)
        .page_orient(if meta.landscape {
            PageOrientationType::Landscape
        } else {
            PageOrientationType::Portrait
        })
        .page_margin(
            // The header (logo and two lines) and the footer (QR code and two lines) fit
            // inside these margins, so the text area is the same on every form, draft or not.
            PageMargin::new()
                .top(1500)
                .bottom(1300)
                .left(MARGIN as i32)
                .right(MARGIN as i32)
                .header(454)
                .footer(400),
        )
        .default_fonts(pen.body())
        .default_size(BODY_SIZE)
        .header(header(&pen, house, meta, text_width))
        .footer(footer(&pen, house, meta, text_width));

    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(pen.bold(&meta.title, TITLE_SIZE)),
    );
    // Tables whose first row repeats on every page, in document order (see `repeat_header_rows`).
    let mut repeats: Vec<bool> = Vec::new();
    // What is signed stays with the block that signs it: a write-in box, a note between the
    // table and the block, and the table's last rows (see `keep`).
    let mut keeps = vec![false; form.blocks.len()];
    for i in (0..form.blocks.len().saturating_sub(1)).rev() {
        keeps[i] = match &form.blocks[i + 1] {
            Block::Signatures(_) | Block::WriteIn(_) => true,
            Block::Paragraph(_) => keeps[i + 1],
            _ => false,
        };
    }
    // A table longer than a page ends in one row that cannot split, holding its last two rows
    // and what signs them (see `signed_tail`); those blocks are printed there, not after it.
    let mut absorbed = vec![false; form.blocks.len()];
    for (i, block) in form.blocks.iter().enumerate() {
        if absorbed[i] {
            continue;
        }
        let keep_with_next = keeps[i];
        match block {
            Block::Heading(text) => {
                doc = doc.add_paragraph(Paragraph::new().keep_next(true).add_run(pen.bold(text, BODY_SIZE + 3)));
            }
            Block::PageHeading(text) => {
                doc = doc.add_paragraph(
                    Paragraph::new()
                        .page_break_before(true)
                        .keep_next(true)
                        .add_run(pen.bold(text, BODY_SIZE + 3)),
                );
            }
            Block::Paragraph(text) => {
                doc = doc.add_paragraph(
                    Paragraph::new()
                        .keep_next(keep_with_next)
                        .add_run(pen.run(text, BODY_SIZE)),
                );
            }
            Block::PageBreak => {
                doc = doc
                    .add_paragraph(Paragraph::new().add_run(Run::new().fonts(pen.body()).add_break(BreakType::Page)));
            }
            Block::Fields(pairs) => {
                let w = widths(
                    &[
                        Column::new("", 2),
                        Column::new("", 4),
                        Column::new("", 2),
                        Column::new("", 4),
                    ],
                    text_width,
                );
                let rows = pairs
                    .chunks(2)
                    .map(|pair| {
                        let mut cells = Vec::new();
                        for (k, (label, value)) in pair.iter().enumerate() {
                            cells.push(pen.cell(label, w[2 * k], true).shading(Shading::new().fill("F2F2F2")));
                            let span = if pair.len() == 1 { 3 } else { 1 };
                            let width = if span == 3 { w[1] + w[2] + w[3] } else { w[2 * k + 1] };
                            cells.push(pen.cell(value, width, false).grid_span(span));
                        }
                        keep(TableRow::new(cells).cant_split(), keep_with_next)
                    })
                    .collect();
                doc = doc
                    .add_table(fixed_table(rows, &w))
                    .add_paragraph(spacer(&pen, keep_with_next));
                repeats.push(false);
            }
            Block::Table { columns, rows } => {
                let w = widths(columns, text_width);
                // A table of one or two rows goes whole with the block that signs it: its heading
                // row never waits alone at the foot of a page.
                let mut table_rows = vec![keep(
                    TableRow::new(
                        columns
                            .iter()
                            .zip(&w)
                            .map(|(c, w)| pen.cell(&c.label, *w, true).shading(Shading::new().fill("D9D9D9")))
                            .collect(),
                    )
                    .cant_split(),
                    keep_with_next && rows.len() <= 2,
                )];
                let tail = (keep_with_next && rows.len() > LONG_TABLE_ROWS)
                    .then(|| signed_tail(&form.blocks, i))
                    .flatten();
                let mut last_rows = Vec::new();
                for (r, row) in rows.iter().enumerate() {
                    // The last two rows go with the block that signs them: never a page of the
                    // block alone, nor one holding a single row above it.
                    let last = r + 2 >= rows.len();
                    let tr = match row {
                        Row::Cells(values) => TableRow::new(
                            w.iter()
                                .zip(columns)
                                .enumerate()
                                .map(|(c, (w, column))| {
                                    let align = if column.figures {
                                        AlignmentType::Right
                                    } else {
                                        AlignmentType::Left
                                    };
                                    pen.aligned_cell(values.get(c).map_or("", String::as_str), *w, false, align)
                                })
                                .collect(),
                        ),
                        Row::Span(text) => TableRow::new(vec![
                            pen.cell(text, text_width, true)
                                .grid_span(w.len())
                                .shading(Shading::new().fill("F2F2F2")),
                        ]),
                    };
                    let tr = keep(tr.cant_split(), keep_with_next && last);
                    if tail.is_some() && last {
                        last_rows.push(tr);
                    } else {
                        table_rows.push(tr);
                    }
                }
                repeats.push(true);
                let nested = tail.is_some();
                if let Some(tail) = tail {
                    // LibreOffice keeps no rows with what follows a table longer than a page;
                    // a row that cannot split keeps them with any layout engine.
                    let mut cell = TableCell::new()
                        .width(text_width as usize, WidthType::Dxa)
                        .grid_span(w.len())
                        .clear_all_border()
                        .add_table(fixed_table(last_rows, &w));
                    cell.property = cell
                        .property
                        .margin_left(0, WidthType::Dxa)
                        .margin_right(0, WidthType::Dxa);
                    repeats.push(false);
                    for (k, signing) in tail.map(|k| (k, &form.blocks[k])) {
                        absorbed[k] = true;
                        cell = match signing {
                            Block::Paragraph(text) => {
                                cell.add_paragraph(Paragraph::new().keep_next(true).add_run(pen.run(text, BODY_SIZE)))
                            }
                            Block::WriteIn(label) => cell
                                .add_paragraph(spacer(&pen, true))
                                .add_table(write_in(&pen, label, text_width, true)),
                            Block::Signatures(parties) => cell
                                .add_paragraph(spacer(&pen, true))
                                .add_table(sign_and_stamp(&pen, lang, parties, text_width)),
                            _ => cell,
                        };
                        if !matches!(signing, Block::Paragraph(_)) {
                            repeats.push(false);
                        }
                    }
                    // A cell ends with a paragraph.
                    cell = cell.add_paragraph(spacer(&pen, false));
                    table_rows.push(TableRow::new(vec![cell]).cant_split());
                }
                doc = doc
                    .add_table(fixed_table(table_rows, &w))
                    .add_paragraph(spacer(&pen, keep_with_next && !nested));
            }
            Block::Signatures(parties) => {
                doc = doc.add_table(sign_and_stamp(&pen, lang, parties, text_width));
                // A document ends with a paragraph: after the block that ends the form it is a
                // point high, so a block that fills the page exactly leaves no blank page after it.
                doc = if i + 1 == form.blocks.len() {
                    doc.add_paragraph(
                        Paragraph::new()
                            .line_spacing(
                                LineSpacing::new()
                                    .before(0)
                                    .after(0)
                                    .line(20)
                                    .line_rule(LineSpacingType::Exact),
                            )
                            .add_run(pen.run("", 1)),
                    )
                } else {
                    doc.add_paragraph(spacer(&pen, false))
                };
                repeats.push(false);
            }
            Block::WriteIn(label) => {
                doc = doc
                    .add_table(write_in(&pen, label, text_width, keep_with_next))
                    .add_paragraph(spacer(&pen, keep_with_next));
                repeats.push(false);
            }
            Block::Chart { chart, caption } => {
                const EMU_PER_TWIP: u32 = 635;
                let (pw, ph) = chart.png_size();
                let w = text_width * EMU_PER_TWIP;
                let h = (u64::from(w) * u64::from(ph) / u64::from(pw)) as u32;
                let pic = Pic::new_with_dimensions(chart.png(), pw, ph).size(w, h);
                doc = doc
                    .add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Center)
                            .keep_next(true)
                            .add_run(Run::new().fonts(pen.body()).add_image(pic)),
                    )
                    .add_paragraph(
                        Paragraph::new()
                            .align(AlignmentType::Center)
                            .add_run(pen.run(caption, SMALL_SIZE)),
                    );
            }
            Block::Photos(photos) => {
                let w = widths(&[Column::new("", 1), Column::new("", 1)], text_width);
                let rows = photos
                    .chunks(2)
                    .map(|pair| {
                        let mut cells: Vec<TableCell> = pair
                            .iter()
                            .zip(&w)
                            .map(|(photo, w)| photo_cell(&pen, photo, form.pictures.get(&photo.sha256), *w))
                            .collect();
                        if cells.len() == 1 {
                            cells.push(TableCell::new().width(w[1] as usize, WidthType::Dxa));
                        }
                        TableRow::new(cells).cant_split()
                    })
                    .collect();
                doc = doc
                    .add_table(fixed_table(rows, &w).clear_all_border())
                    .add_paragraph(spacer(&pen, false));
                repeats.push(false);
            }
        }
    }
    if let Some(at) = meta.made_at {
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        doc = doc.created_at(&at).updated_at(&at);
    }
    let mut xml = doc.build();
    xml.document = repeat_header_rows(&xml.document, &repeats);
    if meta.draft {
        for header in &mut xml.headers {
            *header = watermark(header, Label::Draft.text(lang), &house.fonts.title);
        }
    }
    xml.styles = chinese_by_default(&xml.styles);
    xml.doc_props.core = authored_by(&xml.doc_props.core, &house.letterhead.company);
    // Last: every part written in the schema's element order (see `ooxml`).
    let order = |part: &[u8]| super::ooxml::schema_order(part).map_err(std::io::Error::other);
    xml.document = order(&xml.document)?;
    xml.styles = order(&xml.styles)?;
    xml.settings = order(&xml.settings)?;
    for part in xml.headers.iter_mut().chain(xml.footers.iter_mut()) {
        *part = order(part)?;
    }
    let mut stored = std::io::Cursor::new(Vec::new());
    xml.pack(&mut stored).map_err(std::io::Error::other)?;
    deflate(stored.get_ref())
}

/// docx-rs writes no language: a reader without 宋体 then picks its glyphs by its own locale
/// (Japanese shapes for some characters). The default run properties say zh-CN.
fn chinese_by_default(styles: &[u8]) -> Vec<u8> {
    let Ok(xml) = std::str::from_utf8(styles) else {
        return styles.to_vec();
    };
    const LANG: &str = r#"<w:lang w:val="zh-CN" w:eastAsia="zh-CN" />"#;
    match xml
        .find("<w:rPrDefault>")
        .and_then(|at| xml[at..].find("</w:rPr>").map(|end| at + end))
    {
        Some(end) => [&xml[..end], LANG, &xml[end..]].concat().into_bytes(),
        None => styles.to_vec(),
    }
}

/// docx-rs names the author "unknown"; the company that makes the form is its author.
fn authored_by(core: &[u8], company: &str) -> Vec<u8> {
    let Ok(xml) = std::str::from_utf8(core) else {
        return core.to_vec();
    };
    let company = crate::domain::text::xml_safe(company)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    xml.replace(
        "<dc:creator>unknown</dc:creator>",
        &format!("<dc:creator>{company}</dc:creator>"),
    )
    .replace(
        "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
        &format!("<cp:lastModifiedBy>{company}</cp:lastModifiedBy>"),
    )
    .into_bytes()
}

/// One photo in a cell `width` twips wide: as wide as the cell allows and at most 7 cm high, in
/// proportion, its caption under it. A picture that is missing prints its caption alone.
fn photo_cell(pen: &Pen<'_>, photo: &Picture, jpeg: Option<&Vec<u8>>, width: u32) -> TableCell {
    const EMU_PER_TWIP: u64 = 635;
    const MAX_HEIGHT_EMU: u64 = 7 * 360_000;
    let mut cell = TableCell::new().width(width as usize, WidthType::Dxa);
    if let Some(jpeg) = jpeg
        && photo.width > 0
        && photo.height > 0
    {
        // The cell's margins (about 0.2 cm a side) stay free.
        let max_w = u64::from(width.saturating_sub(240)) * EMU_PER_TWIP;
        let (pw, ph) = (u64::from(photo.width), u64::from(photo.height));
        let (mut w, mut h) = (max_w, max_w * ph / pw);
        if h > MAX_HEIGHT_EMU {
            (w, h) = (MAX_HEIGHT_EMU * pw / ph, MAX_HEIGHT_EMU);
        }
        let pic = Pic::new_with_dimensions(jpeg.clone(), photo.width, photo.height).size(w as u32, h as u32);
        cell = cell.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .keep_next(true)
                .add_run(Run::new().fonts(pen.body()).add_image(pic)),
        );
    }
    cell.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(pen.run(&photo.caption, SMALL_SIZE)),
    )
}

/// docx-rs stores its parts uncompressed; the XML of a form (a run with its fonts in every cell)
/// is highly repetitive, so deflating it makes a 2,000-line list some 50 times smaller.
fn deflate(stored: &[u8]) -> std::io::Result<Vec<u8>> {
    use zip::{CompressionMethod, write::SimpleFileOptions};
    let mut parts = zip::ZipArchive::new(std::io::Cursor::new(stored))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::with_capacity(stored.len() / 16)));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL));
    // docx-rs names every picture `.png`; a photo is a JPEG, and is named so (its content type
    // follows the name), with the relationships that point at it.
    let mut jpegs = Vec::new();
    for i in 0..parts.len() {
        let mut part = parts.by_index(i)?;
        let name = part.name()?.into_owned();
        if name.starts_with("word/media/") && name.ends_with(".png") {
            let mut magic = [0u8; 3];
            if std::io::Read::read_exact(&mut part, &mut magic).is_ok() && magic == [0xFF, 0xD8, 0xFF] {
                jpegs.push(name["word/".len()..name.len() - ".png".len()].to_string());
            }
        }
    }
    for i in 0..parts.len() {
        let mut part = parts.by_index(i)?;
        if part.is_dir() {
            continue;
        }
        let name = part.name()?.into_owned();
        let stem = name.strip_prefix("word/").and_then(|n| n.strip_suffix(".png"));
        if let Some(stem) = stem.filter(|s| jpegs.iter().any(|j| j == s)) {
            out.start_file(format!("word/{stem}.jpeg"), options)?;
            std::io::copy(&mut part, &mut out)?;
        } else if name.ends_with(".rels") && !jpegs.is_empty() {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut part, &mut xml)?;
            for j in &jpegs {
                xml = xml.replace(&format!("\"{j}.png\""), &format!("\"{j}.jpeg\""));
            }
            out.start_file(name, options)?;
            std::io::Write::write_all(&mut out, xml.as_bytes())?;
        } else {
            out.start_file(name, options)?;
            std::io::copy(&mut part, &mut out)?;
        }
    }
    Ok(out.finish()?.into_inner())
}

/// Fast deflate: nearly all of the size gain at a fraction of the default level's time.
const DEFLATE_LEVEL: i64 = 1;

/// A small paragraph after every table: Word and LibreOffice join tables that touch into one,
/// and a joined table's heading is no longer its first row.
fn spacer(pen: &Pen<'_>, keep_next: bool) -> Paragraph {
    Paragraph::new().keep_next(keep_next).add_run(pen.run("", 8))
}

/// Keeps a row on the page of the block after it (Word keeps rows together through the
/// keep-with-next of their paragraphs).
fn keep(row: TableRow, keep_next: bool) -> TableRow {
    if !keep_next {
        return row;
    }
    let cells = row
        .cells
        .into_iter()
        .map(|c| match c {
            docx_rs::TableRowChild::TableCell(mut cell) => {
                cell.children = cell
                    .children
                    .into_iter()
                    .map(|child| match child {
                        docx_rs::TableCellContent::Paragraph(p) => {
                            docx_rs::TableCellContent::Paragraph(Box::new(p.keep_next(true)))
                        }
                        other => other,
                    })
                    .collect();
                docx_rs::TableRowChild::TableCell(cell)
            }
        })
        .collect();
    TableRow { cells, ..row }
}

/// Every page's head: the logo and company, the contact line, and at the top right the
/// document's number and version (or that it is a draft) and its date.
fn header(pen: &Pen<'_>, house: &House, meta: &Meta, text_width: u32) -> Header {
    let lh = &house.letterhead;
    let lang = house.lang;
    let mut first = Paragraph::new();
    if let Some(logo) = &lh.logo_png
        && let Some((w, h)) = png_size(logo)
    {
        // 40 px high at 96 dpi, the width in proportion.
        let height = 40;
        let width = (w * height / h.max(1)).max(1);
        first = first.add_run(Run::new().fonts(pen.body()).add_image(Pic::new_with_dimensions(
            logo.clone(),
            width,
            height,
        )));
        first = first.add_run(pen.run(" ", BODY_SIZE));
    }
    first = first.add_run(pen.bold(&lh.company, BODY_SIZE + 3));
    let mut contact = Vec::new();
    if !lh.address.is_empty() {
        contact.push(format!("{}：{}", Label::Address.text(lang), lh.address));
    }
    if !lh.phone.is_empty() {
        contact.push(format!("{}：{}", Label::Phone.text(lang), lh.phone));
    }
    let mut register = vec![number_text(lang, meta)];
    if let Some(day) = &meta.dated {
        register.push(day.clone());
    }
    Header::new().add_paragraph(first).add_paragraph(
        Paragraph::new()
            .add_tab(Tab::new().val(TabValueType::Right).pos(text_width as usize))
            .add_run(pen.run(&contact.join("    "), SMALL_SIZE))
            .add_run(Run::new().fonts(pen.body()).size(SMALL_SIZE).add_tab())
            .add_run(pen.run(&register.join("    "), SMALL_SIZE)),
    )
}

/// 文件编号：ZJFY-2026-018-JY-01 V1, or why there is none yet.
fn number_text(lang: Lang, meta: &Meta) -> String {
    match &meta.number {
        Some(n) => format!("{}：{n}  V{}", Label::DocumentNumber.text(lang), meta.version),
        None => {
            let why = if meta.draft {
                Label::NotIssued
            } else {
                Label::ForSigning
            };
            format!("{}：{}", Label::DocumentNumber.text(lang), why.text(lang))
        }
    }
}

/// Side of the QR code in the footer, in EMU (12 mm).
const QR_SIDE: u32 = 432_000;

/// Every page's foot: the page count and the register facts and, on an issued form, its
/// verification code with the address to check it at and a QR code of that address. Its height
/// stays within the bottom margin with or without the code, so drafts paginate as issued.
fn footer(pen: &Pen<'_>, house: &House, meta: &Meta, text_width: u32) -> Footer {
    let lang = house.lang;
    let (before, middle, after) = Label::PageOf.page_parts(lang);
    let page = Paragraph::new()
        .add_run(pen.run(&format!("{}    ", number_text(lang, meta)), SMALL_SIZE))
        .add_run(pen.run(before, SMALL_SIZE))
        .add_run(pen.field(InstrText::PAGE(InstrPAGE {})))
        .add_run(pen.run(middle, SMALL_SIZE))
        .add_run(pen.field(InstrText::NUMPAGES(InstrNUMPAGES {})))
        .add_run(pen.run(after, SMALL_SIZE));
    let Some(code) = &meta.verify_code else {
        return Footer::new().add_paragraph(page.align(AlignmentType::Center));
    };
    let address = format!("{}{code}", house.verify_url);
    let check = Paragraph::new().add_run(pen.run(
        &format!(
            "{}：{code}    {}：{address}",
            Label::VerifyCode.text(lang),
            Label::VerifyAt.text(lang)
        ),
        SMALL_SIZE,
    ));
    let w = [800, text_width - 800];
    let mut qr_cell = TableCell::new()
        .width(w[0] as usize, WidthType::Dxa)
        .vertical_align(VAlignType::Center);
    if let Some(png) = qr_png(&address) {
        qr_cell = qr_cell.add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .fonts(pen.body())
                    .add_image(Pic::new_with_dimensions(png, 1, 1).size(QR_SIDE, QR_SIDE)),
            ),
        );
    }
    let text_cell = TableCell::new()
        .width(w[1] as usize, WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .add_paragraph(page)
        .add_paragraph(check);
    Footer::new()
        .add_table(fixed_table(vec![TableRow::new(vec![qr_cell, text_cell]).cant_split()], &w).clear_all_border())
}

/// The QR code of `text` as a PNG, four pixels a module with its quiet zone.
fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let pixels = code
        .render::<image::Luma<u8>>()
        .module_dimensions(4, 4)
        .quiet_zone(true)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    pixels.write_to(&mut png, image::ImageFormat::Png).ok()?;
    Some(png.into_inner())
}

/// A draft is marked as Word marks one: 草稿 drawn large, turned 45° and pale, as a shape behind
/// the text anchored in the header (so on every page), taking no room in the layout: a draft
/// paginates exactly as the issued form will. docx-rs writes no shapes; the VML is added to the
/// header part here.
fn watermark(header: &[u8], text: &str, font: &str) -> Vec<u8> {
    let Ok(xml) = std::str::from_utf8(header) else {
        return header.to_vec();
    };
    let Some(end) = xml.rfind("</w:hdr>") else {
        return header.to_vec();
    };
    let text = quick_xml::escape::escape(crate::domain::text::xml_safe(text).as_ref()).into_owned();
    let font = quick_xml::escape::escape(font);
    let shape = format!(
        concat!(
            r##"<w:p><w:pPr><w:spacing w:after="0" w:line="0" w:lineRule="exact" /></w:pPr><w:r><w:pict>"##,
            r##"<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" path="m@7,l@8,m@5,21600l@6,21600e">"##,
            r##"<v:formulas><v:f eqn="sum #0 0 10800" /><v:f eqn="prod #0 2 1" /><v:f eqn="sum 21600 0 @1" /><v:f eqn="sum 0 0 @2" />"##,
            r##"<v:f eqn="sum 21600 0 @3" /><v:f eqn="if @0 @3 0" /><v:f eqn="if @0 21600 @1" /><v:f eqn="if @0 0 @2" />"##,
            r##"<v:f eqn="if @0 @4 21600" /><v:f eqn="mid @5 @6" /><v:f eqn="mid @8 @5" /><v:f eqn="mid @7 @8" />"##,
            r##"<v:f eqn="mid @6 @7" /><v:f eqn="sum @6 0 @5" /></v:formulas>"##,
            r##"<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0" />"##,
            r##"<v:textpath on="t" fitshape="t" /><o:lock v:ext="edit" text="t" shapetype="t" /></v:shapetype>"##,
            r##"<v:shape id="DraftWatermark" type="#_x0000_t136" o:allowincell="f" fillcolor="#c8c8c8" stroked="f" "##,
            r##"style="position:absolute;margin-left:0;margin-top:0;width:360pt;height:180pt;rotation:315;z-index:-251654144;"##,
            r##"mso-position-horizontal:center;mso-position-horizontal-relative:margin;"##,
            r##"mso-position-vertical:center;mso-position-vertical-relative:margin">"##,
            r##"<v:fill opacity=".5" /><v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" string="{text}" />"##,
            r##"<w10:wrap anchorx="margin" anchory="margin" /></v:shape></w:pict></w:r></w:p>"##,
        ),
        font = font,
        text = text
    );
    [&xml[..end], shape.as_str(), &xml[end..]].concat().into_bytes()
}

/// Width and height of a PNG from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") || png.len() < 24 || &png[12..16] != b"IHDR" {
        return None;
    }
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    Some((be(16), be(20)))
}

/// docx-rs 0.4 cannot mark a table row as a header row (`w:tblHeader`), which makes Word and
/// LibreOffice repeat it on every page; it is added here to the first row of each table flagged
/// in `repeats` (the body's tables in document order).
fn repeat_header_rows(document: &[u8], repeats: &[bool]) -> Vec<u8> {
    let Ok(xml) = std::str::from_utf8(document) else {
        return document.to_vec();
    };
    let mut out = String::with_capacity(xml.len() + repeats.len() * 32);
    let mut rest = xml;
    let mut index = 0;
    while let Some(at) = rest.find("<w:tbl>") {
        let (before, after) = rest.split_at(at + "<w:tbl>".len());
        out.push_str(before);
        rest = after;
        if repeats.get(index).copied().unwrap_or(false)
            && let Some(tr) = rest.find("<w:trPr>")
        {
            let (before, after) = rest.split_at(tr + "<w:trPr>".len());
            out.push_str(before);
            out.push_str("<w:tblHeader />");
            rest = after;
        }
        index += 1;
    }
    out.push_str(rest);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(docx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
        let mut text = String::new();
        zip.by_name(name).expect(name).read_to_string(&mut text).expect("utf-8");
        text
    }

    /// A 2,000-row table, fields and signatures, as the equipment lists are.
    pub(crate) fn sample(rows: usize) -> Form {
        Form {
            meta: Meta {
                title: "协议设备清单".into(),
                number: Some("ZJFY-2026-018-XY-01".into()),
                version: 1,
                verify_code: Some("K7QF-9M2X".into()),
                landscape: true,
                draft: false,
                made_at: None,
                dated: Some("2026-03-20".into()),
            },
            blocks: vec![
                Block::Fields(vec![
                    ("项目名称".into(), "数字法庭".into()),
                    ("建设单位".into(), "某法院".into()),
                ]),
                Block::Table {
                    columns: vec![
                        Column::new("序号", 1),
                        Column::new("设备名称", 4),
                        Column::new("数量", 1),
                    ],
                    rows: (0..rows)
                        .map(|i| {
                            if i % 100 == 0 {
                                Row::Span(format!("第 {} 组", i / 100 + 1))
                            } else {
                                Row::Cells(vec![i.to_string(), format!("高清摄像机 {i}"), "2".into()])
                            }
                        })
                        .collect(),
                },
                Block::Signatures(vec![Party {
                    side: "甲方".into(),
                    name: "某法院".into(),
                    signed_by: None,
                    signed_on: None,
                    seal: true,
                    details: Vec::new(),
                    verify_code: None,
                }]),
            ],
            pictures: Default::default(),
        }
    }

    #[test]
    fn every_run_has_an_east_asian_font_and_every_table_a_fixed_layout_with_widths() {
        let docx = render(&sample(50), &House::default()).expect("renders");
        for name in ["word/document.xml", "word/header1.xml", "word/footer1.xml"] {
            let xml = part(&docx, name);
            let runs = xml.matches("<w:r>").count();
            assert!(runs > 0, "{name} has runs");
            let fonts = xml.split("<w:r>").skip(1).filter(|r| r.contains("w:eastAsia=")).count();
            assert_eq!(fonts, runs, "{name}: every run names its East Asian font");
        }
        let xml = part(&docx, "word/document.xml");
        let tables = xml.matches("<w:tbl>").count();
        // The fields and the items; in the items' last row, their last two rows and the signatures.
        assert_eq!(tables, 4);
        assert_eq!(xml.matches(r#"<w:tblLayout w:type="fixed" />"#).count(), tables);
        assert_eq!(xml.matches("<w:tblGrid>").count(), tables);
        assert!(!xml.contains(r#"w:type="auto""#), "no cell or table is auto-sized");
        assert_eq!(
            xml.matches("<w:tblHeader />").count(),
            1,
            "the item table's heading repeats"
        );
        // The heading, 51 rows, the last row holding the nested ones, and the signatures.
        assert_eq!(xml.matches("<w:cantSplit />").count(), 1 + 51 + 1 + 1);
    }

    #[test]
    fn no_character_that_xml_forbids_reaches_the_file() {
        let mut hostile: String = (0u32..0x20).filter_map(char::from_u32).collect();
        hostile.push_str("\u{FFFE}\u{FFFF}");
        // What a lone surrogate escape (\uD800) becomes once decoded into a Rust string.
        hostile.push_str(&String::from_utf16_lossy(&[0xD800]));
        let mut form = sample(3);
        form.meta.title = format!("清单{hostile}");
        form.blocks.push(Block::Heading(hostile.clone()));
        form.blocks.push(Block::Paragraph(hostile.clone()));
        form.blocks
            .push(Block::Fields(vec![(hostile.clone(), hostile.clone())]));
        form.blocks.push(Block::Table {
            columns: vec![Column::new(hostile.clone(), 1)],
            rows: vec![
                Row::Cells(vec![format!("a{hostile}\nb{hostile}")]),
                Row::Span(hostile.clone()),
            ],
        });
        form.blocks.push(Block::Signatures(vec![Party {
            side: hostile.clone(),
            name: hostile.clone(),
            signed_by: Some(hostile.clone()),
            signed_on: Some(hostile.clone()),
            seal: false,
            details: vec![hostile.clone()],
            verify_code: Some(hostile.clone()),
        }]));
        let house = House {
            letterhead: Letterhead {
                company: hostile.clone(),
                ..Default::default()
            },
            ..Default::default()
        };
        let docx = render(&form, &house).expect("renders");
        check_well_formed(&docx).expect("every part is well-formed XML");
        let xml = part(&docx, "word/document.xml");
        assert!(xml.contains("清单"), "the rest of the text is kept");
    }

    #[test]
    fn a_part_with_a_forbidden_character_is_reported() {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default())
            .expect("part");
        std::io::Write::write_all(&mut zip, "<w:t>a\u{1}b</w:t>".as_bytes()).expect("written");
        zip.finish().expect("zip");
        let err = check_well_formed(out.get_ref()).expect_err("refused");
        assert!(err.contains("U+0001"), "{err}");
    }

    #[test]
    fn the_footer_numbers_pages_and_carries_the_register_facts() {
        let docx = render(&sample(3), &House::default()).expect("renders");
        let footer = part(&docx, "word/footer1.xml");
        for text in [
            "ZJFY-2026-018-XY-01",
            "V1",
            "第 ",
            " 页 共 ",
            "K7QF-9M2X",
            "PAGE",
            "NUMPAGES",
        ] {
            assert!(footer.contains(text), "footer lacks {text}: {footer}");
        }
    }
}
