//! The built-in rule catalog: `rules/<ID>.hcl`, compiled in (id, name, default severity, scope,
//! one-line fix and docs), read once and shared by the checks, `tally rules` and the renderers.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use hcl_edit::structure::{Block, Structure};
use hcl_edit::Span;

use crate::hcl_syntax::reader::{parse_body, ConfigError, ConfigErrors, Reader};
use crate::source::LineIndex;

use super::{RuleId, Scope, Severity};

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
    CATALOG
        .get_or_init(|| RuleId::ALL.iter().map(|&id| (id.as_str().to_string(), rule(id).clone())).collect())
}

/// The rule an id names, its file read the first time it is asked for: a run reads only the
/// rules it checks (parsing every rule file was a millisecond of a small `tally lint`). Every
/// `RuleId` has its file (`build.rs` makes one from the other) and `load_rule` checks the file
/// defines the rule it is named after, so this cannot fail on a binary whose tests passed.
pub fn rule(id: RuleId) -> &'static Rule {
    static RULES: [OnceLock<Rule>; RuleId::ALL.len()] = [const { OnceLock::new() }; RuleId::ALL.len()];
    // `ALL` lists the variants in declaration order, so a variant's discriminant is its index.
    RULES[id as usize].get_or_init(|| load_rule(id).unwrap_or_else(|e| panic!("built-in rules: {e}")))
}

#[cfg(test)]
fn load_builtin() -> Result<BTreeMap<String, Rule>, ConfigErrors> {
    RuleId::ALL.iter().map(|&id| load_rule(id).map(|rule| (rule.id.clone(), rule))).collect()
}

fn load_rule(id: RuleId) -> Result<Rule, ConfigErrors> {
    let (file, text) = id.file();
    let parsed = parse_rule_file(Path::new(file), text)?;
    let problem = match parsed.as_slice() {
        [rule] if rule.id == id.as_str() => None,
        [rule] => {
            Some(format!("rules/{id}.hcl defines rule {}: a rule file is named after its rule", rule.id))
        }
        _ => Some(format!("rules/{id}.hcl must define exactly one rule, {id}")),
    };
    match (problem, parsed.into_iter().next()) {
        (None, Some(rule)) => Ok(rule),
        (problem, _) => Err(ConfigErrors {
            path: Path::new(file).to_path_buf(),
            errors: vec![ConfigError {
                line: 1,
                column: 1,
                message: problem
                    .unwrap_or_else(|| format!("rules/{id}.hcl must define exactly one rule, {id}")),
            }],
        }),
    }
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
        assert_eq!(&rules, catalog(), "the lazily read catalog is the whole catalog");
        for (i, id) in RuleId::ALL.iter().enumerate() {
            assert_eq!(*id as usize, i, "`rule` indexes its table by discriminant");
            assert_eq!(rule(*id).id, id.as_str());
        }
        let ids: Vec<&str> = rules.keys().map(String::as_str).collect();
        let typed: Vec<&str> = RuleId::ALL.iter().map(|id| id.as_str()).collect();
        assert_eq!(ids, typed, "one rule per RuleId");
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
        let compiled: Vec<String> = RuleId::ALL.iter().map(|id| id.file().0.to_string()).collect();
        assert_eq!(on_disk, compiled);
    }

    #[test]
    fn a_rule_file_must_define_the_rule_it_is_named_after() {
        assert_eq!(RuleId::parse("TAG001"), Some(RuleId::TAG001));
        assert_eq!(RuleId::parse("TAG999"), None);
        assert_eq!(rule(RuleId::TAG002).id, "TAG002");
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
