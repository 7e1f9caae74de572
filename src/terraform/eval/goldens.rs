//! The golden test: every case of `tests/fixtures/functions/goldens.json`, recorded from
//! `terraform console` by `scripts/gen-function-goldens.py`, evaluated by our evaluator.
//!
//! A case Terraform answers with a value must give that value (numbers to 15 significant
//! digits: Terraform computes with 512-bit floats, we with `f64`); a case Terraform rejects must
//! be an error. The few functions we deliberately do not evaluate ([`NOT_EVALUATED`]) must give
//! unknown, never a wrong value. Every function we implement must have a case.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use hcl_edit::parser::{parse_body, parse_expr};

use super::functions::apply;
use super::{format_number, Env, LocalDef, Scope, Value};
use crate::model::SourceLocation;
use crate::terraform::eval::functions::from_json;

/// Functions whose exact result we cannot reproduce; they are unknown by design.
const NOT_EVALUATED: &[&str] = &["base64gzip", "yamldecode", "issensitive"];

/// Every function the evaluator implements: each needs at least one golden case.
const FUNCTIONS: &[&str] = &[
    "abs",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64gzip",
    "base64sha256",
    "base64sha512",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "distinct",
    "element",
    "endswith",
    "ephemeralasnull",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "textdecodebase64",
    "textencodebase64",
    "timeadd",
    "timecmp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "uuidv5",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

struct Case {
    expr: String,
    /// `Some(null)` is a null result; `None`, no value recorded.
    value: Option<serde_json::Value>,
    error: Option<String>,
    unknown: bool,
}

struct Goldens {
    cases: Vec<Case>,
}

/// Equal as Terraform values, numbers to 15 significant digits.
fn same(ours: &Value, theirs: &Value) -> bool {
    match (ours, theirs) {
        (Value::Number(a), Value::Number(b)) => {
            a == b
                || format_number(*a) == format_number(*b)
                || ((a - b).abs() <= 1e-14 * a.abs().max(b.abs()))
        }
        (Value::List(a), Value::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
        (Value::Map(a), Value::Map(b)) => {
            a.complete
                && a.entries.len() == b.entries.len()
                && a.entries.iter().zip(&b.entries).all(|((ka, va), (kb, vb))| ka == kb && same(va, vb))
        }
        _ => ours == theirs,
    }
}

fn load() -> Goldens {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/functions/goldens.json");
    let text = std::fs::read_to_string(&path).expect("goldens.json is checked in");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("goldens.json parses");
    let cases = doc["cases"].as_array().expect("goldens.json has cases");
    let cases = cases
        .iter()
        .map(|c| Case {
            expr: c["expr"].as_str().expect("every case has an expression").to_string(),
            value: c.get("value").cloned(),
            error: c.get("error").and_then(|e| e.as_str()).map(str::to_string),
            unknown: c.get("unknown").is_some(),
        })
        .collect();
    Goldens { cases }
}

#[test]
fn every_function_matches_terraform_console() {
    let goldens = load();
    let locals_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/functions/locals.tf");
    let locals_text = std::fs::read_to_string(locals_path).expect("locals.tf is checked in");
    let body = parse_body(&locals_text).expect("locals.tf parses");
    let mut locals = HashMap::new();
    for attr in body.blocks().flat_map(|b| b.body.attributes()) {
        let def = LocalDef { expr: &attr.value, location: SourceLocation::at("locals.tf", 1, 1) };
        locals.insert(attr.key.as_str().to_string(), def);
    }
    let scope = Scope::new(BTreeMap::new(), locals);
    let mut failures = Vec::new();
    for case in &goldens.cases {
        let expr = match parse_expr(&case.expr) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", case.expr));
                continue;
            }
        };
        let ours = scope.eval(&expr, &mut Env::default());
        let deliberate = NOT_EVALUATED.iter().any(|f| case.expr.starts_with(&format!("{f}(")));
        match (&ours, &case.value, &case.error) {
            (Ok(Value::Unknown), _, _) if deliberate || case.unknown => {}
            (Ok(v), Some(want), _) if same(v, &from_json(want.clone())) => {}
            (Err(_), None, Some(_)) => {}
            _ => failures.push(format!(
                "{}\n    terraform: {}\n    ours:      {:?}",
                case.expr,
                match (&case.value, &case.error) {
                    (Some(v), _) => v.to_string(),
                    (_, Some(e)) => format!("error: {e}"),
                    _ => "unknown".into(),
                },
                ours
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        goldens.cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_function_has_a_golden_case() {
    let goldens = load();
    let missing: Vec<&&str> = FUNCTIONS
        .iter()
        .filter(|f| !goldens.cases.iter().any(|c| c.expr.contains(&format!("{f}("))))
        .collect();
    assert!(missing.is_empty(), "functions without a golden case: {missing:?}");
}

#[test]
fn every_listed_function_is_implemented() {
    // A function we do not know evaluates to unknown; one we list must not, given good input.
    for f in FUNCTIONS {
        if NOT_EVALUATED.contains(f) || ["try", "can"].contains(f) {
            continue;
        }
        let goldens = load();
        let answered = goldens.cases.iter().filter(|c| c.expr.starts_with(&format!("{f}("))).any(|c| {
            let Ok(expr) = parse_expr(&c.expr) else { return false };
            !matches!(Scope::empty().eval(&expr, &mut Env::default()), Ok(Value::Unknown))
        });
        assert!(answered || apply(f, vec![]).is_err(), "{f} never gives a known result");
    }
}
