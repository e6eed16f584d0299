//! Strings whose schema in the OpenAPI document says exactly what they hold — one of a fixed set of
//! values, a calendar date, an instant — while the server still takes any string and lets the use
//! case refuse a wrong one with 422 naming the field and the choices (a parse error at the edge
//! could only say "bad request").
use std::{borrow::Cow, marker::PhantomData};

use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseFromMultipartField, ParseFromParameter, ParseResult, ToJSON, Type},
};
use serde_json::Value;

use crate::domain::types as domain;

/// A closed set of values, named in the document.
pub trait Choices: Send + Sync + 'static {
    /// The schema's name, e.g. `Role`.
    const NAME: &'static str;
    fn values() -> Vec<&'static str>;
}

/// Declares `Choices` for the domain's string enums (their values are the domain's own).
macro_rules! domain_choices {
    ($($ty:ident),+ $(,)?) => {$(
        impl Choices for domain::$ty {
            const NAME: &'static str = stringify!($ty);
            fn values() -> Vec<&'static str> {
                domain::$ty::ALL.iter().map(|v| v.as_str()).collect()
            }
        }
    )+};
}

domain_choices!(
    Role,
    ProjectStatus,
    SystemType,
    Stage,
    SignParty,
    SignMethod,
    MemberRole,
    ReminderFrequency,
    ListKind,
    InspectionRound,
    CheckResult,
    Resolution,
    Commissioning,
    TaskStatus,
    DeviationStatus,
    OutboxStatus,
    PhotoSubject,
    AcceptanceStage,
    AcceptanceConclusion,
    IssueSource,
    IssueSeverity,
    IssueStatus,
    CredentialKind,
    RunState,
    TraineeKind,
    AttendanceMethod,
    TicketStep,
    TicketStatus,
    TicketChannel,
    ServiceClock,
    SpareStatus,
    LoanApproval,
    LoanStatus,
    Satisfaction,
    VisitStage,
    VisitChannel,
    FaultCause,
);

/// Declares a set of values that has no domain enum (states shown in answers).
macro_rules! listed_choices {
    ($($name:ident => [$($value:literal),+ $(,)?]),+ $(,)?) => {$(
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl Choices for $name {
            const NAME: &'static str = stringify!($name);
            fn values() -> Vec<&'static str> {
                vec![$($value),+]
            }
        }
    )+};
}

listed_choices!(
    Readiness => ["ready", "draft"],
    PageState => ["open", "ready", "signed_by_us", "signed_by_client", "signed"],
    PhotoSize => ["kept", "print", "thumb"],
    ClockStates => ["not_started", "running", "paused", "stopped"],
    ClockVerdicts => ["not_started", "open", "overdue", "kept", "broken"],
    ClockFilters => ["running", "breached", "paused"],
    StatisticFigures => [
        "faults",
        "response_broken",
        "repair_broken",
        "spares_used",
        "complaints",
        "unsatisfied",
        "patrols_missed",
    ],
);

/// One of `E`'s values (as the document says; the use case checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOf<E>(String, PhantomData<fn() -> E>);

impl<E> OneOf<E> {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<E> std::ops::Deref for OneOf<E> {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

impl<E> From<String> for OneOf<E> {
    fn from(s: String) -> Self {
        Self(s, PhantomData)
    }
}

impl<E> From<OneOf<E>> for String {
    fn from(v: OneOf<E>) -> String {
        v.0
    }
}

impl<F> From<FormattedText<F>> for String {
    fn from(v: FormattedText<F>) -> String {
        v.0
    }
}

/// A stored value as the answer shows it.
impl<E: Choices + std::fmt::Display> From<E> for OneOf<E> {
    fn from(v: E) -> Self {
        Self(v.to_string(), PhantomData)
    }
}

impl<E> From<&str> for OneOf<E> {
    fn from(s: &str) -> Self {
        Self(s.to_string(), PhantomData)
    }
}

impl<E: Choices> Type for OneOf<E> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        E::NAME.into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(E::NAME.into())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(E::NAME.into(), |_| MetaSchema {
            enum_items: E::values().into_iter().map(Value::from).collect(),
            ..MetaSchema::new("string")
        });
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

/// A string in the document's given `format` (`date`, `date-time`).
pub trait Format: Send + Sync + 'static {
    const FORMAT: &'static str;
}

#[derive(Debug, Clone, Copy)]
pub struct DateFormat;
impl Format for DateFormat {
    const FORMAT: &'static str = "date";
}

#[derive(Debug, Clone, Copy)]
pub struct InstantFormat;
impl Format for InstantFormat {
    const FORMAT: &'static str = "date-time";
}

/// Text in a format (`FormattedText<DateFormat>` is a calendar date such as 2026-03-09).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormattedText<F>(String, PhantomData<fn() -> F>);

/// A calendar date, YYYY-MM-DD.
pub type DateText = FormattedText<DateFormat>;
/// An instant, RFC 3339 (2026-03-09T09:00:00+08:00).
pub type InstantText = FormattedText<InstantFormat>;

impl<F> FormattedText<F> {
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl<F> std::ops::Deref for FormattedText<F> {
    type Target = String;
    fn deref(&self) -> &String {
        &self.0
    }
}

impl<F> From<String> for FormattedText<F> {
    fn from(s: String) -> Self {
        Self(s, PhantomData)
    }
}

impl<F: Format> Type for FormattedText<F> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        format!("string({})", F::FORMAT).into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new_with_format("string", F::FORMAT)))
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

/// Both wrappers read and write plain JSON strings, query parameters and form fields.
macro_rules! string_io {
    ($ty:ident, $bound:ident) => {
        impl<T: $bound> ParseFromJSON for $ty<T> {
            fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
                match value {
                    Some(Value::String(s)) => Ok(s.into()),
                    other => Err(ParseError::expected_type(other.unwrap_or_default())),
                }
            }
        }

        impl<T: $bound> ToJSON for $ty<T> {
            fn to_json(&self) -> Option<Value> {
                Some(Value::String(self.0.clone()))
            }
        }

        impl<T: $bound> ParseFromParameter for $ty<T> {
            fn parse_from_parameter(value: &str) -> ParseResult<Self> {
                Ok(value.to_string().into())
            }
        }

        impl<T: $bound> ParseFromMultipartField for $ty<T> {
            async fn parse_from_multipart(field: Option<poem::web::Field>) -> ParseResult<Self> {
                match field {
                    Some(field) => Ok(field.text().await?.into()),
                    None => Err(ParseError::expected_input()),
                }
            }
        }
    };
}

string_io!(OneOf, Choices);
string_io!(FormattedText, Format);
