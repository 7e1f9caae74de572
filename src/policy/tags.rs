//! Tag policies: which keys are required where, which values are allowed, how keys must be
//! spelled, which keys are prohibited, and per-rule severity and scope overrides.
//!
//! Written in HCL (policy files, or `tally.hcl` itself) or read from an AWS Organizations
//! tag-policy JSON (`org.rs`); both produce one [`PolicySet`]. Evaluating a resource's tags
//! against it is pure ([`TagPolicy::check`]); turning verdicts into findings is `audit::tags`.

use std::collections::BTreeMap;
use std::path::Path;

use hcl_edit::structure::{Attribute, Block, Structure};
use hcl_edit::Span;

use super::glob;
use super::types::{Scope, TypeNames};
use crate::hcl_syntax::reader::{parse_body, ConfigErrors, Reader};
use crate::model::{SourceLocation, TagMap, AWS_SYSTEM_TAG_PREFIX};
use crate::policy::Severity;
use crate::source::LineIndex;

/// How the spelling of a policy's key is enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyCase {
    /// The key must be spelled exactly; a case variant is TAG003.
    #[default]
    Exact,
    /// Any capitalisation is the key.
    Insensitive,
}

/// A compiled regular expression (anchored: it must match the whole value) and the text the
/// user wrote; compares by that text.
#[derive(Debug, Clone)]
pub struct Pattern(pub regex::Regex, pub String);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.1 == other.1
    }
}

impl Eq for Pattern {}

/// One `tag "KEY" { ... }` policy (or one key of an Organizations tag policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPolicy {
    /// The key, in the spelling the policy requires.
    pub key: String,
    /// Resource types on which the key is required; `None`: nowhere.
    pub required: Option<Scope>,
    /// Allowed values, exact or with `*` wildcards; empty: any value.
    pub allowed: Vec<String>,
    pub pattern: Option<Pattern>,
    pub case: KeyCase,
    /// Resource types the policy applies to at all.
    pub scope: Scope,
    /// Types on which AWS enforces the policy (Organizations `enforced_for`): a wrong value or
    /// spelling there makes the API call fail, so it is an error.
    pub enforced: Option<Scope>,
    /// The value `tally fix` writes when the key is missing or its value is not allowed
    /// (`default = "platform"`); it must itself be allowed.
    pub default: Option<String>,
    pub origin: SourceLocation,
}

/// Everything a policy file (or `tally.hcl`) can say about tags and rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySet {
    pub tags: Vec<TagPolicy>,
    pub required_tags: Vec<String>,
    /// Keys (with `*`, compared ignoring case) no resource may carry: TAG006.
    pub prohibited_tags: Vec<String>,
    /// Severity overrides per rule id.
    pub severity: BTreeMap<String, Severity>,
    /// Scope overrides per rule id (`rule "TAG001" { scope = ["aws_*"] }`).
    pub rule_scopes: BTreeMap<String, Scope>,
}

impl PolicySet {
    /// Later sets add tag policies and keys and override severities and scopes.
    pub fn merge(&mut self, other: PolicySet) {
        self.tags.extend(other.tags);
        for key in other.required_tags {
            if !self.required_tags.contains(&key) {
                self.required_tags.push(key);
            }
        }
        for key in other.prohibited_tags {
            if !self.prohibited_tags.contains(&key) {
                self.prohibited_tags.push(key);
            }
        }
        self.severity.extend(other.severity);
        self.rule_scopes.extend(other.rule_scopes);
    }
}

/// What one tag policy says about one resource.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The key is required and certainly absent (in any spelling).
    pub missing: bool,
    /// The key is required and may or may not be set (part of the map is unknown).
    pub unknown: bool,
    /// Keys spelled differently from the policy's key.
    pub wrong_case: Vec<String>,
    /// (key as found, value) pairs whose value is not allowed.
    pub bad_values: Vec<(String, String)>,
}

impl TagPolicy {
    pub(crate) fn applies(&self, names: &TypeNames) -> bool {
        self.scope.matches(names)
    }

    pub(crate) fn enforced_on(&self, names: &TypeNames) -> bool {
        self.enforced.as_ref().is_some_and(|s| s.matches(names))
    }

