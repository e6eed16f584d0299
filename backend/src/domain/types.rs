//! Values parsed at the boundary: once constructed they are valid.
use chrono::NaiveDate;

use crate::error::AppError;

/// Parses a `YYYY-MM-DD` date for `field`.
pub fn parse_date(field: &str, value: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::invalid(
            field,
            format!("{field}: '{value}' is not a date (expected YYYY-MM-DD, e.g. 2026-03-02)"),
        )
    })
}

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

/// Declares a closed set of values stored as strings, with a parser that lists the choices.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Result<Self, AppError> {
                match value.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err(AppError::invalid(
                        $field,
                        format!(
                            "{}: '{}' is not one of {}",
                            $field,
                            other,
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// What an account may do across the service.
    Role, "role" {
        Admin => "admin",
        Manager => "manager",
        Engineer => "engineer",
        Viewer => "viewer",
    }
);

string_enum!(
    /// Where a project stands in its life.
    ProjectStatus, "status" {
        Active => "active",
        Delivered => "delivered",
        InWarranty => "in_warranty",
        Closed => "closed",
    }
);

string_enum!(
    /// Kinds of system a project delivers.
    SystemType, "system_types" {
        DigitalCourtroom => "digital_courtroom",
        SurveillanceAlarm => "surveillance_alarm",
        VideoConference => "video_conference",
        PublicAddress => "public_address",
        Other => "other",
    }
);

string_enum!(
    /// A stage of the functional test, in the order they run; the 预验收证书 closes them.
    Stage, "stage" {
        Line => "line",
        Device => "device",
        Network => "network",
        System => "system",
    }
);

string_enum!(
    /// Who signs: our side (乙方) or the client (甲方).
    SignParty, "party" {
        Ours => "ours",
        Client => "client",
    }
);

string_enum!(
    /// How a signature was given.
    SignMethod, "method" {
        InApp => "in_app",
        EmailLink => "email_link",
        OnSite => "on_site",
    }
);

string_enum!(
    /// Our people's role on a project.
    MemberRole, "role" {
        Pm => "pm",
        Engineer => "engineer",
    }
);

string_enum!(
    /// How often a user gets deadline reminders.
    ReminderFrequency, "reminder_frequency" {
        Daily => "daily",
        Weekly => "weekly",
        Off => "off",
    }
);

string_enum!(
    /// Which equipment list a file is.
    ListKind, "kind" {
        Contract => "contract",
        PurchaseOrder => "purchase_order",
        Approved => "approved",
    }
);

impl ListKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            ListKind::Contract => "协议设备清单",
            ListKind::PurchaseOrder => "设备订购单",
            ListKind::Approved => "分项设备清单审定版",
        }
    }
}

string_enum!(
    /// Who organised an arrival inspection: our self-check first, then the client's.
    InspectionRound, "round" {
        Own => "self",
        Client => "client",
    }
);

string_enum!(
    /// The result of one arrival check.
    CheckResult, "result" {
        Pass => "pass",
        Fail => "fail",
        NotApplicable => "na",
    }
);

string_enum!(
    /// How a deviation from a failed inspection was settled.
    Resolution, "resolution" {
        Replace => "replace",
        Return => "return",
        Concession => "concession",
    }
);

string_enum!(
    /// The commissioning result of an installed item.
    Commissioning, "commissioning" {
        Pending => "pending",
        Pass => "pass",
        Fail => "fail",
    }
);

impl InspectionRound {
    pub fn label_zh(self) -> &'static str {
        match self {
            InspectionRound::Own => "自检",
            InspectionRound::Client => "甲方组织检验",
        }
    }
}

impl Resolution {
    pub fn label_zh(self) -> &'static str {
        match self {
            Resolution::Replace => "更换",
            Resolution::Return => "退货",
            Resolution::Concession => "让步接收",
        }
    }
}

string_enum!(
    TaskStatus, "status" {
        NotStarted => "not_started",
        InProgress => "in_progress",
        Done => "done",
    }
);

impl SystemType {
    /// The Chinese name used on forms.
    pub fn label_zh(self) -> &'static str {
        match self {
            SystemType::DigitalCourtroom => "数字法庭",
            SystemType::SurveillanceAlarm => "联网监控报警",
            SystemType::VideoConference => "视频会议",
            SystemType::PublicAddress => "音响扩声",
            SystemType::Other => "其他",
        }
    }

    /// Accepts the code or the Chinese name.
    pub fn parse_any(value: &str) -> Result<Self, AppError> {
        let v = value.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.label_zh() == v)
            .map_or_else(|| Self::parse(v), Ok)
    }
}

impl MemberRole {
    pub fn label_zh(self) -> &'static str {
        match self {
            MemberRole::Pm => "项目主管",
            MemberRole::Engineer => "工程师",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_date_names_its_field() {
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

    #[test]
    fn system_types_accept_chinese_names() {
        assert_eq!(
            SystemType::parse_any("数字法庭").expect("known"),
            SystemType::DigitalCourtroom
        );
        assert_eq!(
            SystemType::parse_any("public_address").expect("known"),
            SystemType::PublicAddress
        );
        let err = SystemType::parse_any("卫星").expect_err("unknown");
        assert!(err.to_string().contains("digital_courtroom"));
    }
}
