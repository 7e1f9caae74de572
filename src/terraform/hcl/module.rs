//! Module structure: the static definitions of one module directory (variables, locals,
//! providers, resources, module calls, `backend "s3"`), before any instance is evaluated.

use std::collections::HashMap;
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;
use hcl_edit::Span;

use super::files::{literal_string, SourceFile};
use super::tfvars::eval_or_unknown;
use super::S3Backend;
use crate::model::{ResourceMode, SourceLocation};
use crate::terraform::eval::types::{convert, Type};
use crate::terraform::eval::{Env, EvalError, LocalDef, Scope, Value};

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
    pub(super) block: &'a Block,
    pub(super) file: &'a SourceFile,
}

pub(super) struct ResourceDef<'a> {
    pub(super) mode: ResourceMode,
    pub(super) resource_type: &'a str,
    pub(super) name: &'a str,
    pub(super) block: &'a Block,
    pub(super) file: &'a SourceFile,
}

pub(super) struct CallDef<'a> {
    pub(super) name: &'a str,
    pub(super) block: &'a Block,
    pub(super) file: &'a SourceFile,
    pub(super) source: Option<String>,
}

pub(super) struct ModuleDef<'a> {
    pub(super) dir: &'a Path,
    pub(super) variables: Vec<VariableDef<'a>>,
    pub(super) locals: HashMap<String, LocalDef<'a>>,
    pub(super) providers: Vec<ProviderDef<'a>>,
    pub(super) resources: Vec<ResourceDef<'a>>,
    pub(super) calls: Vec<CallDef<'a>>,
    pub(super) backends: Vec<S3Backend>,
}

impl<'a> ModuleDef<'a> {
    pub(super) fn new(files: &'a [SourceFile], dir: &'a Path) -> Self {
        let mut def = ModuleDef {
            dir,
            variables: Vec::new(),
            locals: HashMap::new(),
            providers: Vec::new(),
            resources: Vec::new(),
            calls: Vec::new(),
            backends: Vec::new(),
        };
        for file in files {
            for block in file.body.blocks() {
                let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
                match (block.ident.as_str(), labels.as_slice()) {
                    ("resource", [t, n]) | ("data", [t, n]) => def.resources.push(ResourceDef {
                        mode: if block.ident.as_str() == "data" {
                            ResourceMode::Data
                        } else {
                            ResourceMode::Managed
                        },
                        resource_type: t,
                        name: n,
                        block,
                        file,
                    }),
                    ("variable", [name]) => def.variables.push(VariableDef {
                        name,
                        default: block.body.get_attribute("default").map(|a| &a.value),
                        ty: block.body.get_attribute("type").and_then(|a| Type::parse(&a.value)),
                        nullable: !matches!(
                            block.body.get_attribute("nullable").map(|a| &a.value),
                            Some(Expression::Bool(b)) if !*b.value()
                        ),
                        location: file.location(block.span()),
                    }),
                    ("locals", []) => {
                        for attr in block.body.attributes() {
                            def.locals.insert(
                                attr.key.as_str().to_string(),
                                LocalDef { expr: &attr.value, location: file.location(attr.span()) },
                            );
                        }
                    }
                    ("provider", [name]) => {
                        let alias = block.body.get_attribute("alias").and_then(|a| literal_string(&a.value));
                        let key = match alias {
                            Some(alias) => format!("{name}.{alias}"),
                            None => name.to_string(),
                        };
                        def.providers.push(ProviderDef { key, block, file });
                    }
                    ("module", [name]) => def.calls.push(CallDef {
                        name,
                        block,
                        file,
                        source: block.body.get_attribute("source").and_then(|a| literal_string(&a.value)),
                    }),
                    ("terraform", []) => {
                        for backend in block.body.get_blocks("backend") {
                            if let Some(b) = s3_backend(backend, file) {
                                def.backends.push(b);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        def
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
