//! Unknown-aware evaluation of Terraform expressions, enough to compute effective tags.
//!
//! Responsible for: turning an `hcl-edit` [`Expression`] into a [`Value`] within one module
//! instance's [`Scope`] (its `var.*` values and lazily evaluated, cycle-safe `local.*`), plus the
//! per-instance bindings (`each.*`, `count.index`, `for` and `dynamic` iterators), a subset of
//! Terraform's functions (see [`functions`]), and converting a tag map value into
//! [`EffectiveTags`]. Not responsible for: reading files, module loading, provider inheritance
//! or resource expansion (that is `hcl.rs`).
//!
//! # Unknown values
//! [`Value::Unknown`] stands for anything we cannot know statically: references to resources,
//! `data.*`, `module.*` outputs, `path.*`, variables without a value, and functions we do not
//! implement. Unknown is never an error and never a guess: an operation on an unknown operand
//! is unknown, with these refinements that follow from Terraform's semantics:
//! - a conditional with an unknown condition has what both branches agree on ([`join`]): equal
//!   values, the keys both maps have (so a tag set in both branches is present), element-wise
//!   for lists of equal length; `false && x` is false and `true || x` is true whatever `x` is,
//!   and a value known to exist is `!= null`. Terraform 1.11 itself answers unknown in these
//!   cases until it knows the condition; the value it will compute is always the one we give;
//! - `try`/`can` return unknown when the first non-failing argument is not wholly known (this
//!   is what Terraform does: it cannot tell yet whether the expression will fail);
//! - maps may be *incomplete* ([`Map::complete`] is false): the known entries are certainly
//!   present, but other keys may exist. `merge(a, X, b)` with `X` unknown keeps the keys of `a`
//!   present with unknown values (`X` may override their values but never removes a key), keeps
//!   the entries of `b` exactly (nothing after `X` can be overridden by it) and is incomplete
//!   (`X` may add keys). An object constructor with an unknown key is likewise incomplete.
//!   Functions that need the full key set (`keys`, `length`, a missing key in `lookup`) return
//!   unknown for an incomplete map.
//!
//! `Err` is reserved for expressions Terraform itself rejects (a missing map key, a type
//! mismatch, a null in a template); it is what lets `try` and `can` work.

mod functions;
pub(crate) mod types;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, Traversal, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use crate::model::{Diagnostic, EffectiveTags, SmallMap, SourceLocation, TagValue};

/// A Terraform value as far as we can know it statically.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    /// Terraform numbers are arbitrary-precision; `f64` is exact for the integers and short
    /// decimals found in tag code.
    Number(f64),
    String(String),
    /// Lists, tuples and sets (a set is a sorted list without duplicates).
    List(Vec<Value>),
    /// Maps and objects.
    Map(Map),
    Unknown,
}

/// A map or object. `complete == false`: the entries are certainly present, others may exist.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Map {
    pub(crate) entries: BTreeMap<String, Value>,
    pub(crate) complete: bool,
}

impl Map {
    pub(crate) fn known(entries: BTreeMap<String, Value>) -> Self {
        Self { entries, complete: true }
    }
}

impl Value {
    pub(crate) fn string(s: impl Into<String>) -> Self {
        Value::String(s.into())
    }

    /// No unknown anywhere inside, and every map complete.
    pub(crate) fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(m) => m.complete && m.entries.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Unknown => "unknown",
        }
    }

    /// The string form of a primitive (Terraform's automatic conversion to string).
    pub(crate) fn to_text(&self) -> Result<String, EvalError> {
        match self {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(format_number(*n)),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Err(EvalError::new("a null value cannot be used as a string")),
            other => Err(EvalError::new(format!("string required, got {}", other.type_name()))),
        }
    }

    /// The number form of a primitive (Terraform converts numeric strings automatically).
    pub(crate) fn to_number(&self) -> Result<f64, EvalError> {
        match self {
            Value::Number(n) => Ok(*n),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| EvalError::new(format!("a number is required, got {s:?}"))),
            other => Err(EvalError::new(format!("number required, got {}", other.type_name()))),
        }
    }

    pub(crate) fn to_bool(&self) -> Result<bool, EvalError> {
        match self {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(EvalError::new(format!("bool required, got {}", other.type_name()))),
        }
    }
}

