//! Word forms (docx-rs): pure functions from a project's data to print-ready .docx files. Nothing
//! here reads the database.
pub mod engine;
pub mod forms;
pub mod labels;

pub use engine::{Block, Column, Fonts, Form, House, Letterhead, Meta, Party, Row, render};
pub use forms::{Dossier, FormKind, Prepared, prepare};
pub use labels::{Label, Lang};

/// A short code from the operating system's CSPRNG, in an alphabet without look-alikes:
/// 8 characters (40 bits), printed as XXXX-XXXX.
pub fn verify_code() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}
