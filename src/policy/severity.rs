//! How loud a finding is, and reading it from tally's own HCL files.

use std::fmt;

use hcl_edit::expr::Expression;
use hcl_edit::Span;
use serde::{Deserialize, Serialize};

use crate::hcl_syntax::reader::Reader;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    /// Parse a `--fail-on` value; `never` is `None`.
    pub fn from_fail_on(s: &str) -> Result<Option<Severity>, String> {
        match s {
            "error" => Ok(Some(Severity::Error)),
            "warning" => Ok(Some(Severity::Warning)),
            "info" => Ok(Some(Severity::Info)),
            "never" => Ok(None),
            other => Err(format!("\"{other}\" is not one of error, warning, info, never")),
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Reader<'_> {
    /// A severity: error, warning or info.
    pub(crate) fn severity(&mut self, value: &Expression, key: &str) -> Option<Severity> {
        let s = self.string(value, key)?;
        let sev = Severity::parse(&s);
        if sev.is_none() {
            self.error(value.span(), format!("`{key}`: \"{s}\" is not one of error, warning, info"));
        }
        sev
    }
}