/// Numbers print as Terraform prints them: integers without a decimal point or exponent, other
/// numbers in their shortest form at 15 significant digits. Terraform computes with 512-bit
/// floats, so `0.1 + 0.2` is `0.3` there; rounding our `f64` to 15 digits gives the same text
/// for every sum or product of short decimals.
pub(crate) fn format_number(n: f64) -> String {
    if n == 0.0 {
        return "0".to_string();
    }
    if n.fract() == 0.0 && n.abs() < 1e21 {
        return format!("{n:.0}");
    }
    let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    format!("{rounded}")
}

/// An expression Terraform itself would reject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvalError(String);

impl EvalError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) type EvalResult = Result<Value, EvalError>;

/// A `locals { name = expr }` entry, kept unevaluated until first use.
#[derive(Debug, Clone)]
pub(crate) struct LocalDef<'a> {
    pub(crate) expr: &'a Expression,
    pub(crate) location: SourceLocation,
}

/// `each.key` / `each.value` of a `for_each` instance (unknown for an unexpanded `[*]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Each {
    pub(crate) key: Value,
    pub(crate) value: Value,
}

/// Per-evaluation bindings: instance keys and iterator variables (innermost last).
#[derive(Debug, Clone, Default)]
pub(crate) struct Env {
    pub(crate) each: Option<Each>,
    pub(crate) count_index: Option<Value>,
    pub(crate) names: Vec<(String, Value)>,
    /// A name that is not bound is an error (in `templatestring`, only its variables exist)
    /// rather than unknown.
    pub(crate) strict_names: bool,
}

impl Env {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.names.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// One module instance: its variable values and its locals (evaluated once, on demand).
pub(crate) struct Scope<'a> {
    vars: BTreeMap<String, Value>,
    locals: HashMap<String, LocalDef<'a>>,
    cache: RefCell<HashMap<String, EvalResult>>,
    active: RefCell<Vec<String>>,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(vars: BTreeMap<String, Value>, locals: HashMap<String, LocalDef<'a>>) -> Self {
        Self {
            vars,
            locals,
            cache: RefCell::default(),
            active: RefCell::default(),
            diagnostics: RefCell::default(),
        }
    }

    /// A scope with no variables and no locals: for tfvars, variable defaults and backends.
    pub(crate) fn empty() -> Self {
        Self::new(BTreeMap::new(), HashMap::new())
    }

    /// Problems found while evaluating locals (cycles), drained.
    pub(crate) fn take_diagnostics(&self) -> Vec<Diagnostic> {
        std::mem::take(&mut *self.diagnostics.borrow_mut())
    }

    fn local(&self, name: &str) -> EvalResult {
        if let Some(cached) = self.cache.borrow().get(name) {
            return cached.clone();
        }
        let Some(def) = self.locals.get(name) else {
            return Err(EvalError::new(format!("reference to undeclared local value local.{name}")));
        };
        let cycle = {
            let active = self.active.borrow();
            active.iter().position(|n| n == name).map(|start| {
                let mut chain: Vec<String> = active[start..].iter().map(|n| format!("local.{n}")).collect();
                chain.push(format!("local.{name}"));
                chain.join(" -> ")
            })
        };
        if let Some(chain) = cycle {
            self.diagnostics.borrow_mut().push(Diagnostic {
                source: "hcl".into(),
                location: Some(def.location.clone()),
                account: None,
                region: None,
                message: format!("cycle between local values: {chain}; treated as unknown"),
            });
            return Ok(Value::Unknown);
        }
        self.active.borrow_mut().push(name.to_string());
        let result = self.eval(def.expr, &mut Env::default());
        self.active.borrow_mut().pop();
        self.cache.borrow_mut().insert(name.to_string(), result.clone());
        result
    }

