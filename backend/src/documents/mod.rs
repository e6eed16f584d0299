//! Word forms (docx-rs): pure functions from a project's data to print-ready .docx files. Nothing
//! here reads the database.
pub mod engine;
pub mod forms;
pub mod labels;

pub use engine::{Block, Column, Fonts, Form, House, Letterhead, Meta, Party, Row, render};
pub use forms::{Dossier, FormKind, Prepared, prepare};
pub use labels::{Label, Lang};
