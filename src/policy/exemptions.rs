//! The exemptions file: exceptions to the policy, granted in writing.
//!
//! ```hcl
//! exemption "bastion" {
//!   rules       = ["IAC001", "CST002"]
//!   resources   = ["arn:aws:ec2:eu-west-1:111111111111:instance/i-03c5*"]  # ARN, address or name globs
//!   tags        = { team = ["platform"] }                                  # and/or a tag scope
//!   reason      = "break-glass bastion until SSM Session Manager is rolled out"
//!   approved_by = "security@acme.example"
//!   expires     = "2026-12-31"
//! }
//! ```
//!
//! Loading checks shapes and types (errors, exit 2); whether an entry is valid on the
//! report's date (approved, not expired) is a finding, EXM001, decided in `audit`.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use hcl_edit::structure::Structure;
use hcl_edit::Span;

use crate::hcl_syntax::reader::{parse_body, read_text, ConfigErrors, Reader};
use crate::model::SourceLocation;
use crate::source::{strip_bom, LineIndex};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exemption {
    /// The block label: a short name people use for it.
    pub name: String,
    /// Rule ids covered, or `*` for every rule.
    pub rules: Vec<String>,
    /// Globs matched against the finding's Terraform address, ARN or name.
    pub resources: Vec<String>,
    /// Tag scope: every key must have one of the values on the finding's resource.
    pub tags: BTreeMap<String, Vec<String>>,
    pub reason: Option<String>,
    pub approved_by: Option<String>,
    pub expires: Option<NaiveDate>,
    pub location: SourceLocation,
}

impl Exemption {
    pub fn covers_rule(&self, id: &str) -> bool {
        self.rules.iter().any(|r| r == "*" || r == id)
    }
}

/// Read an exemptions file. Every problem is reported at its line.
pub fn load(path: &Path) -> Result<Vec<Exemption>, ConfigErrors> {
    let text = read_text(path)?;
    parse(path, strip_bom(&text))
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<Exemption>, ConfigErrors> {
    let index = LineIndex::new(text);
    let body = parse_body(path, text)?;
    let mut reader = Reader::new(text, &index);
    let file = path.to_string_lossy().into_owned();
    let mut out: Vec<Exemption> = Vec::new();
    for structure in body.iter() {
        let block = match structure {
            Structure::Block(b) if b.ident.as_str() == "exemption" => b,
            other => {
                reader
                    .error(other.span(), "an exemptions file holds only `exemption \"name\" { ... }` blocks");
                continue;
            }
        };
        let Some(name) = reader.label(block) else { continue };
        if out.iter().any(|e| e.name == name) {
            reader.error(block.span(), format!("exemption \"{name}\" is declared twice"));
        }
        let (line, column) = index.line_col(block.span().map_or(0, |s| s.start));
        let mut e = Exemption {
            name: name.clone(),
            rules: Vec::new(),
            resources: Vec::new(),
            tags: BTreeMap::new(),
            reason: None,
            approved_by: None,
            expires: None,
            location: SourceLocation::at(file.clone(), line, column),
        };
        for s in block.body.iter() {
            let Structure::Attribute(attr) = s else {
                reader.error(s.span(), format!("exemption \"{name}\": nested blocks are not allowed"));
                continue;
            };
            let key = attr.key.as_str();
            let value = &attr.value;
            match key {
                "rules" => {
                    for id in reader.string_or_list(value, key) {
                        if id != "*" && !super::catalog().contains_key(&id) {
                            reader.error(value.span(), format!("exemption \"{name}\": unknown rule `{id}`"));
                        } else {
                            e.rules.push(id);
                        }
                    }
                }
                "resources" => {
                    // A list, as documented: `resources = "x"` was read as one pattern silently.
                    if matches!(value, hcl_edit::expr::Expression::String(_)) {
                        reader.error(value.span(), format!("exemption \"{name}\": `resources` must be a list: [\"...\"]"));
                    }
                    e.resources = reader.string_or_list(value, key);
                    for pattern in &e.resources {
                        if pattern.trim().is_empty() || pattern.chars().all(|c| matches!(c, '*' | '?' | ':')) {
                            reader.error(
                                value.span(),
                                format!(
                                    "exemption \"{name}\": resource pattern \"{pattern}\" covers every resource; \
                                     a catch-all exemption would silence findings unseen: name the resources"
                                ),
                            );
                        }
                    }
                }
                "tags" => e.tags = reader.tag_scope(value),
                "reason" => e.reason = reader.text(value, key).filter(|s| !s.trim().is_empty()),
                "approved_by" => e.approved_by = reader.string(value, key).filter(|s| !s.trim().is_empty()),
                "expires" => {
                    if let Some(s) = reader.string(value, key) {
                        match NaiveDate::parse_from_str(&s, "%Y-%m-%d") {
                            Ok(d) => e.expires = Some(d),
                            Err(_) => reader.error(
                                value.span(),
                                format!("exemption \"{name}\": expires \"{s}\" is not a date like \"2026-12-31\""),
                            ),
                        }
                    }
                }
                other => reader.error(
                    attr.key.span(),
                    format!(
                        "exemption \"{name}\": unknown setting `{other}` (expected rules, resources, tags, reason, \
                         approved_by, expires)"
                    ),
                ),
            }
        }
        if e.rules.iter().any(|r| r == "*") && e.resources.is_empty() && e.tags.values().all(Vec::is_empty) {
            reader.error(block.span(), format!("exemption \"{name}\": `rules = [\"*\"]` needs `resources` or `tags` that name what it covers"));
        }
        if block.body.get_attribute("rules").is_none() {
            reader.error(block.span(), format!("exemption \"{name}\" names no `rules`"));
        }
        // `tags = {}` or `resources = []` name nothing either: without this they covered all.
        if e.resources.is_empty() && e.tags.is_empty() {
            // An exemption must say what it covers; "all findings of a rule" is a severity
            // override, not an exception.
            reader.error(
                block.span(),
                format!("exemption \"{name}\" covers nothing: give `resources` or `tags`"),
            );
        }
        out.push(e);
    }
    reader.finish(path).map(|()| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_and_reports_every_problem() {
        let ok = parse(
            Path::new("ex.hcl"),
            r#"
exemption "bastion" {
  rules       = ["IAC001", "CST002"]
  resources   = ["arn:aws:ec2:*:111111111111:instance/i-03c5*"]
  reason      = "break-glass"
  approved_by = "security@acme.example"
  expires     = "2026-12-31"
}
exemption "unapproved" {
  rules = "TAG001"
  tags  = { team = ["ml"] }
}
"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].expires, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(ok[0].location.line, Some(2));
        assert_eq!(ok[1].approved_by, None);
        let err = parse(
            Path::new("ex.hcl"),
            "exemption \"x\" {\n  rules = [\"TAG999\"]\n  resources = [\"a\"]\n  expires = \"31/12/2026\"\n  colour = 1\n}\n",
        )
        .unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 4, 5], "{err}");
    }
}