    /// Evaluate an expression in this scope with the given bindings.
    pub(crate) fn eval(&self, expr: &Expression, env: &mut Env) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => {
                n.value().as_f64().map(Value::Number).ok_or_else(|| EvalError::new("number out of range"))
            }
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    out.push(self.eval(item, env)?);
                }
                Ok(Value::List(out))
            }
            Expression::Object(object) => {
                let mut map = Map::known(BTreeMap::new());
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => Value::string(ident.as_str()),
                        ObjectKey::Expression(key_expr) => self.eval(key_expr, env)?,
                    };
                    let value = self.eval(value.expr(), env)?;
                    match key {
                        Value::Unknown => map.complete = false,
                        Value::Null => return Err(EvalError::new("object key must not be null")),
                        key => {
                            map.entries.insert(key.to_text()?, value);
                        }
                    }
                }
                Ok(Value::Map(map))
            }
            // Bounded (`limits::check`): templates, calls and `for` are where values grow.
            Expression::StringTemplate(template) => {
                self.eval_template(template, env).and_then(super::limits::check)
            }
            Expression::HeredocTemplate(heredoc) => {
                self.eval_template(&heredoc.template, env).and_then(super::limits::check)
            }
            Expression::Parenthesis(inner) => self.eval(inner.inner(), env),
            Expression::Variable(name) => match env.lookup(name.as_str()) {
                Some(v) => Ok(v.clone()),
                None if env.strict_names => {
                    Err(EvalError::new(format!("no variable named {:?}", name.as_str())))
                }
                None => Ok(Value::Unknown),
            },
            Expression::Conditional(cond) => {
                match self.eval(&cond.cond_expr, env)? {
                    Value::Unknown => {
                        // Whatever the condition turns out to be, the result has what both
                        // branches agree on (Terraform itself says unknown until it knows).
                        let t = self.eval(&cond.true_expr, env);
                        let f = self.eval(&cond.false_expr, env);
                        match (t, f) {
                            (Ok(t), Ok(f)) => Ok(join(t, f)),
                            _ => Ok(Value::Unknown),
                        }
                    }
                    Value::Null => Err(EvalError::new("the condition value is null")),
                    c => {
                        if c.to_bool()? {
                            self.eval(&cond.true_expr, env)
                        } else {
                            self.eval(&cond.false_expr, env)
                        }
                    }
                }
            }
            Expression::FuncCall(call) => self.call(call, env).and_then(super::limits::check),
            Expression::Traversal(traversal) => self.eval_traversal(traversal, env),
            Expression::UnaryOp(op) => {
                let v = self.eval(&op.expr, env)?;
                if v == Value::Unknown {
                    return Ok(Value::Unknown);
                }
                match op.operator.value() {
                    UnaryOperator::Not => Ok(Value::Bool(!v.to_bool()?)),
                    UnaryOperator::Neg => Ok(Value::Number(-v.to_number()?)),
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval(&op.lhs_expr, env)?;
                let rhs = self.eval(&op.rhs_expr, env)?;
                binary(*op.operator.value(), &lhs, &rhs)
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr, env).and_then(super::limits::check),
        }
    }

    fn eval_template(&self, template: &Template, env: &mut Env) -> EvalResult {
        // `"${x}"` alone yields x itself, unconverted (Terraform: `"${1+2}"` is the number 3).
        if let Some(Element::Interpolation(interp)) = template.as_single_element() {
            return self.eval(&interp.expr, env);
        }
        let mut out = String::new();
        let mut unknown = false;
        self.render_template(template, env, &mut out, &mut unknown)?;
        Ok(if unknown { Value::Unknown } else { Value::String(out) })
    }

    fn render_template(
        &self,
        template: &Template,
        env: &mut Env,
        out: &mut String,
        unknown: &mut bool,
    ) -> Result<(), EvalError> {
        for element in template.iter() {
            match element {
                Element::Literal(lit) => out.push_str(lit.value()),
                Element::Interpolation(interp) => match self.eval(&interp.expr, env)? {
                    Value::Unknown => *unknown = true,
                    Value::Null => {
                        return Err(EvalError::new("cannot include a null value in a string template"));
                    }
                    v => out.push_str(&v.to_text()?),
                },
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(dir) => match self.eval(&dir.if_expr.cond_expr, env)? {
                        Value::Unknown => *unknown = true,
                        c => {
                            if c.to_bool()? {
                                self.render_template(&dir.if_expr.template, env, out, unknown)?;
                            } else if let Some(else_expr) = &dir.else_expr {
                                self.render_template(&else_expr.template, env, out, unknown)?;
                            }
                        }
                    },
                    Directive::For(dir) => {
                        let f = &dir.for_expr;
                        let Some(items) = iterate(self.eval(&f.collection_expr, env)?)? else {
                            *unknown = true;
                            continue;
                        };
                        for (key, value) in items {
                            let pushed = bind(
                                env,
                                f.key_var.as_ref().map(|k| k.as_str()),
                                key,
                                f.value_var.as_str(),
                                value,
                            );
                            let result = self.render_template(&f.template, env, out, unknown);
                            env.names.truncate(env.names.len() - pushed);
                            result?;
                        }
                    }
                },
            }
        }
        Ok(())
    }

    fn eval_traversal(&self, traversal: &Traversal, env: &mut Env) -> EvalResult {
        let ops = &traversal.operators;
        let (value, consumed) = match &traversal.expr {
            Expression::Variable(root) => match self.resolve_root(root.as_str(), ops, env)? {
                Some(found) => found,
                None if env.strict_names => {
                    return Err(EvalError::new(format!("no variable named {:?}", root.as_str())))
                }
                None => return Ok(Value::Unknown),
            },
            other => (self.eval(other, env)?, 0),
        };
        self.apply_operators(value, &ops[consumed.min(ops.len())..], env)
    }

    fn apply_operators(
        &self,
        mut value: Value,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        env: &mut Env,
    ) -> EvalResult {
        for (i, op) in ops.iter().enumerate() {
            value = match op.value() {
                TraversalOperator::GetAttr(name) => index(value, &Value::string(name.as_str()))?,
                TraversalOperator::Index(key_expr) => {
                    let key = self.eval(key_expr, env)?;
                    index(value, &key)?
                }
                TraversalOperator::LegacyIndex(i) => index(value, &Value::Number(*i.value() as f64))?,
                // A splat applies the rest of the traversal to each element; a null is an empty
                // list and any other single value a list of one.
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let items = match value {
                        Value::Unknown => return Ok(Value::Unknown),
                        Value::Null => Vec::new(),
                        Value::List(items) => items,
                        other => vec![other],
                    };
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(self.apply_operators(item, &ops[i + 1..], env)?);
                    }
                    return Ok(Value::List(out));
                }
            };
        }
        Ok(value)
    }

    /// The value of a root name and how many operators it used; `None`: unknown reference.
    fn resolve_root(
        &self,
        root: &str,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        env: &Env,
    ) -> Result<Option<(Value, usize)>, EvalError> {
        if let Some(v) = env.lookup(root) {
            return Ok(Some((v.clone(), 0)));
        }
        let first = match ops.first().map(|op| op.value()) {
            Some(TraversalOperator::GetAttr(name)) => name.as_str(),
            _ => return Ok(None),
        };
        let value = match root {
            "local" => self.local(first)?,
            "var" => match self.vars.get(first) {
                Some(v) => v.clone(),
                None => {
                    return Err(EvalError::new(format!("reference to undeclared input variable var.{first}")))
                }
            },
            "each" => match (&env.each, first) {
                (Some(each), "key") => each.key.clone(),
                (Some(each), "value") => each.value.clone(),
                _ => Value::Unknown,
            },
            "count" => match (&env.count_index, first) {
                (Some(index), "index") => index.clone(),
                _ => Value::Unknown,
            },
            _ => return Ok(None),
        };
        Ok(Some((value, 1)))
    }

    fn eval_for(&self, for_expr: &hcl_edit::expr::ForExpr, env: &mut Env) -> EvalResult {
        let intro = &for_expr.intro;
        let Some(items) = iterate(self.eval(&intro.collection_expr, env)?)? else {
            return Ok(Value::Unknown);
        };
        let mut list = Vec::new();
        let mut map = Map::known(BTreeMap::new());
        let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (key, value) in items {
            let pushed =
                bind(env, intro.key_var.as_ref().map(|k| k.as_str()), key, intro.value_var.as_str(), value);
            let step = self.for_step(for_expr, env);
            env.names.truncate(env.names.len() - pushed);
            match step? {
                ForStep::Skip => {}
                ForStep::Unknown => return Ok(Value::Unknown),
                ForStep::Item(None, v) => list.push(v),
                ForStep::Item(Some(Value::Unknown), _) => map.complete = false,
                ForStep::Item(Some(k), v) => {
                    let k = k.to_text()?;
                    if for_expr.grouping {
                        groups.entry(k).or_default().push(v);
                    } else if map.entries.insert(k.clone(), v).is_some() {
                        return Err(EvalError::new(format!("duplicate object key {k:?} in for expression")));
                    }
                }
            }
        }
        if for_expr.key_expr.is_none() {
            return Ok(Value::List(list));
        }
        if for_expr.grouping {
            map.entries.extend(groups.into_iter().map(|(k, v)| (k, Value::List(v))));
        }
        Ok(Value::Map(map))
    }

    fn for_step(&self, for_expr: &hcl_edit::expr::ForExpr, env: &mut Env) -> Result<ForStep, EvalError> {
        if let Some(cond) = &for_expr.cond {
            match self.eval(&cond.expr, env)? {
                Value::Unknown => return Ok(ForStep::Unknown),
                c => {
                    if !c.to_bool()? {
                        return Ok(ForStep::Skip);
                    }
                }
            }
        }
        let key = match &for_expr.key_expr {
            Some(k) => Some(self.eval(k, env)?),
            None => None,
        };
        Ok(ForStep::Item(key, self.eval(&for_expr.value_expr, env)?))
    }
}

