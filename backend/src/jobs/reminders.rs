//! Deadline reminders (filled in below).
