//! The one rule for text that people send: no control characters other than tab, line feed and
//! carriage return, and no Unicode non-characters. PostgreSQL refuses U+0000, XML 1.0 (and so every
//! Word form) refuses the rest of C0 and U+FFFE/U+FFFF; none of them is ever typed on purpose.

/// Whether `c` may appear in stored text.
pub fn is_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || is_noncharacter(c))
}

/// U+FDD0..U+FDEF and the last two code points of every plane.
fn is_noncharacter(c: char) -> bool {
    let v = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&v) || (v & 0xFFFE) == 0xFFFE
}

/// The first character of `text` that the rule refuses, with its position (in characters).
pub fn first_forbidden(text: &str) -> Option<(usize, char)> {
    text.chars().enumerate().find(|(_, c)| !is_allowed(*c))
}

/// The message for a refused character in `field`: where it is and what it is.
pub fn refusal(field: &str, at: usize, c: char) -> String {
    format!(
        "{field}: remove the control character U+{:04X} at position {}; text may hold tab and line breaks but no other control characters",
        u32::from(c),
        at + 1
    )
}

/// `text` with every character the rule refuses left out (borrowed when there is none): for text
/// that arrives inside files (spreadsheet cells), where refusing a whole list for an invisible
/// character nobody typed would help no one.
pub fn cleaned(text: &str) -> std::borrow::Cow<'_, str> {
    // Fast path: only these lead bytes can start a refused character (C0, DEL, C1 as C2 80–9F,
    // U+FDD0–U+FDEF and U+FFFE/F as EF …, the other planes' non-characters as F0–F4 …).
    let suspect = text
        .bytes()
        .any(|b| b < 0x20 || b == 0x7F || b == 0xC2 || b == 0xEF || b >= 0xF0);
    if !suspect || text.chars().all(is_allowed) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| is_allowed(*c)).collect())
    }
}

/// Whether XML 1.0 allows `c` in character data (its `Char` production).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `text` with every character XML 1.0 forbids left out (borrowed when there is none).
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.chars().filter(|c| is_xml_char(*c)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_and_line_breaks_pass_other_controls_and_noncharacters_do_not() {
        for c in ['\t', '\n', '\r', ' ', '设', 'é', '\u{FFFD}', '\u{1F600}'] {
            assert!(is_allowed(c), "{c:?} is allowed");
        }
        for v in (0u32..0x20)
            .filter(|v| ![9, 10, 13].contains(v))
            .chain([0x7F, 0x85, 0x9F, 0xFDD0, 0xFFFE, 0xFFFF, 0x1FFFF, 0x10FFFF])
        {
            let c = char::from_u32(v).expect("a scalar value");
            assert!(!is_allowed(c), "U+{v:04X} is refused");
        }
        assert_eq!(first_forbidden("项目\u{0}名"), Some((2, '\u{0}')));
        assert_eq!(refusal("name", 2, '\u{0}').split(':').next(), Some("name"));
    }

    #[test]
    fn xml_safe_leaves_out_what_xml_forbids_and_nothing_else() {
        assert_eq!(xml_safe("a\u{1}b\u{B}c\u{FFFE}d\u{FFFF}\u{0}e\tf\n"), "abcde\tf\n");
        assert!(matches!(xml_safe("数字法庭"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            cleaned("摄像机\u{0}\u{B}\u{85}\u{FDD0}\u{10FFFF}\t１２"),
            "摄像机\t１２"
        );
        assert!(matches!(cleaned("ＡＢ摄像机 12台"), std::borrow::Cow::Borrowed(_)));
    }
}
