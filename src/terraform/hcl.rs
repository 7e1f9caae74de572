//! Terraform code reader: loads a module directory (and the local modules it calls) into
//! [`TfResource`]s of the [`Layer::Code`] layer, with effective tags and source locations.
//!
//! Responsible for: reading and parsing `*.tf` files with `hcl-edit` (keeping byte spans, turned
//! into `file:line:col` through a line-start index), root variable values (`terraform.tfvars`,
//! `*.auto.tfvars` in lexical order, then `--var-file`s), module instantiation (arguments
//! evaluated in the caller's scope, provider configurations inherited or remapped with
//! `providers = {}`), `count`/`for_each` expansion, provider `default_tags` merged under resource
//! `tags` (autoscaling groups use their `tag` blocks and ignore `default_tags`), and `backend
//! "s3"` blocks. Expression evaluation and the unknown-value rules live in [`super::eval`].
//!
//! `*.tf.json` files (Terraform's JSON syntax) are translated to the native syntax first, line
//! for line ([`super::json_syntax`]), and merge with the `.tf` files of their directory.
//! Override files (`override.tf`, `*_override.tf(.json)`) are not merged: they are left out
//! with a diagnostic, as a silently wrong merge would be worse.
//!
//! Not responsible for: `terraform.tfvars.json`, `TF_VAR_*` environment
//! variables (the library does not read the environment), remote module sources (registry, git:
//! skipped without a diagnostic, as they are normal and not an input problem) and module
//! outputs (`module.x.y` is unknown).
//!
//! Where a value cannot be known statically it is *unknown*, never guessed: an unexpandable
//! `count`/`for_each` yields one `addr[*]` resource (no index) evaluated with unknown
//! `each.*`/`count.index`; an unknown `tags` expression leaves the default-tag keys present with
//! unknown values (the resource may override them) and marks the tags incomplete.
//!
//! A file that does not parse, or an expression Terraform would reject, is a [`Diagnostic`]
//! (the run goes on, marked partial); only an unreadable root directory (or a `--var-file` the
//! user named that cannot be read) is an [`InputError`].

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span;

use super::eval::types::{convert, Type};
use super::eval::{iterate, merge_tags, tags_from_value, Each, Env, EvalError, LocalDef, Map, Scope, Value};
use crate::error::InputError;
use crate::model::{
    Diagnostic, EffectiveTags, IndexKey, Layer, ResourceMode, SmallMap, SourceLocation, TagValue, TfResource,
};
use crate::source::{strip_bom, LineIndex};

/// How deep local modules may nest (Terraform has no limit; this guards symlink loops).
const MAX_MODULE_DEPTH: usize = 20;
/// Larger `count`s are not expanded (one `[*]` resource and a diagnostic instead).
const MAX_INSTANCES: usize = 10_000;
/// Module call arguments that are not input variables.
/// Instances (module and resource, over the whole tree) one load may create: nested modules
/// multiply their counts (4 levels of `count = 40` are 2.56M instances, 25 s and 4.9 GB
/// unbounded). Past this the load stops with an input error naming the block that crossed it.
pub const MAX_TOTAL_INSTANCES: usize = 100_000;
const MODULE_META_ARGS: &[&str] = &["source", "version", "count", "for_each", "providers", "depends_on"];

/// Options for [`load_code`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeOptions {
    /// Extra `--var-file`s, applied after `terraform.tfvars` and `*.auto.tfvars`, in order.
    pub var_files: Vec<PathBuf>,
    /// Parse files on the calling thread: the caller already runs one module per core.
    pub serial: bool,
}

/// Everything read from a Terraform code directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeModel {
    /// Resource instances, `layer == Layer::Code`, sorted by address.
    pub resources: Vec<TfResource>,
    /// Files that failed to parse, expressions Terraform would reject, unreadable modules: the
    /// run goes on, marked partial.
    pub diagnostics: Vec<Diagnostic>,
    /// `backend "s3"` blocks of the root module that name a bucket and key literally.
    pub s3_backends: Vec<S3Backend>,
    /// Resource and data blocks of other providers than AWS, once per module instance: not
    /// evaluated (see [`super::provider`]).
    pub other_provider_resources: usize,
}

/// A `terraform { backend "s3" { ... } }` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Backend {
    pub bucket: String,
    pub key: String,
    pub region: Option<String>,
    pub location: SourceLocation,
}

