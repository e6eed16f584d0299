//! The schema's order, after docx-rs. ECMA-376 declares the children of property elements
//! (`w:rPr`, `w:pPr`, `w:tcPr`, …) as sequences: a reader may ignore a child out of its place, and
//! Word is known to drop run properties written out of order (losing 黑体 and bold). docx-rs 0.4
//! writes several of them in its own order (`w:sz` before `w:b` and `w:rFonts`, `w:jc` after
//! `w:spacing`, `w:vAlign` before `w:shd`, the header references after `w:pgSz`) and an attribute
//! the schema does not declare (`w:type` on `w:gridCol`). [`schema_order`] puts every part right
//! in one pass; the form-quality test checks the result with the Open XML SDK's validator.
use std::borrow::Cow;

use quick_xml::{
    Reader, Writer,
    events::{BytesStart, Event},
};

/// The children of each property element, in the order the schema's sequence gives them
/// (ECMA-376 Part 1, transitional: CT_RPr, CT_PPr, CT_TcPr, CT_TblPr, CT_SectPr, …). A child not
/// listed keeps its place after the listed ones.
fn sequence(parent: &[u8]) -> Option<&'static [&'static str]> {
    Some(match parent {
        b"w:rPr" => &[
            "w:ins",
            "w:del",
            "w:moveFrom",
            "w:moveTo",
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w:oMath",
            "w:rPrChange",
        ],
        b"w:pPr" => &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        ],
        b"w:tcPr" => &[
            "w:cnfStyle",
            "w:tcW",
            "w:gridSpan",
            "w:hMerge",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
            "w:headers",
            "w:cellIns",
            "w:cellDel",
            "w:cellMerge",
            "w:tcPrChange",
        ],
        b"w:tblPr" => &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblOverlap",
            "w:bidiVisual",
            "w:tblStyleRowBandSize",
            "w:tblStyleColBandSize",
            "w:tblW",
            "w:jc",
            "w:tblCellSpacing",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        ],
        // Header and footer references come first, in any order among themselves.
        b"w:sectPr" => &[
            "w:headerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w:sectPrChange",
        ],
        b"w:tblBorders" | b"w:tcBorders" | b"w:tblCellMar" | b"w:tcMar" => &[
            "w:top",
            "w:start",
            "w:left",
            "w:bottom",
            "w:end",
            "w:right",
            "w:insideH",
            "w:insideV",
            "w:tl2br",
            "w:tr2bl",
        ],
        b"w:pBdr" => &["w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar"],
        b"w:style" => &[
            "w:name",
            "w:aliases",
            "w:basedOn",
            "w:next",
            "w:link",
            "w:autoRedefine",
            "w:hidden",
            "w:uiPriority",
            "w:semiHidden",
            "w:unhideWhenUsed",
            "w:qFormat",
            "w:locked",
            "w:personal",
            "w:personalCompose",
            "w:personalReply",
            "w:rsid",
            "w:pPr",
            "w:rPr",
            "w:tblPr",
            "w:trPr",
            "w:tcPr",
            "w:tblStylePr",
        ],
        b"w:docDefaults" => &["w:rPrDefault", "w:pPrDefault"],
        // CT_Settings, the elements a form's settings may hold.
        b"w:settings" => &[
            "w:writeProtection",
            "w:view",
            "w:zoom",
            "w:removePersonalInformation",
            "w:removeDateAndTime",
            "w:embedTrueTypeFonts",
            "w:mirrorMargins",
            "w:proofState",
            "w:documentProtection",
            "w:defaultTabStop",
            "w:autoHyphenation",
            "w:evenAndOddHeaders",
            "w:characterSpacingControl",
            "w:updateFields",
            "w:footnotePr",
            "w:endnotePr",
            "w:compat",
            "w:docVars",
            "w:rsids",
            "w:themeFontLang",
            "w:clrSchemeMapping",
            "w:shapeDefaults",
            "w:decimalSymbol",
            "w:listSeparator",
        ],
        _ => return None,
    })
}

