//! Warranty per unit (质保): a unit is under warranty from the project's contractual delivery
//! date for its equipment-list line's 质保期 — written by people as «3年», «三年», «36个月»,
//! «质保一年», «2 years» — or, when the line names none, the project's default. A replacement
//! inherits the remaining term of the unit it replaced (its own end date is stored).
use chrono::{Months, NaiveDate};

/// The months a 质保期 text names, if it names one.
pub fn months_of(text: &str) -> Option<u32> {
    let t = text.trim().to_lowercase();
    let digits: String = t
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let number = match digits.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => chinese_number(&t),
    }?;
    let unit_of = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let months = if unit_of(&["个月", "月", "month"]) {
        number
    } else if unit_of(&["年", "year", "yr"]) {
        number.checked_mul(12)?
    } else if !digits.is_empty() && t.chars().all(|c| c.is_ascii_digit()) {
        // A bare number in a 质保期 column is read as months only when it could not be years.
        if number <= 10 { number * 12 } else { number }
    } else {
        return None;
    };
    (1..=600).contains(&months).then_some(months)
}

/// 一 … 十, 两, 十二, 二十四: the Chinese numerals a 质保期 uses.
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
            .or((c == '两').then_some(2))
    };
    let chars: Vec<char> = text.chars().filter(|c| digit(*c).is_some() || *c == '十').collect();
    match chars.as_slice() {
        [] => None,
        [d] if *d != '十' => digit(*d),
        ['十'] => Some(10),
        ['十', u] => Some(10 + digit(*u)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// The last day of a warranty of `months` starting on `start`: the eve of the start, that many
/// months on (a month's end stays within its month).
pub fn ends_on(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .pred_opt()
        .and_then(|eve| eve.checked_add_months(Months::new(months)))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ways_people_write_a_warranty_period_are_read_as_months() {
        for (text, months) in [
            ("3年", Some(36)),
            ("三年", Some(36)),
            ("质保两年", Some(24)),
            ("36个月", Some(36)),
            ("十八个月", Some(18)),
            ("二十四个月", Some(24)),
            ("1 year", Some(12)),
            ("2 Years", Some(24)),
            ("12月", Some(12)),
            ("5", Some(60)),
            ("36", Some(36)),
            ("原厂质保", None),
            ("", None),
            ("终身", None),
        ] {
            assert_eq!(months_of(text), months, "{text}");
        }
    }

    #[test]
    fn a_warranty_ends_the_day_before_its_anniversary() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 31).expect("a date");
        assert_eq!(
            ends_on(start, 36),
            NaiveDate::from_ymd_opt(2029, 3, 30).expect("a date")
        );
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).expect("a date");
        assert_eq!(ends_on(leap, 12), NaiveDate::from_ymd_opt(2029, 2, 28).expect("a date"));
        let month_end = NaiveDate::from_ymd_opt(2026, 2, 1).expect("a date");
        assert_eq!(
            ends_on(month_end, 1),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("a date")
        );
    }
}