enum ForStep {
    Skip,
    Unknown,
    Item(Option<Value>, Value),
}

/// Push iterator bindings; returns how many were pushed.
fn bind(env: &mut Env, key_var: Option<&str>, key: Value, value_var: &str, value: Value) -> usize {
    let mut pushed = 1;
    if let Some(k) = key_var {
        env.names.push((k.to_string(), key));
        pushed += 1;
    }
    env.names.push((value_var.to_string(), value));
    pushed
}

/// (key, value) pairs of a collection; `None` when the collection (or its key set) is unknown.
pub(crate) fn iterate(collection: Value) -> Result<Option<Vec<(Value, Value)>>, EvalError> {
    match collection {
        Value::Unknown => Ok(None),
        Value::Map(m) if !m.complete => Ok(None),
        Value::Map(m) => Ok(Some(m.entries.into_iter().map(|(k, v)| (Value::String(k), v)).collect())),
        Value::List(items) => {
            Ok(Some(items.into_iter().enumerate().map(|(i, v)| (Value::Number(i as f64), v)).collect()))
        }
        Value::Null => Err(EvalError::new("cannot iterate over a null value")),
        other => Err(EvalError::new(format!("cannot iterate over a {}", other.type_name()))),
    }
}

/// `collection[key]` / `collection.key`.
pub(crate) fn index(collection: Value, key: &Value) -> EvalResult {
    if *key == Value::Unknown {
        return Ok(Value::Unknown);
    }
    match collection {
        Value::Unknown => Ok(Value::Unknown),
        Value::Map(mut m) => {
            let k = key.to_text()?;
            match m.entries.remove(&k) {
                Some(v) => Ok(v),
                None if m.complete => {
                    Err(EvalError::new(format!("the map has no element for the key {k:?}")))
                }
                None => Ok(Value::Unknown),
            }
        }
        Value::List(mut items) => {
            let i = key.to_number()?;
            if i.fract() != 0.0 || i < 0.0 || i >= items.len() as f64 {
                return Err(EvalError::new(format!("the list has no element at index {}", format_number(i))));
            }
            Ok(items.swap_remove(i as usize))
        }
        Value::Null => Err(EvalError::new("cannot index a null value")),
        other => Err(EvalError::new(format!("cannot index a {}", other.type_name()))),
    }
}