/// Load the Terraform module in `dir` (all its `*.tf` files) and the local modules it calls.
pub fn load_code(dir: &Path, opts: &CodeOptions) -> Result<CodeModel, InputError> {
    let mut diagnostics = Vec::new();
    let tree = ModuleTree::load(dir, opts.serial, &mut diagnostics)?;
    let root_key = normalise(dir);
    let defs: HashMap<&Path, ModuleDef<'_>> =
        tree.modules.iter().map(|(key, files)| (key.as_path(), ModuleDef::new(files, key))).collect();
    let Some(root) = defs.get(root_key.as_path()) else {
        return Ok(CodeModel { diagnostics, ..CodeModel::default() });
    };

    let tfvars = load_tfvars(dir, opts, &mut diagnostics)?;
    let mut vars = BTreeMap::new();
    for var in &root.variables {
        let value = var.value(tfvars.get(var.name).cloned()).unwrap_or_else(|e| {
            let location = var.location.clone();
            diagnostics.push(hcl_diagnostic(location, format!("variable {}: {e}", var.name)));
            Value::Unknown
        });
        vars.insert(var.name.to_string(), value);
    }

    let mut loader = Loader {
        defs: &defs,
        unreadable: &tree.unreadable,
        resources: Vec::new(),
        diagnostics,
        other_providers: 0,
        may_not_exist: false,
        instances: 0,
        too_many: None,
    };
    let mut stack = vec![root_key.clone()];
    loader.instantiate(root, "", vars, BTreeMap::new(), false, &mut stack);
    if let Some(location) = loader.too_many {
        return Err(InputError::invalid(
            Path::new(&location.file),
            location.line,
            format!(
                "here the code expands past {MAX_TOTAL_INSTANCES} module and resource instances in \
                 all (nested modules multiply their `count`/`for_each`); not evaluated"
            ),
        ));
    }

    let mut resources = loader.resources;
    resources.sort_by(|a, b| a.address.cmp(&b.address));
    let mut diagnostics = loader.diagnostics;
    diagnostics.sort();
    diagnostics.dedup();
    Ok(CodeModel {
        resources,
        diagnostics,
        s3_backends: root.backends.clone(),
        other_provider_resources: loader.other_providers,
    })
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// One parsed file with the index that turns byte offsets into line and column.
struct SourceFile {
    path: String,
    text: String,
    lines: LineIndex,
    body: Body,
}

impl SourceFile {
    /// Parse `text` (BOM already stripped); a parse error becomes a diagnostic at its position.
    fn parse(path: String, text: String) -> Result<Self, Box<Diagnostic>> {
        let text = if path.ends_with(".tf.json") {
            match super::json_syntax::to_native(&text) {
                Ok(native) => native,
                Err(err) => {
                    return Err(Box::new(hcl_diagnostic(
                        SourceLocation::at(path, to_u32(err.line), to_u32(err.column)),
                        format!("cannot parse (JSON syntax): {}", err.message),
                    )))
                }
            }
        } else {
            text
        };
        match crate::hcl_syntax::parse_body(&text) {
            Ok(body) => Ok(Self { path, lines: LineIndex::new(&text), text, body }),
            Err(err) => Err(Box::new(hcl_diagnostic(
                SourceLocation::at(path, to_u32(err.line), to_u32(err.column)),
                format!("cannot parse: {}", err.message),
            ))),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn location_of(&self, offset: usize) -> SourceLocation {
        let (line, column) = self.lines.line_col_chars(&self.text, offset);
        SourceLocation::at(self.path.clone(), line, column)
    }

    fn location(&self, span: Option<Range<usize>>) -> SourceLocation {
        match span {
            Some(span) => self.location_of(span.start),
            None => SourceLocation::file(self.path.clone()),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn hcl_diagnostic(location: SourceLocation, message: impl Into<String>) -> Diagnostic {
    Diagnostic {
        source: "hcl".into(),
        location: Some(location),
        account: None,
        region: None,
        message: message.into(),
    }
}

/// Read a text file as UTF-8 without a leading BOM.
fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = crate::source::read_regular(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "file is not valid UTF-8"))?;
    Ok(match strip_bom(&text) {
        rest if rest.len() == text.len() => text,
        rest => rest.to_string(),
    })
}

/// Lexically normalised path: no `.` (except a leading one), `a/..` folded.
fn normalise(path: &Path) -> PathBuf {
    normalise_path(path, true)
}

/// Lexically normalised path: `a/..` folded, `.` dropped except a leading one when
/// `keep_leading_dot` (a lone `.` is kept either way).
pub(crate) fn normalise_path(path: &Path, keep_leading_dot: bool) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir if keep_leading_dot && out.is_empty() => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// The parsed files of every module directory reachable through local module sources.
struct ModuleTree {
    modules: HashMap<PathBuf, Vec<SourceFile>>,
    /// Module directories that could not be read, with the reason.
    unreadable: HashMap<PathBuf, String>,
}

impl ModuleTree {
    /// Breadth-first over local module sources; every file of a level is parsed in parallel.
    fn load(root: &Path, serial: bool, diagnostics: &mut Vec<Diagnostic>) -> Result<Self, InputError> {
        let mut tree = ModuleTree { modules: HashMap::new(), unreadable: HashMap::new() };
        let root_names = list_tf_files(root).map_err(|e| InputError::io(root, e))?;
        // The root is read through the path the user gave; children through their normalised key.
        let mut level: Vec<(PathBuf, PathBuf, Vec<String>)> =
            vec![(normalise(root), root.to_path_buf(), root_names)];
        for depth in 0..=MAX_MODULE_DEPTH {
            if level.is_empty() {
                break;
            }
            let jobs: Vec<(usize, PathBuf, String)> = level
                .iter()
                .enumerate()
                .flat_map(|(i, (_, dir, names))| {
                    names.iter().map(move |name| {
                        let path = dir.join(name);
                        let display = path.to_string_lossy().into_owned();
                        (i, path, display)
                    })
                })
                .collect();
            let mut parsed: Vec<Vec<SourceFile>> = level.iter().map(|_| Vec::new()).collect();
            for (i, result) in parse_parallel(jobs, serial) {
                match result {
                    Ok(file) => parsed[i].push(file),
                    Err(diag) => diagnostics.push(*diag),
                }
            }
            let mut next: Vec<(PathBuf, PathBuf, Vec<String>)> = Vec::new();
            for ((key, _, _), files) in level.into_iter().zip(parsed) {
                if depth < MAX_MODULE_DEPTH {
                    for child in local_module_dirs(&files, &key) {
                        let seen = tree.modules.contains_key(&child)
                            || tree.unreadable.contains_key(&child)
                            || child == key
                            || next.iter().any(|(k, _, _)| *k == child);
                        if seen {
                            continue;
                        }
                        match list_tf_files(&child) {
                            Ok(names) => next.push((child.clone(), child, names)),
                            Err(e) => {
                                tree.unreadable.insert(child, e.to_string());
                            }
                        }
                    }
                }
                tree.modules.insert(key, files);
            }
            next.retain(|(k, _, _)| !tree.modules.contains_key(k));
            level = next;
        }
        Ok(tree)
    }
}

/// Names of the `*.tf` and `*.tf.json` files of `dir`, sorted, without override files.
fn list_tf_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if super::roots::is_terraform_file(&name) && entry.file_type().is_ok_and(|t| !t.is_dir()) {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// `override.tf`, `x_override.tf` and their `.tf.json` forms: merged over the other files by
/// Terraform, which tally does not do.
fn is_override_file(name: &str) -> bool {
    let stem = name.strip_suffix(".tf.json").or_else(|| name.strip_suffix(".tf")).unwrap_or(name);
    stem == "override" || stem.ends_with("_override")
}

type Parsed = Result<SourceFile, Box<Diagnostic>>;

/// Read and parse files on every core. Results come back in job order, so nothing downstream
/// depends on scheduling.
fn parse_parallel(jobs: Vec<(usize, PathBuf, String)>, serial: bool) -> Vec<(usize, Parsed)> {
    let parse = |(group, path, display): &(usize, PathBuf, String)| -> (usize, Parsed) {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        if is_override_file(&name) {
            let message = "override files are not merged by tally: the module is read without this file";
            return (*group, Err(Box::new(hcl_diagnostic(SourceLocation::file(display.clone()), message))));
        }
        let result = match read_text(path) {
            Ok(text) => SourceFile::parse(display.clone(), text),
            Err(e) => Err(Box::new(hcl_diagnostic(
                SourceLocation::file(display.clone()),
                format!("cannot read: {e}"),
            ))),
        };
        (*group, result)
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs.len());
    if workers <= 1 || serial {
        return jobs.iter().map(parse).collect();
    }
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, (usize, Parsed))> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        done.push((i, parse(job)));
                    }
                    done
                })
            })
            .collect();
        let mut all = Vec::with_capacity(jobs.len());
        for handle in handles {
            // A worker only panics on a bug in the parser: re-raise it rather than lose files.
            all.extend(handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Normalised directories of the local module sources called from these files.
fn local_module_dirs(files: &[SourceFile], dir: &Path) -> Vec<PathBuf> {
    files
        .iter()
        .flat_map(|f| f.body.blocks())
        .filter(|b| b.ident.as_str() == "module")
        .filter_map(|b| literal_string(b.body.get_attribute("source").map(|a| &a.value)?))
        .filter(|s| is_local_source(s))
        .map(|s| normalise(&dir.join(s)))
        .collect()
}

fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

fn literal_string(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().clone()),
        Expression::StringTemplate(t) => {
            t.iter().map(|e| e.as_literal().map(|l| l.value().as_str())).collect::<Option<String>>()
        }
        _ => None,
    }
}

