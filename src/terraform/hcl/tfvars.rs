//! Root variable values from variable definition files, in Terraform's order of precedence
//! (later wins): `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars` and
//! `*.auto.tfvars.json` together in lexical order of their names, then the `--var-file`s in the
//! order given. A file whose name ends in `.json` is JSON (its values are literal, as in
//! Terraform); any other file is native syntax, evaluated without variables or functions of
//! the module.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::Span;

use super::files::{hcl_diagnostic, read_text, SourceFile, WalkedDir};
use super::CodeOptions;
use crate::error::InputError;
use crate::model::{Diagnostic, SourceLocation};
use crate::terraform::eval::{from_json, Env, Scope, Value};

/// Root variable values from the variable files of `dir` and `--var-file`s (see the module doc).
/// `walked`: the roots walk's listing of `dir`, if it listed it (then `dir` is not listed again).
pub(super) fn load_tfvars(
    dir: &Path,
    walked: Option<&WalkedDir>,
    opts: &CodeOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<BTreeMap<String, Value>, InputError> {
    let is_auto = |n: &str| n.ends_with(".auto.tfvars") || n.ends_with(".auto.tfvars.json");
    let mut auto: Vec<String> = match walked {
        Some(walked) => walked.names().filter(|n| is_auto(n)).map(str::to_string).collect(),
        None => std::fs::read_dir(dir)
            .map_err(|e| InputError::io(dir, e))?
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_auto(n))
            .collect(),
    };
    auto.sort();
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    for name in ["terraform.tfvars", "terraform.tfvars.json"] {
        let default = dir.join(name);
        // An entry of the listing is what `symlink_metadata` finds (of any kind).
        let exists = match walked {
            Some(walked) => walked.has(name),
            None => std::fs::symlink_metadata(&default).is_ok(),
        };
        if exists {
            paths.push((default, false));
        }
    }
    paths.extend(auto.into_iter().map(|n| (dir.join(n), false)));
    paths.extend(opts.var_files.iter().map(|p| (p.clone(), true)));

    let empty = Scope::empty();
    let mut values = BTreeMap::new();
    for (path, user_named) in paths {
        let display = path.to_string_lossy().into_owned();
        let text = match read_text(&path) {
            Ok(text) => text,
            Err(e) if user_named => return Err(InputError::io(&path, e)),
            Err(e) => {
                diagnostics.push(hcl_diagnostic(SourceLocation::file(display), format!("cannot read: {e}")));
                continue;
            }
        };
        if display.ends_with(".json") {
            match json_values(&text) {
                Ok(json) => values.extend(json),
                Err((line, column, message)) => diagnostics.push(hcl_diagnostic(
                    SourceLocation::at(display, line, column),
                    format!("cannot parse (JSON variables): {message}"),
                )),
            }
            continue;
        }
        let file = match SourceFile::parse(display, text) {
            Ok(file) => file,
            Err(diag) => {
                diagnostics.push(*diag);
                continue;
            }
        };
        for attr in file.body.attributes() {
            let value = match empty.eval(&attr.value, &mut Env::default()) {
                Ok(v) => v,
                Err(e) => {
                    diagnostics.push(hcl_diagnostic(
                        file.location(attr.span()),
                        format!("variable {}: {e}", attr.key.as_str()),
                    ));
                    Value::Unknown
                }
            };
            values.insert(attr.key.as_str().to_string(), value);
        }
    }
    Ok(values)
}

/// The variables of a JSON variable file: one object, a value per variable. `Err` has the
/// 1-based line and column of the problem.
fn json_values(text: &str) -> Result<BTreeMap<String, Value>, (u32, u32, String)> {
    let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| (at(e.line()), at(e.column()), e.to_string()))?;
    match json {
        serde_json::Value::Object(entries) => {
            Ok(entries.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
        other => {
            let kind = match other {
                serde_json::Value::Array(_) => "an array",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::Bool(_) => "a boolean",
                _ => "null",
            };
            Err((1, 1, format!("the root must be an object of variable values, got {kind}")))
        }
    }
}

pub(super) fn eval_or_unknown(scope: &Scope<'_>, expr: &Expression, env: &mut Env) -> Value {
    scope.eval(expr, env).unwrap_or(Value::Unknown)
}
