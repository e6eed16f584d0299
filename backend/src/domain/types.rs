//! Values parsed at the boundary: once constructed they are valid.
use chrono::NaiveDate;

use crate::error::AppError;

/// Parses a `YYYY-MM-DD` date for `field`.
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    let date = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(
            field,
            format!("{field}: '{value}' is not a date (expected YYYY-MM-DD, e.g. 2026-03-02)"),
        )
    })?;
    // A year typed wrong (0026, 9999) would put deadlines out of reach of every calendar and sort.
    if !(DATE_YEARS).contains(&chrono::Datelike::year(&date)) {
        return Err(AppError::invalid(
            field,
            format!(
                "{field}: {date} is outside {}–{}; check the year",
                DATE_YEARS.start(),
                DATE_YEARS.end()
            ),
        ));
    }
    Ok(date)
}

/// The years a delivery date may fall in.
pub const DATE_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;

/// An optional `YYYY-MM-DD` date: absent or blank is `None`.
pub fn optional_date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, AppError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|d| parse_date(field, d))
        .transpose()
}

/// A required, trimmed, non-empty text of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, format!("{field}: must not be empty")));
    }
    if v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("{field}: at most {max} characters, got {}", v.chars().count()),
        ));
    }
    Ok(v.to_string())
}

/// An optional text: blank becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => required_text(field, v, max).map(Some),
        None => Ok(None),
    }
}

/// A project code such as ZJFY-2026-018: letters, digits, '-', '_' and '.', 2–40 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCode(String);

impl ProjectCode {
    pub fn parse(value: &str) -> Result<Self, AppError> {
        let v = value.trim();
        let ok = (2..=40).contains(&v.len())
            && v.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(Self(v.to_ascii_uppercase()))
        } else {
            Err(AppError::invalid(
                "code",
                format!(
                    "code: '{value}' is not a project code; use 2–40 letters, digits, '-', '_' or '.', e.g. ZJFY-2026-018"
                ),
            ))
        }
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, checked for the shape `local@domain.tld`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(field: &str, value: &str) -> Result<Self, AppError> {
        let v = value.trim();
        let valid = v.len() <= 254
            && !v.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',')
            && match v.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(v.to_string()))
        } else {
            Err(AppError::invalid(
                field,
                format!("{field}: '{value}' is not an email address"),
            ))
        }
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

pub use entity::enums::*;

impl From<UnknownValue> for AppError {
    fn from(e: UnknownValue) -> Self {
        AppError::invalid(e.field, e.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_date_names_its_field() {
        for (typed, why) in [("9999-12-25", "a year typed wrong"), ("1900-01-01", "before 2000")] {
            let err = parse_date("contract_signed_on", typed).expect_err(why);
            assert!(err.to_string().contains("check the year"), "{err}");
        }
        let err = parse_date("contract_signed_on", "2026-02-30").expect_err("no such day");
        assert!(
            matches!(err, AppError::Invalid { field: Some(ref f), ref message } if f == "contract_signed_on" && message.contains("'2026-02-30' is not a date"))
        );
    }

    #[test]
    fn project_codes_are_normalised_and_checked() {
        assert_eq!(
            ProjectCode::parse(" zjfy-2026-018 ").expect("valid").into_inner(),
            "ZJFY-2026-018"
        );
        assert!(ProjectCode::parse("法院 2026").is_err());
        assert!(ProjectCode::parse("-x").is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(EmailAddress::parse("email", "li.wei@example.cn").is_ok());
        assert!(EmailAddress::parse("email", "li.wei@localhost").is_err());
        assert!(EmailAddress::parse("email", "a b@example.cn").is_err());
    }
}
