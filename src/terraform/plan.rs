//! Placeholder: being written.

pub(crate) mod text;