    /// Judge a resource's tags. `aws:` keys are never looked at.
    pub(crate) fn check(&self, names: &TypeNames, tags: &impl TagMap) -> Verdict {
        let mut verdict = Verdict::default();
        if !self.applies(names) {
            return verdict;
        }
        let mut variants = tags
            .entries()
            .filter(|(k, _)| !k.starts_with(AWS_SYSTEM_TAG_PREFIX) && same_ignoring_case(k, &self.key))
            .peekable();
        if variants.peek().is_none() {
            if self.required.as_ref().is_some_and(|s| s.matches(names)) {
                if tags.may_hold(&self.key) {
                    verdict.unknown = true;
                } else {
                    verdict.missing = true;
                }
            }
            return verdict;
        }
        for (key, value) in variants {
            if self.case == KeyCase::Exact && key != self.key {
                verdict.wrong_case.push(key.to_string());
            }
            // An unknown value is not a violation: we cannot know it.
            if let Some(v) = value {
                if !self.value_allowed(v) {
                    verdict.bad_values.push((key.to_string(), v.to_string()));
                }
            }
        }
        verdict
    }

    pub(crate) fn value_allowed(&self, value: &str) -> bool {
        let listed = self.allowed.is_empty() || self.allowed.iter().any(|a| glob::matches(a, value));
        let patterned = self.pattern.as_ref().is_none_or(|p| p.0.is_match(value));
        listed && patterned
    }

    /// The policy's value rule in words, for messages.
    pub(crate) fn describe_values(&self) -> String {
        let mut parts = Vec::new();
        if !self.allowed.is_empty() {
            let list: Vec<String> = self.allowed.iter().map(|a| format!("\"{a}\"")).collect();
            parts.push(format!("one of {}", list.join(", ")));
        }
        if let Some(p) = &self.pattern {
            parts.push(format!("matching /{}/", p.1));
        }
        parts.join(" and ")
    }
}

/// Keys of `tags` the policy prohibits.
pub(crate) fn prohibited<'t>(prohibited: &[String], tags: &'t impl TagMap) -> Vec<&'t str> {
    if prohibited.is_empty() {
        return Vec::new();
    }
    tags.entries()
        .map(|(k, _)| k)
        .filter(|k| !k.starts_with(AWS_SYSTEM_TAG_PREFIX))
        .filter(|k| prohibited.iter().any(|p| glob::matches_ignore_case(p, k)))
        .collect()
}

/// `a.to_lowercase() == b.to_lowercase()`, without allocating for ASCII keys (nearly all).
pub(crate) fn same_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// An HCL policy file: `tag` blocks, `rule` overrides, `required_tags`, `prohibited_tags`,
/// `severity`. Every problem is reported, each at its line.
pub fn parse_hcl(path: &Path, text: &str) -> Result<PolicySet, ConfigErrors> {
    let index = LineIndex::new(text);
    let body = parse_body(path, text)?;
    let mut reader = Reader::new(text, &index);
    let mut set = PolicySet::default();
    let file = path.to_string_lossy();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(attr) => match attr.key.as_str() {
                "required_tags" | "prohibited_tags" | "severity" => read_attribute(&mut reader, attr, &mut set),
                other => reader.error(
                    attr.key.span(),
                    format!("unknown setting `{other}` (expected required_tags, prohibited_tags, severity, or tag and rule blocks)"),
                ),
            },
            Structure::Block(block) => match block.ident.as_str() {
                "tag" | "rule" => read_block(&mut reader, block, &file, &mut set),
                other => reader
                    .error(block.ident.span(), format!("unknown block `{other}` (expected `tag` or `rule`)")),
            },
        }
    }
    reader.finish(path).map(|()| set)
}

/// `required_tags`, `prohibited_tags` and `severity = { TAG003 = "error" }`, shared with
/// `tally.hcl`.
pub(crate) fn read_attribute(reader: &mut Reader<'_>, attr: &Attribute, set: &mut PolicySet) {
    let key = attr.key.as_str();
    match key {
        "required_tags" => set.required_tags = reader.string_list(&attr.value, key),
        "prohibited_tags" => set.prohibited_tags = reader.string_list(&attr.value, key),
        "severity" => {
            for (id, span, value) in reader.object(&attr.value, key) {
                if super::catalog().contains_key(&id) {
                    if let Some(sev) = reader.severity(value, &format!("severity.{id}")) {
                        set.severity.insert(id, sev);
                    }
                } else {
                    reader.error(span, format!("severity: unknown rule `{id}` (see `tally rules list`)"));
                }
            }
        }
        _ => reader.error(attr.key.span(), format!("unknown setting `{key}`")),
    }
}

