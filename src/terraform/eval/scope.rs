//! [`Scope`]: evaluating an expression within one module instance (variables, lazily
//! evaluated cycle-safe locals, per-instance bindings, `for` expressions, templates).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use super::ops::{binary, index, iterate, join};
use super::{Env, EvalError, EvalResult, LocalDef, Map, Value};
use crate::model::{Diagnostic, KeyShape};

/// One module instance: its variable values and its locals (evaluated once, on demand).
pub(crate) struct Scope<'a> {
    vars: BTreeMap<String, Value>,
    locals: HashMap<String, LocalDef<'a>>,
    cache: RefCell<HashMap<String, EvalResult>>,
    active: RefCell<Vec<String>>,
    diagnostics: RefCell<Vec<Diagnostic>>,
    /// `path.cwd`, `path.root` and `path.module`, when the module's place on disk is known.
    paths: Option<ModulePaths>,
}

/// The `path.*` values of one module, as Terraform run in the root module's directory gives
/// them: `cwd` absolute, `root` and `module` relative to it (`.` for the root itself, `/`
/// between components).
#[derive(Debug, Clone)]
pub(crate) struct ModulePaths {
    pub(crate) cwd: String,
    pub(crate) root: String,
    pub(crate) module: String,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(vars: BTreeMap<String, Value>, locals: HashMap<String, LocalDef<'a>>) -> Self {
        Self {
            vars,
            locals,
            cache: RefCell::default(),
            active: RefCell::default(),
            diagnostics: RefCell::default(),
            paths: None,
        }
    }

    /// The same scope with `path.*` known.
    pub(crate) fn with_paths(mut self, paths: ModulePaths) -> Self {
        self.paths = Some(paths);
        self
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
                    let (key, key_expr) = match key {
                        ObjectKey::Ident(ident) => (Value::string(ident.as_str()), None),
                        ObjectKey::Expression(key_expr) => (self.eval(key_expr, env)?, Some(key_expr)),
                    };
                    let value = self.eval(value.expr(), env)?;
                    match key {
                        Value::Unknown => match key_expr.and_then(key_shape) {
                            Some(shape) => map.may_add(shape),
                            None => map.open(),
                        },
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
                self.eval_template(template, env).and_then(crate::terraform::limits::check)
            }
            Expression::HeredocTemplate(heredoc) => {
                self.eval_template(&heredoc.template, env).and_then(crate::terraform::limits::check)
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
            Expression::FuncCall(call) => self.call(call, env).and_then(crate::terraform::limits::check),
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
            Expression::ForExpr(for_expr) => {
                self.eval_for(for_expr, env).and_then(crate::terraform::limits::check)
            }
        }
    }

    pub(super) fn eval_template(&self, template: &Template, env: &mut Env) -> EvalResult {
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
            "path" => match (&self.paths, first) {
                (Some(p), "cwd") => Value::string(p.cwd.as_str()),
                (Some(p), "root") => Value::string(p.root.as_str()),
                (Some(p), "module") => Value::string(p.module.as_str()),
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

/// What an object key whose value is unknown certainly looks like: a string template's literal
/// start and end (`"kubernetes.io/cluster/${var.name}"`). `None` when neither is known.
fn key_shape(expr: &Expression) -> Option<KeyShape> {
    let template = match expr {
        Expression::StringTemplate(t) => t,
        Expression::Parenthesis(inner) => return key_shape(inner.inner()),
        _ => return None,
    };
    let literal = |e: &Element| match e {
        Element::Literal(lit) => Some(lit.value().to_string()),
        _ => None,
    };
    let elements: Vec<&Element> = template.iter().collect();
    let head = elements.iter().map_while(|e| literal(e)).count();
    if head == elements.len() {
        return None; // all literal: the key would be known
    }
    let prefix: String = elements[..head].iter().filter_map(|e| literal(e)).collect();
    let tail = elements[head..].iter().rev().map_while(|e| literal(e)).count();
    let suffix: String = elements[elements.len() - tail..].iter().filter_map(|e| literal(e)).collect();
    (!prefix.is_empty() || !suffix.is_empty()).then_some(KeyShape::Affixes { prefix, suffix })
}
