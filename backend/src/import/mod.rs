//! Equipment lists from the spreadsheets people really send: bytes in, typed rows and problems out.
//! No database access here.
pub mod grid;
pub mod list;

pub use grid::{Cell, Sheet, Workbook, read_workbook};
pub use list::{Field, ItemSink, Mapping, ParsedItem, ParsedList, Problem, parse_list, stream_list};