/// `tag "KEY" { ... }` and `rule "ID" { severity, scope }` blocks, shared with `tally.hcl`.
pub(crate) fn read_block(reader: &mut Reader<'_>, block: &Block, file: &str, set: &mut PolicySet) {
    let Some(label) = reader.label(block) else { return };
    if block.ident.as_str() == "rule" {
        read_rule_override(reader, block, label, set);
        return;
    }
    if label.trim().is_empty() {
        reader.error(block.span(), "a tag key must not be empty: `tag \"\" {}` can match nothing");
        return;
    }
    if set.tags.iter().any(|t| t.key == label && t.origin.file == file) {
        reader.error(block.span(), format!("tag \"{label}\" is declared twice in this file"));
        return;
    }
    if let Some(other) = set
        .tags
        .iter()
        .find(|t| t.key != label && t.key.eq_ignore_ascii_case(&label) && t.origin.file == file)
    {
        reader.error(
            block.span(),
            format!("tag \"{label}\" and tag \"{}\" differ only in case: one policy per key (the spelling is `case`)", other.key),
        );
        return;
    }
    let line = reader.line(block.span());
    let mut policy = TagPolicy {
        key: label.clone(),
        required: None,
        allowed: Vec::new(),
        pattern: None,
        case: KeyCase::Exact,
        scope: Scope::All,
        enforced: None,
        default: None,
        origin: SourceLocation { file: file.to_string(), line: Some(line), column: None },
    };
    let mut scope_given = false;
    let mut required_types = None;
    let mut default_span = None;
    for structure in block.body.iter() {
        let Structure::Attribute(attr) = structure else {
            reader.error(structure.span(), format!("tag \"{label}\": nested blocks are not allowed"));
            continue;
        };
        let key = attr.key.as_str();
        let value = &attr.value;
        match key {
            // `true`, `false`, or the resource types on which the key is required.
            "required" => match value {
                hcl_edit::expr::Expression::Bool(b) => {
                    required_types = b.value().then_some(None);
                }
                _ => {
                    let types = reader.string_list(value, "required (true, false or a list of resource types)");
                    for t in types.iter().filter(|t| !super::types::is_known_pattern(t)) {
                        reader.error(value.span(), format!("tag \"{label}\": `required`: \"{t}\" is not a known resource type"));
                    }
                    required_types = Some(Some(Scope::types(types)));
                }
            },
            "allowed" => policy.allowed = reader.string_list(value, key),
            "pattern" => {
                if let Some(src) = reader.string(value, key) {
                    // Anchored: a value must match as a whole, as people read `^...$` anyway.
                    match regex::Regex::new(&format!("^(?:{src})$")) {
                        Ok(re) => policy.pattern = Some(Pattern(re, src)),
                        Err(e) => {
                            let msg = e.to_string();
                            let last = msg.lines().last().unwrap_or("invalid").trim().to_string();
                            reader.error(value.span(), format!("tag \"{label}\": pattern is not a valid regex: {last}"));
                        }
                    }
                }
            }
            "case" => match reader.string(value, key).as_deref() {
                Some("exact") => policy.case = KeyCase::Exact,
                Some("insensitive") => policy.case = KeyCase::Insensitive,
                Some(other) => reader.error(
                    value.span(),
                    format!("tag \"{label}\": case \"{other}\" is not one of \"exact\", \"insensitive\""),
                ),
                None => {}
            },
            "scope" => {
                policy.scope = Scope::types(reader.string_or_list(value, key));
                scope_given = true;
            }
            "enforced_for" => policy.enforced = Some(Scope::types(reader.string_or_list(value, key))),
            "default" => {
                if let Some(v) = reader.string(value, key) {
                    policy.default = Some(v);
                    default_span = value.span();
                }
            }
            other => reader.error(
                attr.key.span(),
                format!(
                    "tag \"{label}\": unknown setting `{other}` (expected required, allowed, pattern, case, scope, \
                     enforced_for, default)"
                ),
            ),
        }
    }
    // `required = true` means "wherever the policy applies".
    policy.required = required_types.map(|types| match types {
        Some(types) => types,
        None if scope_given => policy.scope.clone(),
        None => Scope::All,
    });
    if let Some(default) = &policy.default {
        if !policy.value_allowed(default) {
            let rule = policy.describe_values();
            reader.error(
                default_span,
                format!("tag \"{label}\": default \"{default}\" is not allowed ({rule})"),
            );
        }
    }
    set.tags.push(policy);
}

