//! Library error types. Input errors always name the file (and line where known); the binary
//! maps them to exit code 2. Findings are never errors.

use std::path::{Path, PathBuf};

use thiserror::Error;

/// A problem with something the user gave us: a file that cannot be read or does not parse.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid { path: PathBuf, line: Option<u32>, message: String },
    /// A problem with command-line arguments or configuration not tied to one file.
    #[error("{0}")]
    Usage(String),
}

impl InputError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        InputError::Io { path: path.to_path_buf(), source }
    }

    pub fn invalid(path: &Path, line: Option<u32>, message: impl Into<String>) -> Self {
        InputError::Invalid { path: path.to_path_buf(), line, message: message.into() }
    }

    /// A serde_json error with its line (and column folded into the message).
    pub fn json(path: &Path, err: &serde_json::Error) -> Self {
        let line = u32::try_from(err.line()).ok().filter(|l| *l > 0);
        let mut message = err.to_string();
        // serde_json appends " at line X column Y"; we show the line in the prefix already.
        if let Some(pos) = message.rfind(" at line ") {
            let col = err.column();
            message.truncate(pos);
            if col > 0 {
                message = format!("column {col}: {message}");
            }
        }
        InputError::Invalid { path: path.to_path_buf(), line, message }
    }
}
