//! AWS Organizations tag policies (JSON) as a policy source, offline.
//!
//! Read: `tags.<key>.tag_key` (the required capitalisation; without it, the policy's key as
//! written), `tag_value` (allowed values, `*` wildcards), `enforced_for` (types where AWS
//! rejects non-compliant tags: violations there are errors) and `report_required_tag_for`
//! (types on which the key is required). Inheritance operators are read as written in this
//! file: `@@assign` and `@@append` give values, `@@remove` and
//! `@@operators_allowed_for_child_policies` are ignored (they only matter to child policies).
//! JSON has no spans in serde_json, so problems are located by finding the key's text.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::tags::{KeyCase, PolicySet, TagPolicy};
use super::types::Scope;
use crate::hcl_syntax::reader::{ConfigError, ConfigErrors};
use crate::model::SourceLocation;
use crate::source::LineIndex;

pub fn parse(path: &Path, text: &str) -> Result<PolicySet, ConfigErrors> {
    let index = LineIndex::new(text);
    let fail = |errors: Vec<ConfigError>| ConfigErrors { path: path.to_path_buf(), errors };
    let root: Value = serde_json::from_str(text).map_err(|e| {
        fail(vec![ConfigError {
            line: u32::try_from(e.line()).unwrap_or(0),
            column: u32::try_from(e.column()).unwrap_or(0),
            message: format!("not valid JSON: {e}"),
        }])
    })?;
    let mut cx = Cx { text, index: &index, errors: Vec::new() };
    let mut set = PolicySet::default();
    let Some(obj) = root.as_object() else {
        return Err(fail(vec![
            cx.at(0, "an Organizations tag policy is a JSON object with a \"tags\" member")
        ]));
    };
    for key in obj.keys().filter(|k| !matches!(k.as_str(), "tags" | "@@operators_allowed_for_child_policies"))
    {
        let e =
            cx.find(&[key], format!("unknown member \"{key}\" (an Organizations tag policy has \"tags\")"));
        cx.errors.push(e);
    }
    match obj.get("tags").and_then(Value::as_object) {
        Some(tags) => {
            for (name, entry) in tags {
                if let Some(policy) = cx.tag(path, name, entry) {
                    set.tags.push(policy);
                }
            }
        }
        None => {
            let e = cx.find(&["tags"], "\"tags\" must be an object of tag policies".to_string());
            cx.errors.push(e);
        }
    }
    // Tag policy keys are case-insensitive in Organizations: `team` and `TEAM` are one key, and
    // two policies for it would flag every resource under one spelling or the other.
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    if let Some(tags) = obj.get("tags").and_then(Value::as_object) {
        for name in tags.keys() {
            if let Some(first) = seen.insert(name.to_lowercase(), name) {
                let e = cx.find(
                    &["tags", name],
                    format!(
                        "tags.{name} is the same key as tags.{first} (tag policy keys are case-insensitive)"
                    ),
                );
                cx.errors.push(e);
            }
        }
    }
    if cx.errors.is_empty() {
        Ok(set)
    } else {
        cx.errors.sort_by_key(|e| (e.line, e.column));
        Err(fail(cx.errors))
    }
}

struct Cx<'a> {
    text: &'a str,
    index: &'a LineIndex,
    errors: Vec<ConfigError>,
}