fn rank(order: &[&str], name: &[u8]) -> usize {
    let name = if name == b"w:footerReference" {
        b"w:headerReference".as_slice()
    } else {
        name
    };
    order.iter().position(|n| n.as_bytes() == name).unwrap_or(order.len())
}

/// An element being read inside a property element: one whose children are put in order (each
/// kept apart with the name it sorts on), or any other (its XML so far).
enum Frame<'a> {
    Sorted {
        start: &'a [u8],
        name: &'a [u8],
        children: Vec<(&'a [u8], Cow<'a, [u8]>)>,
    },
    Plain(Vec<u8>),
}

/// `xml` with every property element's children in the schema's order, no empty `w:rPr` in a
/// `w:pPr` (a style's paragraph properties may hold none), and no `w:type` on `w:gridCol`.
/// Everything else is copied through byte for byte: outside the property elements the input
/// is copied in runs, and inside them each child is a slice of it, so the pass costs little
/// more than a copy.
pub fn schema_order(xml: &[u8]) -> Result<Vec<u8>, quick_xml::Error> {
    let mut reader = Reader::from_reader(xml);
    let mut out: Vec<u8> = Vec::with_capacity(xml.len());
    // The input before this offset is in `out` or in a frame.
    let mut copied = 0;
    let mut stack: Vec<Frame<'_>> = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event()?;
        let after = reader.buffer_position() as usize;
        let raw = &xml[before..after];
        // The element's name as written, right after its '<' (or '</').
        let name_of = |len: usize, skip: usize| &xml[before + skip..before + skip + len];
        match event {
            Event::Eof => break,
            Event::Start(e) if sequence(e.name().as_ref()).is_some() => {
                if stack.is_empty() {
                    out.extend_from_slice(&xml[copied..before]);
                    copied = before;
                }
                stack.push(Frame::Sorted {
                    start: raw,
                    name: name_of(e.name().as_ref().len(), 1),
                    children: Vec::new(),
                });
            }
            Event::Start(_) if !stack.is_empty() => stack.push(Frame::Plain(raw.to_vec())),
            Event::End(e) if !stack.is_empty() => {
                let name = name_of(e.name().as_ref().len(), 2);
                let outermost = stack.len() == 1;
                let bytes = match stack.pop() {
                    Some(Frame::Sorted {
                        start,
                        name,
                        mut children,
                    }) => {
                        let order = sequence(name).unwrap_or(&[]);
                        if name == b"w:pPr" {
                            children.retain(|(child, xml)| !(*child == b"w:rPr" && xml.ends_with(b"/>")));
                        }
                        children.sort_by_key(|(child, _)| rank(order, child));
                        // The outermost property element goes straight out.
                        let target = if outermost { &mut out } else { &mut Vec::new() };
                        target.extend_from_slice(start);
                        for (_, child) in &children {
                            target.extend_from_slice(child);
                        }
                        target.extend_from_slice(raw);
                        if outermost {
                            copied = after;
                            continue;
                        }
                        std::mem::take(target)
                    }
                    Some(Frame::Plain(mut bytes)) => {
                        bytes.extend_from_slice(raw);
                        bytes
                    }
                    None => break,
                };
                place(&mut stack, name, Cow::Owned(bytes));
            }
            Event::Empty(e) if e.name().as_ref() == b"w:gridCol" => {
                let mut col = BytesStart::new("w:gridCol");
                col.extend_attributes(
                    e.attributes()
                        .filter_map(Result::ok)
                        .filter(|a| a.key.as_ref() != b"w:type"),
                );
                let mut fixed = Writer::new(Vec::new());
                fixed.write_event(Event::Empty(col))?;
                if stack.is_empty() {
                    out.extend_from_slice(&xml[copied..before]);
                    out.extend_from_slice(fixed.get_ref());
                    copied = after;
                } else {
                    place(&mut stack, b"w:gridCol", Cow::Owned(fixed.into_inner()));
                }
            }
            Event::Empty(e) if !stack.is_empty() => {
                let name = name_of(e.name().as_ref().len(), 1);
                place(&mut stack, name, Cow::Borrowed(raw));
            }
            _ if !stack.is_empty() => place(&mut stack, b"", Cow::Borrowed(raw)),
            // Outside the property elements: copied through in runs.
            _ => {}
        }
    }
    out.extend_from_slice(&xml[copied..]);
    Ok(out)
}

