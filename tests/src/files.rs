//! Spreadsheets the tests make themselves: hostile ones, and the date systems and formats the
//! shared fixtures do not cover.
use std::io::{Cursor, Read, Write};

/// A minimal .xlsx with one sheet whose XML is `sheet_data` and whose dimension is `dimension`.
pub fn xlsx(dimension: &str, sheet_data: &str, extra: Option<(&str, usize)>) -> Vec<u8> {
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

pub const TWO_CELLS: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c><c r="B1" t="inlineStr"><is><t>数量</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>交换机</t></is></c><c r="B2"><v>2</v></c></row>"#;

/// `zip` with the central directory claiming that `entry` unpacks to `size` bytes, as a zip bomb's
/// does (the claim is what is checked before inflating).
pub fn declare_uncompressed(mut zip: Vec<u8>, entry: &str, size: u32) -> Vec<u8> {
    let mut at = 0;
    while let Some(off) = zip[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let h = at + off;
        let name_len = u16::from_le_bytes([zip[h + 28], zip[h + 29]]) as usize;
        if &zip[h + 46..h + 46 + name_len] == entry.as_bytes() {
            zip[h + 24..h + 28].copy_from_slice(&size.to_le_bytes());
            return zip;
        }
        at = h + 4;
    }
    panic!("no entry {entry}")
}

/// A minimal OpenDocument spreadsheet whose single table holds `rows` (table-row elements).
pub fn ods(rows: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, stored).expect("entry");
        zip.write_all(body.as_bytes()).expect("write");
    };
    put("mimetype", "application/vnd.oasis.opendocument.spreadsheet");
    put(
        "META-INF/manifest.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
    );
    put(
        "content.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="设备清单">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        ),
    );
    zip.finish().expect("zip").into_inner()
}

/// An .ods row of text cells.
pub fn ods_row(cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|c| format!(r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#))
        .collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

/// `xls` (BIFF8) with its first worksheet's DIMENSIONS record changed by `patch(first_row,
/// last_row_plus_1, first_col, last_col_plus_1)`. A CFB stream of a small workbook is stored
/// contiguously, so the record can be found in the raw bytes.
pub fn xls_with_dimensions(mut xls: Vec<u8>, patch: impl Fn(&mut [u32; 4])) -> Vec<u8> {
    let at = xls
        .windows(4)
        .position(|w| w == [0x00, 0x02, 0x0E, 0x00])
        .expect("a DIMENSIONS record");
    let body = at + 4;
    let read32 = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let read16 = |b: &[u8], i: usize| u32::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let mut dims = [
        read32(&xls, body),
        read32(&xls, body + 4),
        read16(&xls, body + 8),
        read16(&xls, body + 10),
    ];
    patch(&mut dims);
    xls[body..body + 4].copy_from_slice(&dims[0].to_le_bytes());
    xls[body + 4..body + 8].copy_from_slice(&dims[1].to_le_bytes());
    xls[body + 8..body + 10].copy_from_slice(&(dims[2] as u16).to_le_bytes());
    xls[body + 10..body + 12].copy_from_slice(&(dims[3] as u16).to_le_bytes());
    xls
}

/// An arrival schedule (到货计划) as Excel writes it: F holds date cells, G the same dates as bare
/// serial numbers (a column someone forgot to format). With `date_1904` the workbook uses the
/// 1904 date system, as files from older Mac Excel do, and the serials count from 1904.
pub fn dated_workbook(date_1904: bool) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("到货计划").expect("name");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in ["序号", "设备名称", "型号", "数量", "单位", "到货日期", "日期序号"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    // 2026-03-12, -14, -16 as 1900-system serials; the 1904 system counts 1,462 days fewer.
    let offset = if date_1904 { 1462.0 } else { 0.0 };
    for (r, (name, model, serial)) in [
        ("庭审主机", "KDV-TR8000", 46093.0),
        ("核心交换机", "S5735-L48T4X-A", 46095.0),
        ("机柜", "G2.6042", 46097.0),
    ]
    .iter()
    .enumerate()
    {
        let row = r as u32 + 1;
        sheet.write_number(row, 0, row as f64).expect("seq");
        sheet.write_string(row, 1, *name).expect("name");
        sheet.write_string(row, 2, *model).expect("model");
        sheet.write_number(row, 3, 2.0).expect("qty");
        sheet.write_string(row, 4, "台").expect("unit");
        sheet
            .write_number_with_format(row, 5, serial - offset, &date)
            .expect("date");
        sheet.write_number(row, 6, serial - offset).expect("serial");
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    if !date_1904 {
        return bytes;
    }
    // rust_xlsxwriter always writes the 1900 system; the flag lives in workbook.xml's workbookPr.
    let mut input = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..input.len() {
        let mut entry = input.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).expect("read");
        if name == "xl/workbook.xml" {
            let xml = String::from_utf8(body).expect("utf-8");
            assert!(xml.contains("<workbookPr"), "{xml}");
            body = xml
                .replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
                .into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("entry");
        out.write_all(&body).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

/// The GPS latitude a [`camera_jpeg`] carries (31° 14′ 23.45″, as EXIF rationals): found in the
/// file before it is kept, and nowhere after.
pub const GPS_LATITUDE: &[u8] = &[
    31, 0, 0, 0, 1, 0, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0x29, 0x09, 0, 0, 100, 0, 0, 0,
];

/// A photo as a tablet's camera writes it: a dark screen with a light scratch across it, `width`
/// × `height` pixels as stored, and an EXIF block with the `orientation` tag (6: the camera was
/// turned a quarter) and a GPS position.
pub fn camera_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        let on_scratch = (i64::from(x) * i64::from(height) - i64::from(y) * i64::from(width)).abs()
            <= i64::from(width.max(height)) * 2;
        if on_scratch {
            image::Rgb([235, 235, 225])
        } else {
            image::Rgb([30, 34, 40])
        }
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&picture)
        .expect("a JPEG is encoded");
    // TIFF, little-endian: IFD0 (orientation, pointer to the GPS IFD) at 8, the GPS IFD
    // (latitude reference, latitude) at 38, the latitude's three rationals at 68.
    let mut tiff: Vec<u8> = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        tiff.extend_from_slice(&tag.to_le_bytes());
        tiff.extend_from_slice(&kind.to_le_bytes());
        tiff.extend_from_slice(&count.to_le_bytes());
        tiff.extend_from_slice(&value);
    };
    tiff.extend_from_slice(&2u16.to_le_bytes());
    let [o0, o1] = orientation.to_le_bytes();
    entry(&mut tiff, 0x0112, 3, 1, [o0, o1, 0, 0]);
    entry(&mut tiff, 0x8825, 4, 1, 38u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut tiff, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, 5, 3, 68u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(GPS_LATITUDE);
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    // Right after the start-of-image marker, where cameras write it.
    jpeg.splice(2..2, app1);
    jpeg
}