/// `aws`, `aws.west`: a provider reference written as a traversal.
fn reference_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let mut out = match &t.expr {
                Expression::Variable(v) => v.as_str().to_string(),
                _ => return None,
            };
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(name) => {
                        out.push('.');
                        out.push_str(name.as_str());
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        Expression::String(s) => Some(s.value().clone()),
        _ => None,
    }
}

/// Root variable values from `terraform.tfvars`, `*.auto.tfvars` (lexical order), `--var-file`s.
fn load_tfvars(
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
    if std::fs::symlink_metadata(&default).is_ok() {
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

fn eval_or_unknown(scope: &Scope<'_>, expr: &Expression, env: &mut Env) -> Value {
    scope.eval(expr, env).unwrap_or(Value::Unknown)
}

// ---------------------------------------------------------------------------------------------
// Module structure (static, per directory)
// ---------------------------------------------------------------------------------------------

struct VariableDef<'a> {
    name: &'a str,
    default: Option<&'a Expression>,
    /// `type = ...`; `None` when absent (any) or not a type we can parse.
    ty: Option<Type>,
    /// `nullable = false`: a null value means the default.
    nullable: bool,
    location: SourceLocation,
}

impl VariableDef<'_> {
    /// The variable's value from what the caller gave (`None`: nothing), after `nullable`,
    /// the default and the type constraint's conversion, as Terraform computes it.
    fn value(&self, given: Option<Value>) -> Result<Value, EvalError> {
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

struct ProviderDef<'a> {
    key: String,
    block: &'a Block,
    file: &'a SourceFile,
}

struct ResourceDef<'a> {
    mode: ResourceMode,
    resource_type: &'a str,
    name: &'a str,
    block: &'a Block,
    file: &'a SourceFile,
}

