//! Root variable values from `terraform.tfvars`, `*.auto.tfvars` and `--var-file`s.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl_edit::expr::Expression;
use hcl_edit::Span;

use super::files::{hcl_diagnostic, read_text, SourceFile};
use super::CodeOptions;
use crate::error::InputError;
use crate::model::{Diagnostic, SourceLocation};
use crate::terraform::eval::{Env, Scope, Value};

/// Root variable values from `terraform.tfvars`, `*.auto.tfvars` (lexical order), `--var-file`s.
pub(super) fn load_tfvars(
    dir: &Path,
    opts: &CodeOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<BTreeMap<String, Value>, InputError> {
    let mut auto: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| InputError::io(dir, e))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".auto.tfvars"))
        .collect();
    auto.sort();
    let mut paths: Vec<(PathBuf, bool)> = Vec::new();
    let default = dir.join("terraform.tfvars");
    if default.is_file() {
        paths.push((default, false));
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

pub(super) fn eval_or_unknown(scope: &Scope<'_>, expr: &Expression, env: &mut Env) -> Value {
    scope.eval(expr, env).unwrap_or(Value::Unknown)
}
