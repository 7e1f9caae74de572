//! Module structure: the static definitions of one module directory (variables, locals,
//! providers, resources, module calls, `backend "s3"`), before any instance is evaluated.

use std::collections::HashMap;
use std::path::Path;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Block;
use hcl_edit::Span;

use super::files::{hcl_diagnostic, literal_string, SourceFile};
use super::overrides::{is_override_file, Merged};
use super::tfvars::eval_or_unknown;
use super::S3Backend;
use crate::model::{Diagnostic, ResourceMode, SourceLocation};
use crate::terraform::eval::types::{convert, Type};
use crate::terraform::eval::{Env, EvalError, LocalDef, Scope, Value};
use crate::terraform::provider::is_aws_provider;

pub(super) struct VariableDef<'a> {
    pub(super) name: &'a str,
    pub(super) default: Option<&'a Expression>,
    /// `type = ...`; `None` when absent (any) or not a type we can parse.
    pub(super) ty: Option<Type>,
    /// `nullable = false`: a null value means the default.
    pub(super) nullable: bool,
    pub(super) location: SourceLocation,
}

impl VariableDef<'_> {
    /// The variable's value from what the caller gave (`None`: nothing), after `nullable`,
    /// the default and the type constraint's conversion, as Terraform computes it.
    pub(super) fn value(&self, given: Option<Value>) -> Result<Value, EvalError> {
        let default = || match self.default {
            Some(expr) => eval_or_unknown(&Scope::empty(), expr, &mut Env::default()),
            None => Value::Null,
        };
        let value = match given {
            Some(Value::Null) if !self.nullable => default(),
            Some(v) => v,
            None if self.default.is_some() => default(),
            None => Value::Unknown,
        };
        match &self.ty {
            Some(ty) => convert(value, ty),
            None => Ok(value),
        }
    }
}

pub(super) struct ProviderDef<'a> {
    pub(super) key: String,
    pub(super) merged: Merged<'a>,
}

pub(super) struct ResourceDef<'a> {
    pub(super) mode: ResourceMode,
    pub(super) resource_type: &'a str,
    pub(super) name: &'a str,
    pub(super) merged: Merged<'a>,
}

pub(super) struct CallDef<'a> {
    pub(super) name: &'a str,
    pub(super) merged: Merged<'a>,
}

impl CallDef<'_> {
    /// The module source, when it is a literal string.
    pub(super) fn source(&self) -> Option<String> {
        self.merged.attr("source").and_then(|a| literal_string(&a.attr.value))
    }
}

pub(super) struct ModuleDef<'a> {
    pub(super) dir: &'a Path,
    pub(super) variables: Vec<VariableDef<'a>>,
    pub(super) locals: HashMap<String, LocalDef<'a>>,
    pub(super) providers: Vec<ProviderDef<'a>>,
    pub(super) resources: Vec<ResourceDef<'a>>,
    pub(super) calls: Vec<CallDef<'a>>,
    pub(super) backends: Vec<S3Backend>,
    /// `required_providers`: provider local name -> source address (`awsprod` ->
    /// `hashicorp/aws`). A local name not listed means `hashicorp/<name>`, as in Terraform.
    pub(super) provider_sources: HashMap<String, String>,
    /// Override blocks that match nothing (Terraform rejects them).
    pub(super) diagnostics: Vec<Diagnostic>,
}

/// The header of a top-level block: its type and labels.
fn header(block: &Block) -> (&str, Vec<&str>) {
    (block.ident.as_str(), block.labels.iter().map(|l| l.as_str()).collect())
}

/// `name` or `name.alias`: how resources and module calls refer to a provider configuration.
fn provider_key(name: &str, block: &Block) -> String {
    match block.body.get_attribute("alias").and_then(|a| literal_string(&a.value)) {
        Some(alias) => format!("{name}.{alias}"),
        None => name.to_string(),
    }
}

