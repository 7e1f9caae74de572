//! Rules and policies: the built-in rule catalog (`rules/<ID>.hcl`, compiled in: id, name,
//! default severity, scope, one-line fix and docs), user policy files (HCL or AWS
//! Organizations tag-policy JSON) and exemptions. Loading only: the checks live in `audit`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span;

use crate::config::{parse_body, ConfigErrors, Reader};
use crate::report::Severity;
use crate::source::LineIndex;

pub mod exemptions;
pub(crate) mod glob;
pub mod org;
pub mod policy;
pub mod render;
pub mod types;

pub use types::Scope;

/// The built-in rule files, one rule each, named after the rule.
static BUILTIN: &[(&str, &str)] = &[
    ("rules/BUD001.hcl", include_str!("../../rules/BUD001.hcl")),
    ("rules/BUD002.hcl", include_str!("../../rules/BUD002.hcl")),
    ("rules/BUD003.hcl", include_str!("../../rules/BUD003.hcl")),
    ("rules/CST001.hcl", include_str!("../../rules/CST001.hcl")),
    ("rules/CST002.hcl", include_str!("../../rules/CST002.hcl")),
    ("rules/CST003.hcl", include_str!("../../rules/CST003.hcl")),
    ("rules/EXM001.hcl", include_str!("../../rules/EXM001.hcl")),
    ("rules/IAC001.hcl", include_str!("../../rules/IAC001.hcl")),
    ("rules/IAC002.hcl", include_str!("../../rules/IAC002.hcl")),
    ("rules/TAG001.hcl", include_str!("../../rules/TAG001.hcl")),
    ("rules/TAG002.hcl", include_str!("../../rules/TAG002.hcl")),
    ("rules/TAG003.hcl", include_str!("../../rules/TAG003.hcl")),
    ("rules/TAG004.hcl", include_str!("../../rules/TAG004.hcl")),
    ("rules/TAG005.hcl", include_str!("../../rules/TAG005.hcl")),
    ("rules/TAG006.hcl", include_str!("../../rules/TAG006.hcl")),
];

/// The fixed documentation sections of a rule (ruff style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
}

impl Docs {
    /// `(heading, text)` in the order every rule's docs are shown.
    pub fn sections(&self) -> [(&'static str, &str); 4] {
        [
            ("What it checks", &self.what),
            ("Why it matters", &self.why),
            ("Example", &self.example),
            ("How to fix", &self.fix),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    /// Resource types the rule looks at (Terraform and/or tagging-API globs).
    pub scope: Scope,
    pub summary: String,
    /// The one-line hint every finding of the rule carries.
    pub fix: String,
    pub docs: Docs,
    /// The rule file, for `tally rules explain`.
    pub file: String,
}

/// All built-in rules by id. The built-in files are part of the binary and covered by tests
/// (`builtin_rules_load`), so a mistake in them is a bug, reported as a panic naming the file.
pub fn catalog() -> &'static BTreeMap<String, Rule> {
    static CATALOG: OnceLock<BTreeMap<String, Rule>> = OnceLock::new();
    CATALOG.get_or_init(|| load_builtin().unwrap_or_else(|e| panic!("built-in rules: {e}")))
}

/// Look up a rule that the engine knows exists.
pub fn rule(id: &str) -> &'static Rule {
    catalog().get(id).unwrap_or_else(|| panic!("rule {id} is not in rules/"))
}

fn load_builtin() -> Result<BTreeMap<String, Rule>, ConfigErrors> {
    let mut rules = BTreeMap::new();
    for (file, text) in BUILTIN {
        for rule in parse_rule_file(Path::new(file), text)? {
            if rules.contains_key(&rule.id) {
                return Err(ConfigErrors {
                    path: Path::new(file).to_path_buf(),
                    errors: vec![crate::config::ConfigError {
                        line: 1,
                        column: 1,
                        message: format!("rule {} is defined twice", rule.id),
                    }],
                });
            }
            rules.insert(rule.id.clone(), rule);
        }
    }
    Ok(rules)
}

/// Read a rule file: `rule "ID" { name, severity, scope, summary, fix, docs { what, why,
/// example, fix } }` blocks. Every problem is reported with its line.
pub fn parse_rule_file(path: &Path, text: &str) -> Result<Vec<Rule>, ConfigErrors> {
    let index = LineIndex::new(text);
    let body = parse_body(path, text)?;
    let mut reader = Reader::new(text, &index);
    let mut rules = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Block(block) if block.ident.as_str() == "rule" => {
                if let Some(rule) = read_rule(&mut reader, block, path) {
                    rules.push(rule);
                }
            }
            other => reader.error(other.span(), "a rule file holds only `rule \"ID\" { ... }` blocks"),
        }
    }
    reader.finish(path).map(|()| rules)
}

