//! Word forms (docx-rs): pure functions from a project's data to print-ready .docx files. Nothing
//! here reads the database.
pub mod chart;
pub mod engine;
pub mod forms;
pub mod labels;
mod ooxml;

pub use engine::{Block, Column, Fonts, Form, House, Letterhead, Meta, Party, Picture, Row, render};
pub use forms::{Dossier, FormKind, Prepared, prepare};
pub use labels::{Label, Lang};

/// `form` rendered off the async threads: a long form takes tens of milliseconds.
pub async fn render_off_thread(form: Form, house: House) -> crate::error::AppResult<Vec<u8>> {
    let title = form.meta.title.clone();
    tokio::task::spawn_blocking(move || render(&form, &house))
        .await
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("the rendering task failed: {e}")))?
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("rendering {title}: {e}")))
}

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

/// A code as someone typed it from paper — lower case, without its dash, with spaces or a full-width
/// dash — in the form it is stored (XXXX-XXXX). Anything else is returned upper-cased, to find
/// nothing.
pub fn normalise_verify_code(typed: &str) -> String {
    let chars: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if chars.len() == 8 {
        format!("{}-{}", &chars[..4], &chars[4..])
    } else {
        typed.trim().to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_verify_code;

    #[test]
    fn a_code_is_found_however_it_was_typed_from_paper() {
        for typed in [
            "STBZ-CPBC",
            "STBZCPBC",
            "stbz-cpbc",
            " stbz cpbc ",
            "STBZ－CPBC",
            "STBZ—CPBC",
        ] {
            assert_eq!(normalise_verify_code(typed), "STBZ-CPBC", "{typed}");
        }
        assert_eq!(normalise_verify_code("ZZZ"), "ZZZ");
    }
}
