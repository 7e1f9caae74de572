//! The rule catalog: ids, names, default severities and fix hints, read from the built-in rule
//! file `rules/builtin.hcl` (compiled in). The checks themselves live in `audit`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Structure;

use crate::report::Severity;

static BUILTIN: &str = include_str!("../../rules/builtin.hcl");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub severity: Severity,
    pub summary: String,
    pub fix: String,
}

/// All built-in rules by id. The built-in file is part of the binary and covered by tests, so a
/// mistake in it is a bug, reported as a panic message naming the rule at first use.
pub fn catalog() -> &'static BTreeMap<String, Rule> {
    static CATALOG: OnceLock<BTreeMap<String, Rule>> = OnceLock::new();
    CATALOG.get_or_init(|| parse(BUILTIN).unwrap_or_else(|e| panic!("rules/builtin.hcl: {e}")))
}

/// Look up a rule that the engine knows exists.
pub fn rule(id: &str) -> &'static Rule {
    catalog().get(id).unwrap_or_else(|| panic!("rule {id} is not in rules/builtin.hcl"))
}

fn parse(text: &str) -> Result<BTreeMap<String, Rule>, String> {
    let body = hcl_edit::parser::parse_body(text).map_err(|e| e.to_string())?;
    let mut rules = BTreeMap::new();
    for structure in body.iter() {
        let Structure::Block(block) = structure else { return Err("only rule blocks are allowed".into()) };
        let id = match block.labels.as_slice() {
            [label] => label.as_str().to_string(),
            _ => return Err("rule blocks take one label".into()),
        };
        let get = |key: &str| -> Result<String, String> {
            match block.body.get_attribute(key).map(|a| &a.value) {
                Some(Expression::String(s)) => Ok(s.value().to_string()),
                _ => Err(format!("rule {id}: `{key}` must be a string")),
            }
        };
        let severity = get("severity")?;
        let rule = Rule {
            id: id.clone(),
            name: get("name")?,
            severity: Severity::parse(&severity)
                .ok_or_else(|| format!("rule {id}: bad severity {severity}"))?,
            summary: get("summary")?,
            fix: get("fix")?,
        };
        if rules.insert(id.clone(), rule).is_some() {
            return Err(format!("rule {id} is defined twice"));
        }
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_with_unique_ids_and_names() {
        let rules = parse(BUILTIN).unwrap();
        let ids: Vec<&str> = rules.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            [
                "BUD001", "BUD002", "BUD003", "CST001", "CST002", "CST003", "EXM001", "IAC001", "IAC002",
                "TAG001", "TAG002", "TAG003", "TAG004", "TAG005"
            ]
        );
        let mut names: Vec<&str> = rules.values().map(|r| r.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), rules.len(), "rule names must be unique");
    }
}
