//! Stage two of reading tally's own HCL files (tally.hcl, rule, policy and exemption files):
//! a [`Reader`] turns a parsed body into typed values and records every problem at its line
//! and column instead of stopping at the first, as cargo-deny does. Stage one, the syntax, is
//! [`parse_body`]. What each file means is its reader's business (`config`, `policy`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;
use rust_decimal::Decimal;

use crate::source::LineIndex;

/// One problem in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// All problems found in one config file, rendered one per line as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors {
    pub path: PathBuf,
    pub errors: Vec<ConfigError>,
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.errors.len();
        write!(f, "{} problem{} in {}", n, if n == 1 { "" } else { "s" }, self.path.display())?;
        for e in &self.errors {
            write!(f, "\n  {}:{}:{}: {}", self.path.display(), e.line, e.column, e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Stage one of every HCL file tally reads for itself (tally.hcl, policy and rule files,
/// exemptions): syntax only, with the error's line and column.
pub(crate) fn parse_body(path: &Path, text: &str) -> Result<Body, ConfigErrors> {
    super::parse_body(text).map_err(|e| ConfigErrors {
        path: path.to_path_buf(),
        errors: vec![ConfigError {
            line: u32::try_from(e.line).unwrap_or(0),
            column: u32::try_from(e.column).unwrap_or(0),
            message: e.message,
        }],
    })
}

/// Read a file for [`parse_body`], naming it in the error.
pub(crate) fn read_text(path: &Path) -> Result<String, ConfigErrors> {
    crate::source::read_regular_to_string(path).map_err(|e| ConfigErrors {
        path: path.to_path_buf(),
        errors: vec![ConfigError { line: 1, column: 1, message: format!("cannot read: {e}") }],
    })
}

/// Stage two: typed reading of a parsed body. Every helper records a problem at its span and
/// carries on, so one pass reports all of them.
pub(crate) struct Reader<'a> {
    text: &'a str,
    index: &'a LineIndex,
    pub(crate) errors: Vec<ConfigError>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str, index: &'a LineIndex) -> Self {
        Reader { text, index, errors: Vec::new() }
    }

    /// All problems sorted by place, or `Ok`.
    pub(crate) fn finish(mut self, path: &Path) -> Result<(), ConfigErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            self.errors.sort_by_key(|e| (e.line, e.column));
            Err(ConfigErrors { path: path.to_path_buf(), errors: self.errors })
        }
    }

    /// 1-based line of a span's start (0 when the span is unknown).
    pub(crate) fn line(&self, span: Option<std::ops::Range<usize>>) -> u32 {
        span.map(|s| self.index.line_col(s.start).0).unwrap_or(0)
    }

    pub(crate) fn error(&mut self, span: Option<std::ops::Range<usize>>, message: impl Into<String>) {
        let (line, column) = span.map(|s| self.index.line_col(s.start)).unwrap_or((0, 0));
        self.errors.push(ConfigError { line, column, message: message.into() });
    }

    /// The one label of a block: `budget "name"`, `tag "team"`, `rule "TAG001"`.
    pub(crate) fn label(&mut self, block: &Block) -> Option<String> {
        match block.labels.as_slice() {
            [label] => Some(label.as_str().to_string()),
            _ => {
                let kind = block.ident.as_str();
                self.error(
                    block.span(),
                    format!("a {kind} block takes exactly one label: {kind} \"name\" {{ ... }}"),
                );
                None
            }
        }
    }

    /// A string written plainly or as a heredoc (`<<-EOT`), without interpolation.
    pub(crate) fn text(&mut self, value: &Expression, key: &str) -> Option<String> {
        use hcl_edit::template::Element;
        match value {
            Expression::String(s) => Some(s.value().to_string()),
            Expression::HeredocTemplate(h) => {
                let mut out = String::new();
                for element in h.template.iter() {
                    match element {
                        Element::Literal(lit) => out.push_str(lit.value()),
                        _ => {
                            self.error(
                                value.span(),
                                format!("`{key}` must be literal text, without ${{...}} or %{{...}}"),
                            );
                            return None;
                        }
                    }
                }
                Some(out.trim_end().to_string())
            }
            _ => {
                self.error(value.span(), format!("`{key}` must be a string"));
                None
            }
        }
    }

    /// `{ key = value, "key-2" = value }` as (key, key span, value) triples.
    pub(crate) fn object<'e>(
        &mut self,
        value: &'e Expression,
        what: &str,
    ) -> Vec<(String, Option<std::ops::Range<usize>>, &'e Expression)> {
        let Expression::Object(obj) = value else {
            self.error(value.span(), format!("`{what}` must be a map: {{ key = value }}"));
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in obj.iter() {
            let key = match k {
                ObjectKey::Ident(id) => id.as_str().to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                other => {
                    self.error(other.span(), format!("`{what}`: keys must be identifiers or plain strings"));
                    continue;
                }
            };
            out.push((key, k.span(), v.expr()));
        }
        out
    }

    pub(crate) fn string(&mut self, value: &Expression, key: &str) -> Option<String> {
        match value {
            Expression::String(s) => Some(s.value().to_string()),
            _ => {
                self.error(value.span(), format!("`{key}` must be a plain string"));
                None
            }
        }
    }

    pub(crate) fn string_list(&mut self, value: &Expression, key: &str) -> Vec<String> {
        match value {
            Expression::Array(items) => items
                .iter()
                .filter_map(|item| match item {
                    Expression::String(s) => Some(s.value().to_string()),
                    other => {
                        self.error(other.span(), format!("`{key}` must be a list of plain strings"));
                        None
                    }
                })
                .collect(),
            _ => {
                self.error(value.span(), format!("`{key}` must be a list of strings, like [\"a\", \"b\"]"));
                Vec::new()
            }
        }
    }

    pub(crate) fn string_or_list(&mut self, value: &Expression, key: &str) -> Vec<String> {
        match value {
            Expression::String(s) => vec![s.value().to_string()],
            _ => self.string_list(value, key),
        }
    }

    pub(crate) fn decimal(&mut self, value: &Expression, key: &str) -> Option<Decimal> {
        let text = match value {
            Expression::String(s) => s.value().to_string(),
            // The number's source text, so "1234.56" is read exactly, never through f64.
            Expression::Number(n) => match n.span().and_then(|r| self.text.get(r)) {
                Some(raw) => raw.trim().to_string(),
                None => n.value().to_string(),
            },
            _ => {
                self.error(
                    value.span(),
                    format!("`{key}` must be a number or a decimal string like \"1234.56\""),
                );
                return None;
            }
        };
        match crate::money::parse_amount(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(value.span(), format!("`{key}`: {e}"));
                None
            }
        }
    }

    pub(crate) fn tag_scope(&mut self, value: &Expression) -> BTreeMap<String, Vec<String>> {
        let Expression::Object(obj) = value else {
            self.error(
                value.span(),
                "`tags` must be a map of tag key to a list of values: { team = [\"payments\"] }",
            );
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for (k, v) in obj.iter() {
            let key = match k {
                ObjectKey::Ident(id) => id.as_str().to_string(),
                ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                other => {
                    self.error(other.span(), "tag keys must be identifiers or plain strings");
                    continue;
                }
            };
            if key.trim().is_empty() {
                self.error(k.span(), "a tag key must not be empty");
                continue;
            }
            let values = self.string_or_list(v.expr(), "tags values");
            out.insert(key, values);
        }
        out
    }
}