impl<'a> ModuleDef<'a> {
    /// The definitions of one module directory: the normal files, then the override files
    /// merged over them in file-name order (see [`super::overrides`]).
    pub(super) fn new(files: &'a [SourceFile], dir: &'a Path) -> Self {
        let mut def = ModuleDef {
            dir,
            variables: Vec::new(),
            locals: HashMap::new(),
            providers: Vec::new(),
            resources: Vec::new(),
            calls: Vec::new(),
            backends: Vec::new(),
            provider_sources: HashMap::new(),
            diagnostics: Vec::new(),
        };
        let (overrides, normal): (Vec<&SourceFile>, Vec<&SourceFile>) = files.iter().partition(|f| {
            is_override_file(
                Path::new(&f.path).file_name().map(|n| n.to_string_lossy()).unwrap_or_default().as_ref(),
            )
        });
        let mut variables: Vec<(&'a str, Merged<'a>)> = Vec::new();
        for file in normal {
            for block in file.body.blocks() {
                let (ident, labels) = header(block);
                match (ident, labels.as_slice()) {
                    ("resource", [t, n]) | ("data", [t, n]) => def.resources.push(ResourceDef {
                        mode: if ident == "data" { ResourceMode::Data } else { ResourceMode::Managed },
                        resource_type: t,
                        name: n,
                        merged: Merged::new(block, file),
                    }),
                    ("variable", [name]) => variables.push((name, Merged::new(block, file))),
                    ("locals", []) => def.add_locals(block, file),
                    ("provider", [name]) => def.providers.push(ProviderDef {
                        key: provider_key(name, block),
                        merged: Merged::new(block, file),
                    }),
                    ("module", [name]) => def.calls.push(CallDef { name, merged: Merged::new(block, file) }),
                    ("terraform", []) => {
                        def.add_backends(block, file);
                        def.add_provider_sources(block);
                    }
                    _ => {}
                }
            }
        }
        for file in overrides {
            for block in file.body.blocks() {
                let (ident, labels) = header(block);
                let target = match (ident, labels.as_slice()) {
                    ("resource", [t, n]) | ("data", [t, n]) => {
                        let mode = if ident == "data" { ResourceMode::Data } else { ResourceMode::Managed };
                        def.resources
                            .iter_mut()
                            .find(|r| r.mode == mode && r.resource_type == *t && r.name == *n)
                            .map(|r| &mut r.merged)
                    }
                    ("variable", [name]) => variables.iter_mut().find(|(v, _)| v == name).map(|(_, m)| m),
                    ("provider", [name]) => {
                        let key = provider_key(name, block);
                        def.providers.iter_mut().find(|p| p.key == key).map(|p| &mut p.merged)
                    }
                    ("module", [name]) => {
                        def.calls.iter_mut().find(|c| c.name == *name).map(|c| &mut c.merged)
                    }
                    ("locals", []) => {
                        def.add_locals(block, file);
                        continue;
                    }
                    ("terraform", []) => {
                        // required_providers merges entry by entry.
                        def.add_provider_sources(block);
                        if block.body.get_blocks("backend").next().is_some() {
                            def.backends.clear();
                            def.add_backends(block, file);
                        }
                        continue;
                    }
                    // Outputs and other blocks do not affect tags.
                    _ => continue,
                };
                match target {
                    Some(merged) => merged.push(block, file),
                    None => {
                        let what = std::iter::once(ident).chain(labels.iter().copied()).collect::<Vec<_>>();
                        def.diagnostics.push(hcl_diagnostic(
                            file.location(block.span()),
                            format!(
                                "override of {}: no such block in the module to override",
                                what.join(" ")
                            ),
                        ));
                    }
                }
            }
        }
        def.variables =
            variables.into_iter().map(|(name, merged)| VariableDef::merged(name, &merged)).collect();
        def
    }

    fn add_locals(&mut self, block: &'a Block, file: &'a SourceFile) {
        for attr in block.body.attributes() {
            self.locals.insert(
                attr.key.as_str().to_string(),
                LocalDef { expr: &attr.value, location: file.location(attr.span()) },
            );
        }
    }

    fn add_provider_sources(&mut self, block: &Block) {
        for required in block.body.get_blocks("required_providers") {
            for attr in required.body.attributes() {
                let name = attr.key.as_str().to_string();
                // `aws = "~> 5.0"` (a bare version constraint, Terraform 0.12 style) keeps the
                // default source; an object names it with `source`.
                let source = match &attr.value {
                    Expression::Object(object) => object.iter().find_map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            ObjectKey::Expression(expr) => literal_string(expr)?,
                        };
                        (key == "source").then(|| literal_string(value.expr())).flatten()
                    }),
                    _ => None,
                };
                match source {
                    Some(source) => self.provider_sources.insert(name, source),
                    None => self.provider_sources.remove(&name),
                };
            }
        }
    }

    /// Whether a provider local name of this module (`aws`, `awsprod`) is the AWS provider:
    /// its `required_providers` source when it has one, else `hashicorp/<name>`.
    pub(super) fn is_aws_local_name(&self, local: &str) -> bool {
        match self.provider_sources.get(local) {
            Some(source) => is_aws_provider(source),
            None => is_aws_provider(local),
        }
    }

    fn add_backends(&mut self, block: &'a Block, file: &'a SourceFile) {
        for backend in block.body.get_blocks("backend") {
            if let Some(b) = s3_backend(backend, file) {
                self.backends.push(b);
            }
        }
    }
}

impl<'a> VariableDef<'a> {
    fn merged(name: &'a str, merged: &Merged<'a>) -> Self {
        VariableDef {
            name,
            default: merged.attr("default").map(|a| &a.attr.value),
            ty: merged.attr("type").and_then(|a| Type::parse(&a.attr.value)),
            nullable: !matches!(
                merged.attr("nullable").map(|a| &a.attr.value),
                Some(Expression::Bool(b)) if !*b.value()
            ),
            location: merged.file().location(merged.block().span()),
        }
    }
}

pub(super) fn s3_backend(block: &Block, file: &SourceFile) -> Option<S3Backend> {
    if block.labels.first().map(|l| l.as_str()) != Some("s3") {
        return None;
    }
    let get = |name: &str| block.body.get_attribute(name).and_then(|a| literal_string(&a.value));
    Some(S3Backend {
        bucket: get("bucket")?,
        key: get("key")?,
        region: get("region"),
        location: file.location(block.span()),
    })
}