/// Puts a finished child (or text, named by nothing) into the innermost element being read.
/// Text between sorted children stays with the child before it.
fn place<'a>(stack: &mut [Frame<'a>], name: &'a [u8], bytes: Cow<'a, [u8]>) {
    match stack.last_mut() {
        Some(Frame::Plain(parent)) => parent.extend_from_slice(&bytes),
        Some(Frame::Sorted { children, .. }) => match children.last_mut() {
            Some(last) if name.is_empty() => last.1.to_mut().extend_from_slice(&bytes),
            _ => children.push((name, bytes)),
        },
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordered(xml: &str) -> String {
        String::from_utf8(schema_order(xml.as_bytes()).expect("parses")).expect("utf-8")
    }

    #[test]
    fn run_properties_follow_the_schema_and_nothing_else_changes() {
        let xml = r#"<w:document xmlns:w="w"><w:body><w:p><w:pPr><w:spacing w:before="60" /><w:keepNext /><w:jc w:val="right" /><w:rPr><w:sz w:val="21" /><w:b /></w:rPr></w:pPr><w:r><w:rPr><w:sz w:val="21" /><w:szCs w:val="21" /><w:rFonts w:eastAsia="宋体" /><w:b /></w:rPr><w:t xml:space="preserve">甲方 &amp; 乙方</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(
            ordered(xml),
            r#"<w:document xmlns:w="w"><w:body><w:p><w:pPr><w:keepNext /><w:spacing w:before="60" /><w:jc w:val="right" /><w:rPr><w:b /><w:sz w:val="21" /></w:rPr></w:pPr><w:r><w:rPr><w:rFonts w:eastAsia="宋体" /><w:b /><w:sz w:val="21" /><w:szCs w:val="21" /></w:rPr><w:t xml:space="preserve">甲方 &amp; 乙方</w:t></w:r></w:p></w:body></w:document>"#
        );
    }

    #[test]
    fn cells_sections_and_grid_columns_follow_the_schema() {
        let xml = r#"<w:tbl><w:tblGrid><w:gridCol w:w="100" w:type="dxa" /></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa" /><w:vAlign w:val="center" /><w:shd w:fill="F2F2F2" /><w:tcBorders><w:bottom w:val="single" /><w:top w:val="single" /></w:tcBorders></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:pgSz w:w="1" /><w:pgMar w:top="1" /><w:headerReference r:id="h" /><w:footerReference r:id="f" /></w:sectPr>"#;
        assert_eq!(
            ordered(xml),
            r#"<w:tbl><w:tblGrid><w:gridCol w:w="100"/></w:tblGrid><w:tr><w:tc><w:tcPr><w:tcW w:w="100" w:type="dxa" /><w:tcBorders><w:top w:val="single" /><w:bottom w:val="single" /></w:tcBorders><w:shd w:fill="F2F2F2" /><w:vAlign w:val="center" /></w:tcPr></w:tc></w:tr></w:tbl><w:sectPr><w:headerReference r:id="h" /><w:footerReference r:id="f" /><w:pgSz w:w="1" /><w:pgMar w:top="1" /></w:sectPr>"#
        );
    }

    #[test]
    fn properties_inside_other_elements_are_put_in_order_and_styles_hold_no_paragraph_mark_properties() {
        let xml = r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val="21" /><w:rFonts w:eastAsia="宋体" /><w:lang w:val="zh-CN" /></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:rPr /></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph"><w:qFormat /><w:name w:val="Normal" /><w:pPr><w:rPr /></w:pPr><w:rPr /></w:style></w:styles>"#;
        assert_eq!(
            ordered(xml),
            r#"<w:styles><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:eastAsia="宋体" /><w:sz w:val="21" /><w:lang w:val="zh-CN" /></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph"><w:name w:val="Normal" /><w:qFormat /><w:pPr></w:pPr><w:rPr /></w:style></w:styles>"#
        );
    }
}
