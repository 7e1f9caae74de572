//! Expected values marked "console" were produced by `terraform console` (Terraform 1.11.4)
//! with the same locals.

use std::collections::{BTreeMap, HashMap};

use hcl_edit::parser::{parse_body, parse_expr};

use super::*;
use crate::model::{EffectiveTags, SmallMap, TagValue};

const LOCALS: &str = r#"
locals {
  tags    = { Owner = "team-a", Env = "dev" }
  xs      = ["b", "a", "b"]
  name    = "app"
  full    = "${local.name}-${local.tags.Env}"
  a       = local.b
  b       = local.a
  unknown = data.aws_caller_identity.current.account_id
}
"#;

fn s(v: &str) -> Value {
    Value::string(v)
}

fn n(v: f64) -> Value {
    Value::Number(v)
}

fn map(entries: &[(&str, Value)]) -> Value {
    Value::Map(Map::known(entries.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()))
}

fn list(items: &[Value]) -> Value {
    Value::List(items.to_vec())
}

fn with_scope<T>(vars: &[(&str, Value)], f: impl FnOnce(&Scope<'_>) -> T) -> T {
    let body = parse_body(LOCALS).expect("test locals parse");
    let mut locals = HashMap::new();
    for block in body.blocks() {
        for attr in block.body.attributes() {
            locals.insert(
                attr.key.as_str().to_string(),
                LocalDef { expr: &attr.value, location: SourceLocation::at("locals.tf", 1, 1) },
            );
        }
    }
    let vars: BTreeMap<String, Value> = vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let scope = Scope::new(vars, locals);
    f(&scope)
}

fn eval_env(expr: &str, env: &mut Env) -> EvalResult {
    let expr = parse_expr(expr).expect("test expression parses");
    let vars = [("env", s("prod")), ("tags", map(&[("Team", s("x"))])), ("nothing", Value::Unknown)];
    with_scope(&vars, |scope| scope.eval(&expr, env))
}

fn eval(expr: &str) -> EvalResult {
    eval_env(expr, &mut Env::default())
}

fn ok(expr: &str) -> Value {
    match eval(expr) {
        Ok(v) => v,
        Err(e) => panic!("{expr}: unexpected error {e}"),
    }
}

fn fails(expr: &str) -> bool {
    eval(expr).is_err()
}

#[test]
fn literals() {
    assert_eq!(ok("null"), Value::Null);
    assert_eq!(ok("true"), Value::Bool(true));
    assert_eq!(ok("1.5"), n(1.5));
    assert_eq!(ok(r#""x""#), s("x"));
    assert_eq!(ok(r#"["a", 1]"#), list(&[s("a"), n(1.0)]));
    assert_eq!(
        ok(r#"{ a = "x", "b c" = { d = 1 } }"#),
        map(&[("a", s("x")), ("b c", map(&[("d", n(1.0))]))])
    );
}

#[test]
fn object_with_expression_keys() {
    // console: {"a b" = 1, (local.tags.Owner) = 2} => { "a b" = 1, "team-a" = 2 }
    assert_eq!(ok(r#"{"a b" = 1, (local.tags.Owner) = 2}"#), map(&[("a b", n(1.0)), ("team-a", n(2.0))]));
}

#[test]
fn object_with_unknown_key_is_incomplete() {
    let Value::Map(m) = ok(r#"{ a = "x", (data.x.y) = "z" }"#) else { panic!("map expected") };
    assert!(!m.complete);
    assert_eq!(m.entries.get("a"), Some(&s("x")));
}

#[test]
fn locals_and_variables() {
    assert_eq!(ok("local.tags.Env"), s("dev")); // console: "dev"
    assert_eq!(ok(r#"local.tags["Owner"]"#), s("team-a")); // console: "team-a"
    assert_eq!(ok("local.full"), s("app-dev"));
    assert_eq!(ok("local.xs[1]"), s("a")); // console: "a"
    assert_eq!(ok("var.env"), s("prod"));
    assert_eq!(ok("var.nothing"), Value::Unknown);
    assert!(fails("var.undeclared"));
    assert!(fails("local.undeclared"));
}

#[test]
fn local_cycle_is_unknown_with_a_diagnostic() {
    let expr = parse_expr("local.a").expect("parses");
    let (value, diags) =
        with_scope(&[], |scope| (scope.eval(&expr, &mut Env::default()), scope.take_diagnostics()));
    assert_eq!(value, Ok(Value::Unknown));
    assert_eq!(diags.len(), 1);
    assert!(diags[0].message.contains("local.a -> local.b -> local.a"), "{}", diags[0].message);
}

#[test]
fn index_errors_and_unknowns() {
    assert!(fails(r#"{a = "x"}["b"]"#)); // console: Invalid index
    assert!(fails("local.xs[5]"));
    assert_eq!(ok(r#"local.unknown["x"]"#), Value::Unknown);
    assert_eq!(ok("local.tags[local.unknown]"), Value::Unknown);
}

#[test]
fn references_we_cannot_know_are_unknown() {
    for expr in [
        "data.aws_caller_identity.current.account_id",
        "aws_s3_bucket.b.id",
        "module.net.tags",
        "path.module",
        "terraform.workspace",
        "self.id",
        "provider::aws::arn_parse(\"x\")",
    ] {
        assert_eq!(ok(expr), Value::Unknown, "{expr}");
    }
}

#[test]
fn templates() {
    assert_eq!(ok(r#""pre-${local.tags.Owner}-post""#), s("pre-team-a-post")); // console
    assert_eq!(ok(r#""${1+2}""#), n(3.0)); // console: 3 (a number)
    assert_eq!(ok(r#""n=${1.5}""#), s("n=1.5")); // console
    assert_eq!(ok(r#""b=${true}""#), s("b=true"));
    assert!(fails(r#""a${null}""#)); // console: Invalid template interpolation value
    assert_eq!(ok(r#""id-${aws_s3_bucket.b.id}""#), Value::Unknown);
    assert_eq!(ok(r#""%{if var.env == "prod"}P%{else}N%{endif}""#), s("P"));
    assert_eq!(ok(r#""%{for x in ["a", "b"]}${x};%{endfor}""#), s("a;b;"));
}

#[test]
fn heredoc() {
    let v = ok("<<-EOT\n    hello ${local.name}\n    EOT");
    assert_eq!(v, s("hello app\n"));
}

#[test]
fn merge_known() {
    assert_eq!(ok("merge({a=1},{b=2})"), map(&[("a", n(1.0)), ("b", n(2.0))])); // console
                                                                                // console: { a = "x", b = "z", c = 1 }
    assert_eq!(
        ok(r#"merge({a="x", b="y"}, {b="z"}, null, {c=1})"#),
        map(&[("a", s("x")), ("b", s("z")), ("c", n(1.0))])
    );
    assert_eq!(ok("merge({a=1},{a=null})"), map(&[("a", Value::Null)])); // console: { a = null }
    assert_eq!(ok("merge()"), map(&[])); // console: {}
    assert!(fails(r#"merge({a=1}, "x")"#)); // console: arguments must be maps or objects
}

#[test]
fn merge_with_unknown_argument() {
    // Keys before the unknown map stay present with unknown values; keys after it are exact;
    // the result is incomplete because the unknown map may add keys.
    let Value::Map(m) = ok(r#"merge({a = "1", b = "2"}, local.unknown, {b = "3", c = "4"})"#) else {
        panic!("map expected")
    };
    assert!(!m.complete);
    assert_eq!(m.entries.get("a"), Some(&Value::Unknown));
    assert_eq!(m.entries.get("b"), Some(&s("3")));
    assert_eq!(m.entries.get("c"), Some(&s("4")));
}

#[test]
fn try_and_can() {
    assert_eq!(ok(r#"try(local.tags.Missing, "fallback")"#), s("fallback")); // console
    assert_eq!(ok(r#"try(local.tags.Owner, "fallback")"#), s("team-a"));
    assert_eq!(ok(r#"try(null, "x")"#), Value::Null); // console: null
    assert_eq!(ok("can(local.tags.Owner)"), Value::Bool(true)); // console: true
    assert_eq!(ok("can(local.tags.Missing)"), Value::Bool(false)); // console: false
                                                                   // Terraform cannot decide yet whether an unknown expression fails.
    assert_eq!(ok(r#"try(local.unknown, "x")"#), Value::Unknown);
    assert_eq!(ok("can(local.unknown)"), Value::Unknown);
    assert!(fails("try(local.tags.Missing)"));
}

#[test]
fn coalesce() {
    assert_eq!(ok(r#"coalesce("", "b")"#), s("b")); // console
    assert_eq!(ok(r#"coalesce(null, "x", "y")"#), s("x")); // console
    assert_eq!(ok(r#"coalesce(1, "a")"#), s("1")); // console: "1"
    assert!(fails(r#"coalesce("", "")"#)); // console: no non-null, non-empty-string arguments
    assert_eq!(ok(r#"coalesce(local.unknown, "x")"#), Value::Unknown);
}

#[test]
fn lookup() {
    assert_eq!(ok(r#"lookup(local.tags, "Owner", "d")"#), s("team-a")); // console
    assert_eq!(ok(r#"lookup(local.tags, "X", "d")"#), s("d")); // console
    assert_eq!(ok(r#"lookup({a=1}, "a")"#), n(1.0)); // console: 1
    assert!(fails(r#"lookup({a="x"}, "b")"#)); // console: Invalid function argument
    assert_eq!(ok(r#"lookup(merge(local.unknown, {a="1"}), "b", "d")"#), Value::Unknown);
    assert_eq!(ok(r#"lookup(merge(local.unknown, {a="1"}), "a", "d")"#), s("1"));
}

#[test]
fn tomap_unifies_primitives() {
    assert_eq!(ok(r#"tomap({a=1, b="x"})"#), map(&[("a", s("1")), ("b", s("x"))]));
    // console
}

#[test]
fn format() {
    assert_eq!(ok(r#"format("%s-%d-%v", "a", 3, true)"#), s("a-3-true")); // console
    assert_eq!(ok(r#"format("%v", 1.5)"#), s("1.5")); // console
    assert_eq!(ok(r#"format("%d", "7")"#), s("7")); // console
    assert_eq!(ok(r#"format("%s", 12)"#), s("12")); // console
    assert_eq!(ok(r#"format("%%x%s", "y")"#), s("%xy")); // console
    assert_eq!(ok(r#"format("%q", "a")"#), s("\"a\"")); // console
    assert_eq!(ok(r#"format("%5s|", "a")"#), s("    a|")); // console
    assert!(fails(r#"format("%d", 1.5)"#)); // console: an integer is required
    assert_eq!(ok(r#"format("%s", local.unknown)"#), Value::Unknown);
    assert_eq!(ok(r#"format("%08.3f", 1)"#), s("0001.000")); // console
}

#[test]
fn string_functions() {
    assert_eq!(ok(r#"lower("AbC")"#), s("abc")); // console
    assert_eq!(ok(r#"upper("abc")"#), s("ABC")); // console
    assert_eq!(ok("lower(1)"), s("1")); // console: "1"
    assert_eq!(ok(r#"replace("a-b-c", "-", "_")"#), s("a_b_c")); // console
    assert_eq!(ok(r#"replace("aaa", "a", "bb")"#), s("bbbbbb")); // console
    assert_eq!(ok(r#"replace("a1", "/[0-9]/", "")"#), s("a")); // console
    assert_eq!(ok("tostring(5)"), s("5")); // console
    assert_eq!(ok(r#"substr("hello", 1, 3)"#), s("ell"));
    assert_eq!(ok(r#"trimspace("  x ")"#), s("x"));
}

#[test]
fn collection_functions() {
    assert_eq!(ok(r#"join(",", ["a","b"])"#), s("a,b")); // console
    assert_eq!(ok(r#"join("-", ["a"], ["b","c"])"#), s("a-b-c")); // console
    assert_eq!(ok(r#"join(",", ["a", 1, true])"#), s("a,1,true")); // console
    assert_eq!(ok(r#"join(",", [])"#), s("")); // console
    assert_eq!(ok(r#"concat(["a"], ["b","c"])"#), list(&[s("a"), s("b"), s("c")])); // console
    assert!(fails(r#"concat(["a"], "b")"#)); // console: all arguments must be lists or tuples
    assert_eq!(ok(r#"contains(["a","b"], "b")"#), Value::Bool(true)); // console
    assert_eq!(ok(r#"contains(["a","b"], "z")"#), Value::Bool(false)); // console
    assert_eq!(ok(r#"contains(["a"], 1)"#), Value::Bool(false)); // console
    assert_eq!(ok(r#"length("héllo")"#), n(5.0)); // console
    assert_eq!(ok("length({a=1,b=2})"), n(2.0)); // console
    assert_eq!(ok("length([1,2,3])"), n(3.0)); // console
    assert!(fails("length(null)")); // console: argument must not be null
    assert_eq!(ok("keys({b=1,a=2})"), list(&[s("a"), s("b")])); // console
    assert_eq!(ok("values({b=1,a=2})"), list(&[n(2.0), n(1.0)])); // console
    assert_eq!(ok("values({})"), list(&[])); // console
    assert!(fails(r#"keys(["a"])"#)); // console: must have map or object type
    assert_eq!(ok("toset(local.xs)"), list(&[s("a"), s("b")])); // console: toset(["a", "b"])
    assert_eq!(ok("length(merge(local.unknown, {a=1}))"), Value::Unknown);
    assert_eq!(ok("keys(merge(local.unknown, {a=1}))"), Value::Unknown);
    assert_eq!(ok(r#"compact(["a", "", null])"#), list(&[s("a")]));
    assert_eq!(ok(r#"zipmap(["a"], [1])"#), map(&[("a", n(1.0))]));
    assert_eq!(ok(r#"element(["a", "b"], 3)"#), s("b"));
    assert_eq!(ok(r#"merge([{a=1}, {b=2}]...)"#), map(&[("a", n(1.0)), ("b", n(2.0))]));
}

#[test]
fn conditionals_and_operators() {
    assert_eq!(ok(r#"true ? "y" : "n""#), s("y")); // console
    assert_eq!(ok(r#"1 == 1 ? "eq" : "ne""#), s("eq")); // console
    assert_eq!(ok(r#"false ? {a="x"}["b"] : "ok""#), s("ok")); // console: "ok"
    assert_eq!(ok(r#"var.env == "prod" ? "p" : "n""#), s("p"));
    assert_eq!(ok(r#"local.unknown == "x" ? "a" : "b""#), Value::Unknown);
    assert_eq!(ok(r#"local.unknown == "x" ? "same" : "same""#), s("same"));
    assert_eq!(ok(r#""x" == "x" && 1 < 2"#), Value::Bool(true)); // console
    assert_eq!(ok("!true || false"), Value::Bool(false)); // console
    assert_eq!(ok("5 % 3"), n(2.0)); // console
    assert_eq!(ok("-1 == -1"), Value::Bool(true)); // console
    assert_eq!(ok("1 == \"1\""), Value::Bool(false));
}

#[test]
fn for_expressions_in_braces_may_span_lines() {
    // terraform console: { "a" = "small", "b" = "big" } and { "A" = 2, "B" = 3 }.
    let v = ok("{\n  for k, v in { a = 1, b = 2 } : k =>\n  v > 1\n  ? \"big\"\n  : \"small\"\n}");
    assert_eq!(v, map(&[("a", s("small")), ("b", s("big"))]));
    let v = ok("{\n  for k, v in { a = 1, b = 2 } :\n  upper(k)\n  => v\n  + 1\n}");
    assert_eq!(v, map(&[("A", n(2.0)), ("B", n(3.0))]));
}

#[test]
fn for_expressions() {
    assert_eq!(ok(r#"[for s in ["a","b"] : upper(s)]"#), list(&[s("A"), s("B")])); // console
    assert_eq!(ok("{for k, v in {a=1,b=2} : k => v * 2}"), map(&[("a", n(2.0)), ("b", n(4.0))])); // console
    assert_eq!(ok("{for k, v in {a=1,b=2} : upper(k) => v if v > 1}"), map(&[("B", n(2.0))])); // console
    assert_eq!(ok(r#"[for i, s in ["a","b"] : "${i}-${s}"]"#), list(&[s("0-a"), s("1-b")])); // console
                                                                                             // console: { "1" = ["a"], "2" = ["b"] }
    assert_eq!(
        ok("{for k, v in {a=1,b=2} : v => k...}"),
        map(&[("1", list(&[s("a")])), ("2", list(&[s("b")]))])
    );
    assert_eq!(ok(r#"[for s in local.xs : s if s != "b"]"#), list(&[s("a")])); // console
    assert_eq!(
        ok(r#"{for s in toset(["x","y"]) : s => "v-${s}"}"#),
        map(&[("x", s("v-x")), ("y", s("v-y"))])
    ); // console
    assert_eq!(ok("[for s in local.unknown : s]"), Value::Unknown);
    assert!(fails("{for k, v in {a=1,b=1} : v => k}"));
}

#[test]
fn each_and_count() {
    let mut env = Env { each: Some(Each { key: s("a"), value: map(&[("x", s("1"))]) }), ..Env::default() };
    assert_eq!(eval_env(r#""${each.key}-${each.value.x}""#, &mut env), Ok(s("a-1")));
    let mut env = Env { count_index: Some(n(2.0)), ..Env::default() };
    assert_eq!(eval_env(r#""n${count.index}""#, &mut env), Ok(s("n2")));
    let mut env = Env { each: Some(Each { key: Value::Unknown, value: Value::Unknown }), ..Env::default() };
    assert_eq!(eval_env("each.key", &mut env), Ok(Value::Unknown));
    assert_eq!(ok("each.key"), Value::Unknown);
}

#[test]
fn tags_conversion() {
    let tags =
        tags_from_value(&map(&[("a", s("x")), ("n", n(1.0)), ("u", Value::Unknown), ("z", Value::Null)]))
            .expect("a tag map");
    assert!(tags.complete);
    assert_eq!(tags.tags.get("a"), Some(&TagValue::Known("x".into())));
    assert_eq!(tags.tags.get("n"), Some(&TagValue::Known("1".into())));
    assert_eq!(tags.tags.get("u"), Some(&TagValue::Unknown));
    assert_eq!(tags.tags.get("z"), None);
    assert!(tags_from_value(&s("x")).is_err());
    assert!(tags_from_value(&map(&[("a", list(&[]))])).is_err());
    assert_eq!(tags_from_value(&Value::Unknown), Ok(EffectiveTags::partial(SmallMap::new())));
}

#[test]
fn merge_tags_resource_wins() {
    let base =
        EffectiveTags::known([("a".to_string(), "1".to_string()), ("b".to_string(), "2".to_string())].into());
    let over = EffectiveTags::known([("b".to_string(), "3".to_string())].into());
    let merged = merge_tags(&base, &over);
    assert!(merged.complete);
    assert_eq!(merged.known_values().get("b"), Some("3"));
    let unknown = EffectiveTags::partial(SmallMap::new());
    let merged = merge_tags(&base, &unknown);
    assert!(!merged.complete);
    assert_eq!(merged.tags.get("a"), Some(&TagValue::Unknown));
}

#[test]
fn numbers_print_like_terraform() {
    assert_eq!(format_number(2e20), "200000000000000000000"); // console: tostring(2e20)
    assert_eq!(format_number(2.0 * 0.1), "0.2"); // console: 0.2
    assert_eq!(format_number(-3.0), "-3");
}

#[test]
fn hostile_arguments_do_not_panic() {
    assert_eq!(ok(r#"format("%99999999999s", "a")"#), Value::Unknown);
    assert_eq!(ok(r#"substr("abc", 1, 1e30)"#), s("bc"));
    assert_eq!(ok(r#"substr("abc", 9, 1)"#), s("")); // console
    assert!(fails("element([], 0)"));
    assert!(fails("local.xs[-1]"));
    assert!(fails("local.xs[0.5]"));
    assert!(fails("1 / 0"));
    // Results too large to be tags are unknown, not allocated.
    assert_eq!(
        ok(r#"indent(4096, join("\n", [for i in range(1024) : "x"]))"#),
        s(&format!("x{}", format!("\n{}x", " ".repeat(4096)).repeat(1023)))
    );
    assert_eq!(
        ok(
            r#"replace(join("", [for i in range(1000) : "abcdefghij"]), "", join("", [for i in range(1000) : "abcdefghijklmnopqrstu"]))"#
        ),
        Value::Unknown
    );
    assert!(fails("range(1, 2, 0)"));
    assert_eq!(ok(r#"format("%4097s", "a")"#), Value::Unknown);
}

#[test]
fn logical_operators_fold_with_unknowns() {
    // Issue 14: `x && false` is false and `x || true` is true whatever x is.
    assert_eq!(ok("var.nothing && false"), Value::Bool(false));
    assert_eq!(ok("false && var.nothing"), Value::Bool(false));
    assert_eq!(ok("var.nothing || true"), Value::Bool(true));
    assert_eq!(ok("true || var.nothing"), Value::Bool(true));
    assert_eq!(ok("var.nothing && true"), Value::Unknown);
    assert_eq!(ok("var.nothing || false"), Value::Unknown);
    assert!(fails("null && false"));
    assert_eq!(ok("{ a = var.nothing } != null"), Value::Bool(true));
    assert_eq!(ok("var.nothing == null"), Value::Unknown);
}

#[test]
fn conditional_with_unknown_condition_keeps_what_both_branches_agree_on() {
    assert_eq!(ok("var.nothing ? 0 : 0"), n(0.0));
    assert_eq!(ok("var.nothing ? 1 : 0"), Value::Unknown);
    let v = ok(r#"var.nothing ? { Owner = "a", Name = "n" } : { Owner = "b" }"#);
    let Value::Map(m) = v else { panic!("a map") };
    assert_eq!(m.entries.get("Owner"), Some(&Value::Unknown));
    assert!(!m.entries.contains_key("Name") && !m.complete);
    let v = ok(r#"var.nothing ? { Owner = "a" } : { Owner = "a" }"#);
    assert_eq!(v, map(&[("Owner", s("a"))]));
    assert_eq!(ok(r#"var.nothing ? ["a", "b"] : ["a", "c"]"#), list(&[s("a"), Value::Unknown]));
}

#[test]
fn index_with_an_unknown_key_keeps_what_every_element_agrees_on() {
    let by_env = r#"{ prod = { owner = "a", env = "prod" }, dev = { owner = "b", env = "dev", x = "1" } }"#;
    let v = ok(&format!("{by_env}[var.nothing]"));
    let Value::Map(m) = v else { panic!("a map") };
    assert_eq!(m.entries.get("owner"), Some(&Value::Unknown));
    assert_eq!(m.entries.get("env"), Some(&Value::Unknown));
    assert!(!m.complete && m.may_hold("x") && !m.may_hold("team"));
    assert_eq!(ok(r#"["a", "a"][var.nothing]"#), s("a"));
    assert_eq!(ok(r#"["a", "b"][var.nothing]"#), Value::Unknown);
    assert_eq!(ok("{}[var.nothing]"), Value::Unknown, "every key fails");
    assert_eq!(ok("[][var.nothing]"), Value::Unknown);
    assert_eq!(ok(r#"merge(var.nothing, { a = "x" })[var.nothing]"#), Value::Unknown);
}

#[test]
fn lookup_with_an_unknown_key_keeps_what_every_outcome_agrees_on() {
    // The only possible results are the map's values and the default.
    assert_eq!(ok("lookup({}, var.nothing, {})"), Value::Map(Map::known(BTreeMap::new())));
    assert_eq!(ok(r#"lookup({a = "x", b = "x"}, var.nothing, "x")"#), s("x"));
    assert_eq!(ok(r#"lookup({a = "x"}, var.nothing, "y")"#), Value::Unknown);
    let v = ok(r#"lookup({a = { Owner = "o", Name = "a" } }, var.nothing, { Owner = "o" })"#);
    let Value::Map(m) = v else { panic!("a map") };
    assert_eq!(m.entries.get("Owner"), Some(&s("o")));
    assert!(!m.entries.contains_key("Name") && !m.complete);
    assert_eq!(ok("lookup({}, var.nothing)"), Value::Unknown, "no outcome but an error");
    assert_eq!(ok("lookup(merge(var.nothing, {}), var.nothing, {})"), Value::Unknown);
}

/// Effective tags of a tag map expression.
fn tags_of(expr: &str) -> EffectiveTags {
    tags_from_value(&ok(expr)).expect("a tag map")
}

#[test]
fn keys_an_incomplete_map_may_hold_are_kept_so_other_keys_are_missing() {
    use crate::model::TagPresence;
    // One branch of an unknown conditional adds Name: owner is certainly missing.
    let t = tags_of(r#"merge({ Example = "e" }, var.nothing != "" ? { Name = var.nothing } : {})"#);
    assert!(!t.complete);
    assert_eq!(t.presence("owner"), TagPresence::Missing);
    assert_eq!(t.presence("Name"), TagPresence::Unknown);
    assert!(t.may_hold("name"), "a wrong-case Name would be a variant of the key name");
    assert_eq!(t.presence("Example"), TagPresence::Present(&TagValue::Known("e".into())));
    // A key template with a literal start: no required key of another start can be it.
    let t = tags_of(r#"{ "kubernetes.io/cluster/${var.nothing}" = "owned", Env = "x" }"#);
    assert_eq!(t.presence("owner"), TagPresence::Missing);
    assert_eq!(t.presence("kubernetes.io/cluster/prod"), TagPresence::Unknown);
    let t = tags_of(r#"{ "${var.nothing}-owner" = "x" }"#);
    assert_eq!(t.presence("owner"), TagPresence::Missing, "a key ending in -owner is longer than owner");
    assert_eq!(t.presence("team-owner"), TagPresence::Unknown);
    // Nothing known of the key: anything may be present.
    assert_eq!(tags_of(r#"{ (var.nothing) = "x" }"#).presence("owner"), TagPresence::Unknown);
    assert_eq!(tags_of(r#"{ "${var.nothing}" = "x" }"#).presence("owner"), TagPresence::Unknown);
    assert_eq!(tags_of(r#"merge({ a = "1" }, var.nothing)"#).presence("owner"), TagPresence::Unknown);
    // What merges over a known key can only touch the keys it may hold.
    let t = tags_of(r#"merge({ owner = "o" }, var.nothing != "" ? { Name = "n" } : {})"#);
    assert_eq!(t.presence("owner"), TagPresence::Present(&TagValue::Known("o".into())));
    let t = tags_of(r#"merge({ Name = "o" }, var.nothing != "" ? { Name = "n" } : {})"#);
    assert_eq!(t.presence("Name"), TagPresence::Present(&TagValue::Unknown));
    // Shapes survive a second conditional and merge_tags with default tags.
    let t = tags_of(r#"var.nothing ? { a = "1" } : merge({ b = "2" }, { "x/${var.nothing}" = "3" })"#);
    assert_eq!(t.presence("owner"), TagPresence::Missing);
    assert_eq!(t.presence("a"), TagPresence::Unknown);
    assert_eq!(t.presence("x/y"), TagPresence::Unknown);
    let defaults = tags_of(r#"{ env = "prod" }"#);
    let merged = merge_tags(&defaults, &tags_of(r#"var.nothing ? { Name = "n" } : {}"#));
    assert_eq!(merged.presence("env"), TagPresence::Present(&TagValue::Known("prod".into())));
    assert_eq!(merged.presence("owner"), TagPresence::Missing);
    let merged = merge_tags(&tags_of(r#"var.nothing ? { Name = "n" } : {}"#), &defaults);
    assert_eq!(merged.presence("owner"), TagPresence::Missing);
    assert_eq!(merged.presence("Name"), TagPresence::Unknown);
}

#[test]
fn length_of_for_over_known_empty_collection() {
    assert_eq!(ok("length([for x in [] : var.nothing])"), n(0.0)); // console: 0, even for unknown bodies
    assert_eq!(ok("length({for k, v in {} : k => var.nothing})"), n(0.0));
    assert_eq!(ok("length([for x in var.nothing : x])"), Value::Unknown);
    assert_eq!(ok("length([var.nothing, 1])"), n(2.0)); // console: 2
}

#[test]
fn unknowns_propagate_as_in_terraform() {
    // Any unknown argument: unknown (console with a terraform_data output).
    for expr in [
        "upper(var.nothing)",
        "max(1, var.nothing)",
        "jsonencode([var.nothing])",
        "format(\"%s\", var.nothing)",
        "join(\",\", [\"a\", var.nothing])",
        "cidrsubnet(var.nothing, 4, 1)",
        "sort([\"b\", var.nothing])",
        "flatten([[var.nothing]])",
        "distinct([var.nothing])",
        "compact([var.nothing])",
        "tomap(var.nothing)",
        "keys(var.nothing)",
        "try(var.nothing, \"z\")",
        "can(var.nothing)",
        "length(var.nothing)",
    ] {
        assert_eq!(ok(expr), Value::Unknown, "{expr}");
    }
    // What does not need the unknown part stays known.
    assert_eq!(ok("keys({ a = var.nothing })"), list(&[s("a")])); // console: ["a"]
    assert_eq!(ok("concat([var.nothing], [\"b\"])"), list(&[Value::Unknown, s("b")])); // console
    assert_eq!(ok("coalesce(\"a\", var.nothing)"), s("a"));
    assert_eq!(ok("anytrue([var.nothing, true])"), Value::Bool(true));
    assert_eq!(ok("anytrue([var.nothing, false])"), Value::Unknown);
    assert_eq!(ok("alltrue([var.nothing, false])"), Value::Bool(false));
    assert_eq!(ok("alltrue([var.nothing, true])"), Value::Unknown);
    assert_eq!(ok("element([var.nothing, \"b\"], 1)"), s("b"));
    assert_eq!(ok("one([var.nothing])"), Value::Unknown);
    // The length of a slice is known before the list is.
    assert_eq!(ok("length(slice(var.nothing, 0, 3))"), n(3.0));
    assert_eq!(ok("slice(var.nothing, 1, 1)"), list(&[]));
    assert_eq!(ok("reverse([var.nothing, 1])"), list(&[n(1.0), Value::Unknown]));
    assert_eq!(ok("lookup({ a = 1 }, var.nothing, 0)"), Value::Unknown);
    assert_eq!(ok("contains([var.nothing, \"a\"], \"a\")"), Value::Bool(true));
    assert_eq!(ok("contains([var.nothing], \"a\")"), Value::Unknown);
    // Functions we do not evaluate are unknown, never an error.
    assert_eq!(ok("file(\"x\")"), Value::Unknown);
    assert_eq!(ok("timestamp()"), Value::Unknown);
    assert_eq!(ok("yamldecode(\"a: 1\")"), Value::Unknown);
}