fn read_rule(reader: &mut Reader<'_>, block: &Block, path: &Path) -> Option<Rule> {
    let id = reader.label(block)?;
    let valid_id = id.len() == 6
        && id[..3].chars().all(|c| c.is_ascii_uppercase())
        && id[3..].chars().all(|c| c.is_ascii_digit());
    if !valid_id {
        reader.error(
            block.span(),
            format!("rule id \"{id}\" is not three capitals and three digits, like TAG001"),
        );
    }
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    let mut severity = None;
    let mut scope = Scope::All;
    let mut docs: Option<BTreeMap<&str, String>> = None;
    for structure in block.body.iter() {
        match structure {
            Structure::Attribute(attr) => {
                let key = attr.key.as_str();
                match key {
                    "name" | "summary" | "fix" => {
                        if let Some(text) = reader.text(&attr.value, key) {
                            fields.insert(key, text);
                        }
                    }
                    "severity" => severity = reader.severity(&attr.value, key),
                    "scope" => scope = Scope::types(reader.string_or_list(&attr.value, key)),
                    other => reader.error(
                        attr.key.span(),
                        format!("rule {id}: unknown setting `{other}` (expected name, severity, scope, summary, fix, docs)"),
                    ),
                }
            }
            Structure::Block(inner) if inner.ident.as_str() == "docs" => {
                let mut sections = BTreeMap::new();
                for s in inner.body.iter() {
                    match s {
                        Structure::Attribute(attr) => {
                            let key = match attr.key.as_str() {
                                "what" => "what",
                                "why" => "why",
                                "example" => "example",
                                "fix" => "fix",
                                other => {
                                    reader.error(
                                        attr.key.span(),
                                        format!("rule {id}: unknown docs section `{other}` (expected what, why, example, fix)"),
                                    );
                                    continue;
                                }
                            };
                            if let Some(text) = reader.text(&attr.value, key) {
                                sections.insert(key, text);
                            }
                        }
                        Structure::Block(b) => {
                            reader.error(b.span(), format!("rule {id}: docs holds only text sections"))
                        }
                    }
                }
                for section in ["what", "why", "example", "fix"] {
                    if !sections.contains_key(section) {
                        reader.error(inner.span(), format!("rule {id}: docs has no `{section}` section"));
                    }
                }
                docs = Some(sections);
            }
            Structure::Block(other) => reader.error(
                other.ident.span(),
                format!("rule {id}: unknown block `{}` (expected `docs`)", other.ident.as_str()),
            ),
        }
    }
    for key in ["name", "summary", "fix"] {
        if !fields.contains_key(key) {
            reader.error(block.span(), format!("rule {id} has no `{key}`"));
        }
    }
    if severity.is_none() && block.body.get_attribute("severity").is_none() {
        reader.error(block.span(), format!("rule {id} has no `severity`"));
    }
    if docs.is_none() {
        reader.error(block.span(), format!("rule {id} has no `docs` block"));
    }
    let mut docs = docs?;
    let mut take = |k: &str| docs.remove(k);
    let docs = Docs { what: take("what")?, why: take("why")?, example: take("example")?, fix: take("fix")? };
    Some(Rule {
        id,
        name: fields.remove("name")?,
        severity: severity?,
        scope,
        summary: fields.remove("summary")?,
        fix: fields.remove("fix")?,
        docs,
        file: path.to_string_lossy().into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_with_unique_ids_and_names() {
        let rules = load_builtin().unwrap();
        let ids: Vec<&str> = rules.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            [
                "BUD001", "BUD002", "BUD003", "CST001", "CST002", "CST003", "EXM001", "IAC001", "IAC002",
                "TAG001", "TAG002", "TAG003", "TAG004", "TAG005", "TAG006"
            ]
        );
        let mut names: Vec<&str> = rules.values().map(|r| r.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), rules.len(), "rule names must be unique");
        for rule in rules.values() {
            assert_eq!(rule.file, format!("rules/{}.hcl", rule.id), "one rule per file, named after it");
            for (heading, text) in rule.docs.sections() {
                assert!(text.trim().len() > 20, "{} {heading} is too short", rule.id);
            }
        }
    }

    #[test]
    fn every_file_in_rules_is_compiled_in() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        on_disk.sort();
        let compiled: Vec<String> = BUILTIN.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(on_disk, compiled);
    }

    #[test]
    fn a_malformed_rule_file_reports_every_mistake_with_its_line() {
        let text = r#"rule "TAG009" {
  name     = "some-rule"
  severity = "fatal"
  summary  = "s"
  fix      = "f"
  colour   = "red"
  docs {
    what    = "w"
    why     = "y"
    example = "e"
  }
}
"#;
        let err = parse_rule_file(Path::new("rules/bad.hcl"), text).unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 6, 7], "{err}");
        assert!(err.to_string().starts_with("3 problems in rules/bad.hcl"), "{err}");
    }
}