struct CallDef<'a> {
    name: &'a str,
    block: &'a Block,
    file: &'a SourceFile,
    source: Option<String>,
}

struct ModuleDef<'a> {
    dir: &'a Path,
    variables: Vec<VariableDef<'a>>,
    locals: HashMap<String, LocalDef<'a>>,
    providers: Vec<ProviderDef<'a>>,
    resources: Vec<ResourceDef<'a>>,
    calls: Vec<CallDef<'a>>,
    backends: Vec<S3Backend>,
}

impl<'a> ModuleDef<'a> {
    fn new(files: &'a [SourceFile], dir: &'a Path) -> Self {
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

fn s3_backend(block: &Block, file: &SourceFile) -> Option<S3Backend> {
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

// ---------------------------------------------------------------------------------------------
// Module instances
// ---------------------------------------------------------------------------------------------

/// What a provider configuration contributes to its resources.
#[derive(Debug, Clone)]
struct ProviderInfo {
    default_tags: EffectiveTags,
    region: Option<String>,
}

impl ProviderInfo {
    fn unconfigured() -> Self {
        Self { default_tags: EffectiveTags { tags: SmallMap::new(), complete: true }, region: None }
    }
}

/// One expanded instance of a `count`/`for_each` block.
struct Instance {
    /// `""`, `[0]`, `["a"]` or `[*]`.
    suffix: String,
    index: Option<IndexKey>,
    env: Env,
    /// Its `count`/`for_each` is unknown: it may be created zero times.
    may_not_exist: bool,
}

struct Loader<'d, 'a> {
    defs: &'d HashMap<&'a Path, ModuleDef<'a>>,
    unreadable: &'d HashMap<PathBuf, String>,
    resources: Vec<TfResource>,
    diagnostics: Vec<Diagnostic>,
    /// Blocks skipped because they belong to another provider.
    other_providers: usize,
    /// The module instance being loaded exists only if an unknown count/for_each allows.
    may_not_exist: bool,
    /// Instances created so far, against [`MAX_TOTAL_INSTANCES`].
    instances: usize,
    /// Where the bound was crossed; once set, nothing more is instantiated.
    too_many: Option<SourceLocation>,
}

impl<'a> Loader<'_, 'a> {
    fn instantiate(
        &mut self,
        def: &ModuleDef<'a>,
        module_path: &str,
        vars: BTreeMap<String, Value>,
        inherited: BTreeMap<String, ProviderInfo>,
        may_not_exist: bool,
        stack: &mut Vec<PathBuf>,
    ) {
        if self.too_many.is_some() {
            return;
        }
        let outer = std::mem::replace(&mut self.may_not_exist, may_not_exist);
        let scope = Scope::new(vars, def.locals.clone());
        let mut providers = inherited;
        for p in &def.providers {
            let info = self.provider_info(&scope, p);
            providers.insert(p.key.clone(), info);
        }
        for res in &def.resources {
            self.resource(&scope, res, module_path, &providers);
        }
        for call in &def.calls {
            self.module_call(&scope, def, call, module_path, &providers, stack);
        }
        self.diagnostics.extend(scope.take_diagnostics());
        self.may_not_exist = outer;
    }

    fn provider_info(&mut self, scope: &Scope<'_>, p: &ProviderDef<'_>) -> ProviderInfo {
        let mut info = ProviderInfo::unconfigured();
        let mut env = Env::default();
        if let Some(attr) = p.block.body.get_attribute("region") {
            if let Ok(Value::String(region)) = scope.eval(&attr.value, &mut env) {
                info.region = Some(region);
            }
        }
        let tags_attr =
            p.block.body.get_blocks("default_tags").next().and_then(|b| b.body.get_attribute("tags"));
        if let Some(attr) = tags_attr {
            let what = format!("default_tags of provider {}", p.key);
            info.default_tags = self.eval_tags(scope, &attr.value, &mut env, p.file, attr.span(), &what);
        }
        info
    }

    /// Evaluate a tag map; an error is a diagnostic and leaves the tags unknown.
    fn eval_tags(
        &mut self,
        scope: &Scope<'_>,
        expr: &Expression,
        env: &mut Env,
        file: &SourceFile,
        span: Option<Range<usize>>,
        what: &str,
    ) -> EffectiveTags {
        match scope.eval(expr, env).and_then(|v| tags_from_value(&v)) {
            Ok(tags) => tags,
            Err(e) => {
                self.diagnostics
                    .push(hcl_diagnostic(file.location(span), format!("{what}: {e}; tags unknown")));
                EffectiveTags { tags: SmallMap::new(), complete: false }
            }
        }
    }

    fn eval_diag(&mut self, file: &SourceFile, span: Option<Range<usize>>, what: &str, err: &EvalError) {
        self.diagnostics.push(hcl_diagnostic(file.location(span), format!("{what}: {err}")));
    }

    /// [`Self::expand_unbounded`], counted against [`MAX_TOTAL_INSTANCES`]: past it, no
    /// instance at all and the load fails at this block.
    fn expand(
        &mut self,
        scope: &Scope<'_>,
        body: &Body,
        file: &SourceFile,
        what: &str,
        block: Option<Range<usize>>,
    ) -> Vec<Instance> {
        if self.too_many.is_some() {
            return Vec::new();
        }
        let instances = self.expand_unbounded(scope, body, file, what);
        self.instances = self.instances.saturating_add(instances.len());
        if self.instances > MAX_TOTAL_INSTANCES {
            let span =
                body.get_attribute("count").or_else(|| body.get_attribute("for_each")).and_then(|a| a.span());
            self.too_many = Some(file.location(span.or(block)));
            return Vec::new();
        }
        instances
    }

    /// Instances of a block with `count` or `for_each` (evaluated in the module scope).
    ///
    /// Three outcomes: known instances (none for `count = 0` or an empty `for_each`), or one
    /// `[*]` instance standing for all of them, which `may_not_exist` when the count or the
    /// collection is unknown (a known non-empty collection with unknown elements, or a count
    /// too large to expand, certainly creates something).
    fn expand_unbounded(
        &mut self,
        scope: &Scope<'_>,
        body: &Body,
        file: &SourceFile,
        what: &str,
    ) -> Vec<Instance> {
        let star = |each: bool, may_not_exist: bool| {
            let env = if each {
                Env { each: Some(Each { key: Value::Unknown, value: Value::Unknown }), ..Env::default() }
            } else {
                Env { count_index: Some(Value::Unknown), ..Env::default() }
            };
            vec![Instance { suffix: "[*]".into(), index: None, env, may_not_exist }]
        };
        if let Some(attr) = body.get_attribute("count") {
            let n = match scope.eval(&attr.value, &mut Env::default()) {
                Ok(Value::Unknown) => return star(false, true),
                Ok(v) => v.to_number(),
                Err(e) => Err(e),
            };
            return match n {
                Ok(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_INSTANCES as f64 => (0..n as i64)
                    .map(|i| Instance {
                        suffix: format!("[{i}]"),
                        index: Some(IndexKey::Int(i)),
                        env: Env { count_index: Some(Value::Number(i as f64)), ..Env::default() },
                        may_not_exist: false,
                    })
                    .collect(),
                Ok(n) => {
                    let err = EvalError::new(format!("count = {n} is not expanded"));
                    self.eval_diag(file, attr.span(), &format!("{what} count"), &err);
                    star(false, false)
                }
                Err(e) => {
                    self.eval_diag(file, attr.span(), &format!("{what} count"), &e);
                    star(false, false)
                }
            };
        }
        let Some(attr) = body.get_attribute("for_each") else {
            return vec![Instance {
                suffix: String::new(),
                index: None,
                env: Env::default(),
                may_not_exist: false,
            }];
        };
        let items = match scope.eval(&attr.value, &mut Env::default()) {
            Ok(Value::List(items)) => {
                // A set of strings: each.key and each.value are the element.
                if !items.iter().all(Value::is_wholly_known) {
                    return star(true, false);
                }
                let mut keys = Vec::with_capacity(items.len());
                for item in items {
                    match item.to_text() {
                        Ok(k) => keys.push((k.clone(), Value::String(k))),
                        Err(e) => {
                            self.eval_diag(file, attr.span(), &format!("{what} for_each"), &e);
                            return star(true, false);
                        }
                    }
                }
                keys.sort_by(|a, b| a.0.cmp(&b.0));
                keys.dedup_by(|a, b| a.0 == b.0);
                keys
            }
            Ok(v @ (Value::Map(_) | Value::Unknown)) => match iterate(v.clone()) {
                Ok(Some(items)) => items
                    .into_iter()
                    .filter_map(|(k, v)| match k {
                        Value::String(k) => Some((k, v)),
                        _ => None,
                    })
                    .collect(),
                // An incomplete map with known keys certainly has instances.
                _ => return star(true, !matches!(&v, Value::Map(m) if !m.entries.is_empty())),
            },
            Ok(other) => {
                let err = EvalError::new(format!(
                    "for_each requires a map or a set of strings, got {}",
                    other.type_name()
                ));
                self.eval_diag(file, attr.span(), &format!("{what} for_each"), &err);
                return star(true, false);
            }
            Err(e) => {
                self.eval_diag(file, attr.span(), &format!("{what} for_each"), &e);
                return star(true, false);
            }
        };
        items
            .into_iter()
            .map(|(k, v)| {
                let index = IndexKey::Str(k.clone());
                Instance {
                    suffix: index.to_string(),
                    index: Some(index),
                    env: Env { each: Some(Each { key: Value::String(k), value: v }), ..Env::default() },
                    may_not_exist: false,
                }
            })
            .collect()
    }

    fn resource(
        &mut self,
        scope: &Scope<'_>,
        res: &ResourceDef<'_>,
        module_path: &str,
        providers: &BTreeMap<String, ProviderInfo>,
    ) {
        let body = &res.block.body;
        let provider = body
            .get_attribute("provider")
            .and_then(|a| reference_text(&a.value))
            .unwrap_or_else(|| res.resource_type.split('_').next().unwrap_or(res.resource_type).to_string());
        // Another provider's blocks are not evaluated at all: their `tags`, `count` or `for_each`
        // follow that provider's schema, and an error there must not make an AWS audit partial.
        if !super::provider::is_aws_resource(res.resource_type, provider.split('.').next()) {
            self.other_providers += 1;
            return;
        }
        let info = providers.get(&provider).cloned().unwrap_or_else(ProviderInfo::unconfigured);
        let location = res.file.location(res.block.span());
        let is_asg = res.resource_type == "aws_autoscaling_group";
        let tags_attr = body.get_attribute("tags");
        let tags_location = if is_asg {
            body.blocks()
                .find(|b| {
                    b.ident.as_str() == "tag"
                        || (b.ident.as_str() == "dynamic"
                            && b.labels.first().map(|l| l.as_str()) == Some("tag"))
                })
                .map(|b| res.file.location(b.span()))
        } else {
            tags_attr.map(|a| res.file.location(a.span()))
        }
        .unwrap_or_else(|| location.clone());

        let prefix = if module_path.is_empty() { String::new() } else { format!("{module_path}.") };
        let mode_prefix = if res.mode == ResourceMode::Data { "data." } else { "" };
        let base = format!("{prefix}{mode_prefix}{}.{}", res.resource_type, res.name);
        for mut instance in self.expand(scope, body, res.file, &base, res.block.span()) {
            let address = format!("{base}{}", instance.suffix);
            let tags = match res.mode {
                // A data source's `tags` is a filter, not tags it sets.
                ResourceMode::Data => EffectiveTags { tags: SmallMap::new(), complete: true },
                ResourceMode::Managed if is_asg => {
                    self.asg_tags(scope, body, &mut instance.env, res.file, &address)
                }
                ResourceMode::Managed => {
                    let own = match tags_attr {
                        Some(attr) => self.eval_tags(
                            scope,
                            &attr.value,
                            &mut instance.env,
                            res.file,
                            attr.span(),
                            &address,
                        ),
                        None => EffectiveTags { tags: SmallMap::new(), complete: true },
                    };
                    merge_tags(&info.default_tags, &own)
                }
            };
            self.resources.push(TfResource {
                address,
                module: module_path.to_string(),
                mode: res.mode,
                resource_type: res.resource_type.to_string(),
                name: res.name.to_string(),
                index: instance.index,
                provider: provider.clone(),
                arn: None,
                id: None,
                region: info.region.clone(),
                account: None,
                tags,
                layer: Layer::Code,
                location: Some(location.clone()),
                tags_location: Some(tags_location.clone()),
                action: None,
                may_not_exist: self.may_not_exist || instance.may_not_exist,
            });
        }
    }

    /// `aws_autoscaling_group` tags: its `tag` blocks and `dynamic "tag"` blocks, no defaults.
    fn asg_tags(
        &mut self,
        scope: &Scope<'_>,
        body: &Body,
        env: &mut Env,
        file: &SourceFile,
        address: &str,
    ) -> EffectiveTags {
        let mut out = EffectiveTags { tags: SmallMap::new(), complete: true };
        for block in body.blocks() {
            match block.ident.as_str() {
                "tag" => self.asg_tag(scope, &block.body, env, file, address, &mut out),
                "dynamic" if block.labels.first().map(|l| l.as_str()) == Some("tag") => {
                    let iterator = block
                        .body
                        .get_attribute("iterator")
                        .and_then(|a| reference_text(&a.value))
                        .unwrap_or_else(|| "tag".to_string());
                    let Some(content) = block.body.get_blocks("content").next() else { continue };
                    let collection = match block.body.get_attribute("for_each") {
                        Some(attr) => scope.eval(&attr.value, env).and_then(iterate),
                        None => Ok(Some(Vec::new())),
                    };
                    match collection {
                        Ok(Some(items)) => {
                            for (key, value) in items {
                                let entries =
                                    BTreeMap::from([("key".to_string(), key), ("value".to_string(), value)]);
                                env.names.push((iterator.clone(), Value::Map(Map::known(entries))));
                                self.asg_tag(scope, &content.body, env, file, address, &mut out);
                                env.names.pop();
                            }
                        }
                        Ok(None) => out.complete = false,
                        Err(e) => {
                            self.eval_diag(file, block.span(), &format!("{address} dynamic \"tag\""), &e);
                            out.complete = false;
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    fn asg_tag(
        &mut self,
        scope: &Scope<'_>,
        body: &Body,
        env: &mut Env,
        file: &SourceFile,
        address: &str,
        out: &mut EffectiveTags,
    ) {
        let mut get = |name: &str| match body.get_attribute(name) {
            Some(attr) => scope.eval(&attr.value, env),
            None => Ok(Value::Null),
        };
        let (key, value) = match (get("key"), get("value")) {
            (Ok(k), Ok(v)) => (k, v),
            (Err(e), _) | (_, Err(e)) => {
                self.eval_diag(file, body.span(), &format!("{address} tag"), &e);
                out.complete = false;
                return;
            }
        };
        let key = match key {
            Value::Unknown => {
                out.complete = false;
                return;
            }
            k => match k.to_text() {
                Ok(k) => k,
                Err(e) => {
                    self.eval_diag(file, body.span(), &format!("{address} tag key"), &e);
                    out.complete = false;
                    return;
                }
            },
        };
        let value = match value {
            Value::Unknown => TagValue::Unknown,
            v => match v.to_text() {
                Ok(v) => TagValue::Known(v),
                Err(e) => {
                    self.eval_diag(file, body.span(), &format!("{address} tag {key:?}"), &e);
                    TagValue::Unknown
                }
            },
        };
        out.tags.insert(key, value);
    }

    fn module_call(
        &mut self,
        scope: &Scope<'_>,
        def: &ModuleDef<'a>,
        call: &CallDef<'_>,
        module_path: &str,
        providers: &BTreeMap<String, ProviderInfo>,
        stack: &mut Vec<PathBuf>,
    ) {
        let location = call.file.location(call.block.span());
        let Some(source) = &call.source else {
            self.diagnostics.push(hcl_diagnostic(
                location,
                format!("module {}: source must be a literal string", call.name),
            ));
            return;
        };
        if !is_local_source(source) {
            tracing::debug!(module = call.name, source = source.as_str(), "remote module source not loaded");
            return;
        }
        let child_dir = normalise(&def.dir.join(source));
        if let Some(reason) = self.unreadable.get(&child_dir) {
            let message = format!("module {}: cannot read {}: {reason}", call.name, child_dir.display());
            self.diagnostics.push(hcl_diagnostic(location, message));
            return;
        }
        if stack.contains(&child_dir) {
            let message =
                format!("module {}: {} calls itself; not loaded again", call.name, child_dir.display());
            self.diagnostics.push(hcl_diagnostic(location, message));
            return;
        }
        let child = match self.defs.get(child_dir.as_path()) {
            Some(child) if stack.len() <= MAX_MODULE_DEPTH => child,
            _ => {
                let message = format!(
                    "module {}: nested deeper than {MAX_MODULE_DEPTH} modules; not loaded",
                    call.name
                );
                self.diagnostics.push(hcl_diagnostic(location, message));
                return;
            }
        };
        let body = &call.block.body;
        let prefix = if module_path.is_empty() { String::new() } else { format!("{module_path}.") };
        let base = format!("{prefix}module.{}", call.name);
        for mut instance in self.expand(scope, body, call.file, &base, call.block.span()) {
            let mut vars = BTreeMap::new();
            for var in &child.variables {
                let arg = body.get_attribute(var.name).filter(|_| !MODULE_META_ARGS.contains(&var.name));
                let given = match arg {
                    Some(attr) => match scope.eval(&attr.value, &mut instance.env) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            self.eval_diag(
                                call.file,
                                attr.span(),
                                &format!("{base} argument {}", var.name),
                                &e,
                            );
                            Some(Value::Unknown)
                        }
                    },
                    None => None,
                };
                let value = var.value(given).unwrap_or_else(|e| {
                    let span = arg.and_then(|a| a.span());
                    let what = format!("{base} argument {}", var.name);
                    match span {
                        Some(_) => self.eval_diag(call.file, span, &what, &e),
                        None => self
                            .diagnostics
                            .push(hcl_diagnostic(var.location.clone(), format!("{what}: {e}"))),
                    }
                    Value::Unknown
                });
                vars.insert(var.name.to_string(), value);
            }
            let child_providers = child_providers(body, providers);
            stack.push(child_dir.clone());
            let path = format!("{base}{}", instance.suffix);
            let may_not_exist = self.may_not_exist || instance.may_not_exist;
            self.instantiate(child, &path, vars, child_providers, may_not_exist, stack);
            stack.pop();
        }
    }
}

/// Provider configurations a module call passes: the `providers` map if given, else every
/// default (unaliased) configuration of the caller, as Terraform does.
fn child_providers(
    call_body: &Body,
    providers: &BTreeMap<String, ProviderInfo>,
) -> BTreeMap<String, ProviderInfo> {
    let Some(Expression::Object(map)) = call_body.get_attribute("providers").map(|a| &a.value) else {
        return providers
            .iter()
            .filter(|(k, _)| !k.contains('.'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
    };
    let mut out = BTreeMap::new();
    for (key, value) in map.iter() {
        let child_key = match key {
            ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
            ObjectKey::Expression(expr) => reference_text(expr),
        };
        let (Some(child_key), Some(parent_key)) = (child_key, reference_text(value.expr())) else { continue };
        let info = providers.get(&parent_key).cloned().unwrap_or_else(ProviderInfo::unconfigured);
        out.insert(child_key, info);
    }
    out
}

#[cfg(test)]
mod tests;