fn read_rule_override(reader: &mut Reader<'_>, block: &Block, id: String, set: &mut PolicySet) {
    if !super::catalog().contains_key(&id) {
        reader.error(block.span(), format!("unknown rule `{id}` (see `tally rules list`)"));
        return;
    }
    for structure in block.body.iter() {
        let Structure::Attribute(attr) = structure else {
            reader.error(structure.span(), format!("rule \"{id}\": nested blocks are not allowed"));
            continue;
        };
        match attr.key.as_str() {
            "severity" => {
                if let Some(sev) = reader.severity(&attr.value, "severity") {
                    set.severity.insert(id.clone(), sev);
                }
            }
            "scope" => {
                let types = reader.string_or_list(&attr.value, "scope");
                set.rule_scopes.insert(id.clone(), Scope::types(types));
            }
            other => reader.error(
                attr.key.span(),
                format!(
                    "rule \"{id}\": unknown setting `{other}` (a policy file can set severity and scope)"
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EffectiveTags, TagValue};

    fn parse(text: &str) -> Result<PolicySet, ConfigErrors> {
        parse_hcl(Path::new("p.hcl"), text)
    }

    fn tags(pairs: &[(&str, &str)]) -> EffectiveTags {
        EffectiveTags::known(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_default_value_is_read_and_must_be_allowed() {
        let set = parse("tag \"team\" {\n  allowed = [\"platform\", \"web\"]\n  default = \"platform\"\n}\n")
            .unwrap();
        assert_eq!(set.tags[0].default.as_deref(), Some("platform"));
        let err = parse("tag \"team\" {\n  allowed = [\"web\"]\n  default = \"platform\"\n}\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("p.hcl:3") && text.contains("default \"platform\" is not allowed"), "{text}");
    }

    #[test]
    fn reads_a_policy_file() {
        let set = parse(
            r#"
required_tags   = ["env"]
prohibited_tags = ["temp*"]
severity        = { TAG003 = "error" }

tag "team" {
  required = true
  allowed  = ["payments", "web*"]
  pattern  = "[a-z-]+"
  scope    = ["aws_*", "ec2:*"]
}

tag "CostCenter" {
  required = ["ec2:instance"]
  case     = "insensitive"
}

rule "TAG001" {
  scope = ["aws_instance"]
}
"#,
        )
        .unwrap();
        assert_eq!(set.tags.len(), 2);
        assert_eq!(set.severity["TAG003"], Severity::Error);
        assert_eq!(set.tags[0].origin.line, Some(6));
        let instance = TypeNames::terraform("aws_instance", None);
        let bucket = TypeNames::terraform("aws_s3_bucket", None);
        let v = set.tags[0].check(&instance, &tags(&[("team", "paymnets")]));
        assert_eq!(v.bad_values, vec![("team".to_string(), "paymnets".to_string())]);
        assert!(set.tags[0].check(&instance, &tags(&[("team", "web-eu")])).bad_values.is_empty());
        assert!(set.tags[0].check(&bucket, &tags(&[])).missing);
        assert!(!set.tags[1].check(&bucket, &tags(&[])).missing, "only required on instances");
        assert!(set.tags[1].check(&instance, &tags(&[])).missing);
        assert_eq!(set.tags[1].check(&instance, &tags(&[("costcenter", "1")])), Verdict::default());
        assert_eq!(set.rule_scopes["TAG001"], Scope::types(vec!["aws_instance".into()]));
    }

    #[test]
    fn case_variants_and_unknowns() {
        let set = parse("tag \"CostCenter\" {\n  required = true\n}\n").unwrap();
        let names = TypeNames::terraform("aws_instance", None);
        let v = set.tags[0].check(&names, &tags(&[("costcenter", "1")]));
        assert_eq!(v.wrong_case, vec!["costcenter"]);
        assert!(!v.missing, "a wrong spelling is TAG003, not TAG001");
        let partial = EffectiveTags::partial(crate::model::SmallMap::new());
        let v = set.tags[0].check(&names, &partial);
        assert!(v.unknown && !v.missing);
        let unknown_value = EffectiveTags::whole(crate::model::SmallMap::from([(
            "CostCenter".to_string(),
            TagValue::Unknown,
        )]));
        let strict = parse("tag \"CostCenter\" {\n  allowed = [\"1\"]\n}\n").unwrap();
        assert_eq!(strict.tags[0].check(&names, &unknown_value), Verdict::default());
    }

    #[test]
    fn reports_every_mistake_with_its_line() {
        let err = parse(
            r#"tag "team" {
  required = true
  alowed   = ["payments"]
  pattern  = "([a-z"
}
severity = { TAG999 = "error" }
"#,
        )
        .unwrap_err();
        let lines: Vec<u32> = err.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 6], "{err}");
        assert!(err.to_string().starts_with("3 problems in p.hcl"), "{err}");
    }

    #[test]
    fn prohibited_keys_ignore_case_and_system_tags() {
        let t = tags(&[("Temporary", "x"), ("aws:temp", "y"), ("team", "z")]);
        assert_eq!(prohibited(&["temp*".to_string(), "aws:*".to_string()], &t), vec!["Temporary"]);
    }
}