/// What two possible values certainly have in common: the value itself if equal, else maps with
/// the keys both have (incomplete if either has other keys), lists of equal length element by
/// element, and unknown for the rest.
pub(crate) fn join(a: Value, b: Value) -> Value {
    if a == b {
        return a;
    }
    match (a, b) {
        (Value::Map(a), Value::Map(mut b)) => {
            let complete = a.complete && b.complete && a.entries.len() == b.entries.len();
            let mut out = Map { entries: BTreeMap::new(), complete };
            for (k, va) in a.entries {
                match b.entries.remove(&k) {
                    Some(vb) => {
                        out.entries.insert(k, join(va, vb));
                    }
                    None => out.complete = false,
                }
            }
            Value::Map(out)
        }
        (Value::List(a), Value::List(b)) if a.len() == b.len() => {
            Value::List(a.into_iter().zip(b).map(|(a, b)| join(a, b)).collect())
        }
        _ => Value::Unknown,
    }
}

/// A boolean operand of `&&`/`||`: `None` while unknown.
fn logical_operand(v: &Value) -> Result<Option<bool>, EvalError> {
    match v {
        Value::Unknown => Ok(None),
        Value::Null => Err(EvalError::new("a null value cannot be used as a bool")),
        v => v.to_bool().map(Some),
    }
}

fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> EvalResult {
    use BinaryOperator as B;
    if matches!(op, B::And | B::Or) {
        // `false && x` and `true || x` are decided whatever x turns out to be.
        let decisive = op == B::Or;
        return Ok(match (logical_operand(lhs)?, logical_operand(rhs)?) {
            (Some(a), Some(b)) => Value::Bool(if decisive { a || b } else { a && b }),
            (Some(x), None) | (None, Some(x)) if x == decisive => Value::Bool(decisive),
            _ => Value::Unknown,
        });
    }
    if matches!(op, B::Eq | B::NotEq) {
        // A value we know exists is not null, even if parts of it are unknown.
        let null_test = match (lhs, rhs) {
            (Value::Null, Value::Unknown) | (Value::Unknown, Value::Null) => None,
            (Value::Null, other) | (other, Value::Null) => Some(*other == Value::Null),
            _ => None,
        };
        if let Some(equal) = null_test {
            return Ok(Value::Bool(equal == (op == B::Eq)));
        }
    }
    if !lhs.is_wholly_known() || !rhs.is_wholly_known() {
        return Ok(Value::Unknown);
    }
    let num =
        |f: fn(f64, f64) -> f64| -> EvalResult { Ok(Value::Number(f(lhs.to_number()?, rhs.to_number()?))) };
    let cmp =
        |f: fn(f64, f64) -> bool| -> EvalResult { Ok(Value::Bool(f(lhs.to_number()?, rhs.to_number()?))) };
    match op {
        B::Eq => Ok(Value::Bool(lhs == rhs)),
        B::NotEq => Ok(Value::Bool(lhs != rhs)),
        B::And => Ok(Value::Bool(lhs.to_bool()? && rhs.to_bool()?)),
        B::Or => Ok(Value::Bool(lhs.to_bool()? || rhs.to_bool()?)),
        B::Less => cmp(|a, b| a < b),
        B::LessEq => cmp(|a, b| a <= b),
        B::Greater => cmp(|a, b| a > b),
        B::GreaterEq => cmp(|a, b| a >= b),
        B::Plus => num(|a, b| a + b),
        B::Minus => num(|a, b| a - b),
        B::Mul => num(|a, b| a * b),
        B::Div | B::Mod => {
            let (a, b) = (lhs.to_number()?, rhs.to_number()?);
            if b == 0.0 {
                return Err(EvalError::new("division by zero"));
            }
            Ok(Value::Number(if op == B::Div { a / b } else { a % b }))
        }
    }
}

/// A tag map value as effective tags. `Err` when the value cannot be a `map(string)`.
///
/// A null tag value means the key is not set (the AWS provider drops null-valued tags).
pub(crate) fn tags_from_value(value: &Value) -> Result<EffectiveTags, EvalError> {
    match value {
        Value::Null => Ok(EffectiveTags { tags: SmallMap::new(), complete: true }),
        Value::Unknown => Ok(EffectiveTags { tags: SmallMap::new(), complete: false }),
        Value::Map(m) => {
            let mut tags = BTreeMap::new();
            for (k, v) in &m.entries {
                let tag = match v {
                    Value::Null => continue,
                    Value::Unknown => TagValue::Unknown,
                    Value::List(_) | Value::Map(_) => {
                        return Err(EvalError::new(format!(
                            "tag {k:?}: string required, got {}",
                            v.type_name()
                        )));
                    }
                    primitive => TagValue::Known(primitive.to_text()?),
                };
                tags.insert(k.clone(), tag);
            }
            Ok(EffectiveTags { tags: tags.into_iter().collect(), complete: m.complete })
        }
        other => Err(EvalError::new(format!("tags must be a map, got {}", other.type_name()))),
    }
}

/// `base` overridden by `over`, as the AWS provider merges `default_tags` and `tags`.
///
/// If `over` is incomplete, its unknown part may override any key of `base`: those keys stay
/// present with unknown values.
pub(crate) fn merge_tags(base: &EffectiveTags, over: &EffectiveTags) -> EffectiveTags {
    let mut tags = base.tags.clone();
    if !over.complete {
        for v in tags.values_mut() {
            *v = TagValue::Unknown;
        }
    }
    tags.extend(over.tags.iter().map(|(k, v)| (k.clone(), v.clone())));
    EffectiveTags { tags, complete: base.complete && over.complete }
}

#[cfg(test)]
mod goldens;
#[cfg(test)]
mod tests;