impl Cx<'_> {
    fn at(&self, offset: usize, message: &str) -> ConfigError {
        let (line, column) = self.index.line_col(offset);
        ConfigError { line, column, message: message.to_string() }
    }

    /// Offset of the quoted key at the end of `path`, searching each key after the previous.
    fn offset(&self, path: &[&str]) -> usize {
        let mut from = 0;
        for key in path {
            let quoted = format!("\"{key}\"");
            if let Some(i) = self.text.get(from..).and_then(|t| t.find(&quoted)) {
                from += i;
            }
        }
        from
    }

    fn find(&self, path: &[&str], message: String) -> ConfigError {
        self.at(self.offset(path), &message)
    }

    fn tag(&mut self, path: &Path, name: &str, entry: &Value) -> Option<TagPolicy> {
        let Some(fields) = entry.as_object() else {
            let e = self.find(&["tags", name], format!("tags.{name} must be an object"));
            self.errors.push(e);
            return None;
        };
        let (line, _) = self.index.line_col(self.offset(&["tags", name]));
        let mut policy = TagPolicy {
            key: name.to_string(),
            required: None,
            allowed: Vec::new(),
            pattern: None,
            case: KeyCase::Exact,
            scope: Scope::All,
            enforced: None,
            default: None,
            origin: SourceLocation {
                file: path.to_string_lossy().into_owned(),
                line: Some(line),
                column: None,
            },
        };
        for (field, value) in fields {
            let where_ = ["tags", name, field.as_str()];
            match field.as_str() {
                "tag_key" => match self.values(&where_, value).as_slice() {
                    [key] if key.to_lowercase() == name.to_lowercase() => policy.key = key.clone(),
                    [key] => {
                        let e = self.find(
                            &where_,
                            format!(
                                "tags.{name}.tag_key \"{key}\" must be \"{name}\" in some capitalisation"
                            ),
                        );
                        self.errors.push(e);
                    }
                    _ => {
                        let e = self.find(&where_, format!("tags.{name}.tag_key must assign one key"));
                        self.errors.push(e);
                    }
                },
                "tag_value" => policy.allowed = self.values(&where_, value),
                "enforced_for" => {
                    let types = self.values(&where_, value);
                    for t in types.iter().filter(|t| !super::types::is_known_pattern(t)) {
                        let e = self.find(
                            &where_,
                            format!("tags.{name}.enforced_for: \"{t}\" is not a known resource type"),
                        );
                        self.errors.push(e);
                    }
                    policy.enforced = Some(Scope::types(types))
                }
                "report_required_tag_for" => {
                    policy.required = Some(Scope::types(self.values(&where_, value)))
                }
                // Governs child policies only.
                "@@operators_allowed_for_child_policies" => {}
                other => {
                    let e = self.find(
                        &where_,
                        format!(
                            "tags.{name}: unknown member \"{other}\" (expected tag_key, tag_value, enforced_for, \
                             report_required_tag_for)"
                        ),
                    );
                    self.errors.push(e);
                }
            }
        }
        Some(policy)
    }

    /// The values of `{"@@assign": "x" | ["x", ...], "@@append": [...]}`.
    fn values(&mut self, path: &[&str], value: &Value) -> Vec<String> {
        let name = path.join(".");
        let Some(ops) = value.as_object() else {
            let e = self.find(path, format!("{name} must be an object like {{\"@@assign\": [...]}}"));
            self.errors.push(e);
            return Vec::new();
        };
        let mut out = Vec::new();
        for (op, v) in ops {
            match op.as_str() {
                "@@assign" | "@@append" => match v {
                    Value::String(s) => out.push(s.clone()),
                    Value::Array(items) => {
                        for item in items {
                            match item.as_str() {
                                Some(s) => out.push(s.to_string()),
                                None => {
                                    let e = self.find(path, format!("{name}.{op} must hold strings"));
                                    self.errors.push(e);
                                }
                            }
                        }
                    }
                    _ => {
                        let e = self.find(path, format!("{name}.{op} must be a string or a list of strings"));
                        self.errors.push(e);
                    }
                },
                "@@remove" | "@@operators_allowed_for_child_policies" => {}
                other => {
                    let e = self.find(path, format!("{name}: unknown operator \"{other}\""));
                    self.errors.push(e);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_org_policy() {
        let text = r#"{
  "tags": {
    "costcenter": {
      "tag_key": {"@@assign": "CostCenter"},
      "tag_value": {"@@assign": ["100", "200*"]},
      "enforced_for": {"@@assign": ["ec2:ALL_SUPPORTED"]},
      "report_required_tag_for": {"@@assign": ["ec2:instance"]}
    }
  }
}"#;
        let set = parse(Path::new("org.json"), text).unwrap();
        let t = &set.tags[0];
        assert_eq!(t.key, "CostCenter");
        assert_eq!(t.allowed, vec!["100", "200*"]);
        assert_eq!(t.required, Some(Scope::types(vec!["ec2:instance".into()])));
        assert_eq!(t.enforced, Some(Scope::types(vec!["ec2:*".into()])));
        assert_eq!(t.origin.line, Some(3));
    }

    #[test]
    fn every_problem_with_its_line() {
        let text = "{\n  \"tags\": {\n    \"team\": {\n      \"tag_kee\": {\"@@assign\": \"Team\"},\n      \"tag_value\": {\"@@assign\": [1]}\n    }\n  }\n}";
        let err = parse(Path::new("org.json"), text).unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 5], "{err}");
        assert!(parse(Path::new("x.json"), "{\"tags\": [").is_err());
        assert!(parse(Path::new("x.json"), "[]").is_err());
    }
}
