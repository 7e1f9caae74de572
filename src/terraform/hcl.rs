//! Terraform code reader: loads a module directory (and the local modules it calls) into
//! [`TfResource`]s of the [`Layer::Code`] layer, with effective tags and source locations.
//!
//! Responsible for: reading and parsing `*.tf` files with `hcl-edit` (keeping byte spans, turned
//! into `file:line:col` through a line-start index), root variable values (`terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars(.json)` in lexical order, then `--var-file`s: see
//! [`tfvars`]), module instantiation (arguments evaluated in the caller's scope, provider configurations inherited or remapped with
//! `providers = {}`), `count`/`for_each` expansion, provider `default_tags` merged under resource
//! `tags` (autoscaling groups use their `tag` blocks and ignore `default_tags`), and `backend
//! "s3"` blocks. Expression evaluation and the unknown-value rules live in [`super::eval`].
//!
//! `*.tf.json` files (Terraform's JSON syntax) are translated to the native syntax first, line
//! for line ([`super::json_syntax`]), and merge with the `.tf` files of their directory.
//! Override files (`override.tf`, `*_override.tf(.json)`) are merged over the other files as
//! Terraform merges them ([`overrides`]).
//!
//! Not responsible for: `TF_VAR_*` environment
//! variables (the library does not read the environment) and module outputs (`module.x.y` is
//! unknown). Remote module sources (registry, git) are read from where `terraform init`
//! installed them ([`manifest`]); a remote call with nothing installed is counted in
//! [`CodeModel::remote_modules_not_read`], not a diagnostic (it is normal before `init`), so the
//! report can say what it could not see.
//!
//! Where a value cannot be known statically it is *unknown*, never guessed: an unexpandable
//! `count`/`for_each` yields one `addr[*]` resource (no index) evaluated with unknown
//! `each.*`/`count.index`; an unknown `tags` expression leaves the default-tag keys present with
//! unknown values (the resource may override them) and marks the tags incomplete.
//!
//! A file that does not parse, or an expression Terraform would reject, is a [`Diagnostic`]
//! (the run goes on, marked partial); only an unreadable root directory (or a `--var-file` the
//! user named that cannot be read) is an [`InputError`].

mod files;
mod loader;
mod manifest;
mod module;
mod overrides;
mod tfvars;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use files::{hcl_diagnostic, normalise, ModuleTree};
pub(crate) use files::{is_terraform_file, normalise_path, text_key};
pub use files::{SharedModules, WalkedDir};
use loader::Loader;
use module::ModuleDef;
use tfvars::load_tfvars;

use super::eval::Value;
use crate::error::InputError;
use crate::model::{Diagnostic, SourceLocation, TfResource};

/// How deep local modules may nest (Terraform has no limit; this guards symlink loops).
const MAX_MODULE_DEPTH: usize = 20;
/// Larger `count`s are not expanded (one `[*]` resource and a diagnostic instead).
const MAX_INSTANCES: usize = 10_000;
/// Instances (module and resource, over the whole tree) one load may create: nested modules
/// multiply their counts (4 levels of `count = 40` are 2.56M instances, 25 s and 4.9 GB
/// unbounded). Past this the load stops with an input error naming the block that crossed it.
pub const MAX_TOTAL_INSTANCES: usize = 100_000;
/// Module call arguments that are not input variables.
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
    /// Remote module calls (registry, git...) whose code was not installed by `terraform init`
    /// (no `.terraform/modules/modules.json` entry): their resources are not seen. Sorted call
    /// keys (`vpc`, `eks.node_groups`).
    pub remote_modules_not_read: Vec<String>,
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
    load_code_shared(dir, opts, None)
}

/// [`load_code`] for one of several roots of a run: called modules that `shared` holds are
/// not parsed again, and what this root parses is offered to the roots after it.
pub fn load_code_shared(
    dir: &Path,
    opts: &CodeOptions,
    shared: Option<&SharedModules>,
) -> Result<CodeModel, InputError> {
    load_code_parsed(dir, opts, shared).map(|(model, _)| model)
}

/// The files one load parsed, for a caller that goes on to edit them ([`crate::fix`]).
pub struct ParsedFiles {
    dirs: Vec<std::sync::Arc<files::ParsedDir>>,
}

impl ParsedFiles {
    /// (path, text, syntax tree) of every file for which reading the path again and parsing it
    /// would give exactly this text and tree (`.tf` files without a BOM).
    pub fn as_on_disk(&self) -> impl Iterator<Item = (&str, &str, &hcl_edit::structure::Body)> {
        self.dirs
            .iter()
            .flat_map(|dir| dir.files.iter())
            .filter(|f| f.as_on_disk)
            .map(|f| (f.path.as_str(), f.text.as_str(), &f.body))
    }
}

/// [`load_code_shared`], keeping what was parsed (it is dropped with the [`ParsedFiles`]).
pub fn load_code_parsed(
    dir: &Path,
    opts: &CodeOptions,
    shared: Option<&SharedModules>,
) -> Result<(CodeModel, ParsedFiles), InputError> {
    let mut diagnostics = Vec::new();
    let walked = shared.and_then(|s| s.walked(dir));
    let manifest = manifest::Manifest::load(dir, walked, &mut diagnostics);
    let tree = ModuleTree::load(dir, &manifest.dirs(), opts.serial, shared, &mut diagnostics)?;
    let root_key = normalise(dir);
    let defs: HashMap<&Path, ModuleDef<'_>> =
        tree.modules.iter().map(|(key, dir)| (key.as_path(), ModuleDef::new(&dir.files, key))).collect();
    for def in defs.values() {
        diagnostics.extend(def.diagnostics.iter().cloned());
    }
    let parsed = || ParsedFiles { dirs: tree.modules.values().cloned().collect() };
    let Some(root) = defs.get(root_key.as_path()) else {
        return Ok((CodeModel { diagnostics, ..CodeModel::default() }, parsed()));
    };

    let tfvars = load_tfvars(dir, walked, opts, &mut diagnostics)?;
    let mut vars = BTreeMap::new();
    for var in &root.variables {
        let value = var.value(tfvars.get(var.name).cloned()).unwrap_or_else(|e| {
            let location = var.location.clone();
            diagnostics.push(hcl_diagnostic(location, format!("variable {}: {e}", var.name)));
            Value::Unknown
        });
        vars.insert(var.name.to_string(), value);
    }

    // Read once: every module instance's `path.module` is relative to it.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut loader = Loader {
        defs: &defs,
        unreadable: &tree.unreadable,
        manifest: &manifest,
        call_keys: Vec::new(),
        remote_not_read: std::collections::BTreeSet::new(),
        remote_site: None,
        resources: Vec::new(),
        diagnostics,
        other_providers: 0,
        may_not_exist: false,
        instances: 0,
        too_many: None,
        root_dir: loader::absolute(&cwd, dir),
        cwd,
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
    let model = CodeModel {
        resources,
        diagnostics,
        s3_backends: root.backends.clone(),
        other_provider_resources: loader.other_providers,
        remote_modules_not_read: loader.remote_not_read.into_iter().collect(),
    };
    Ok((model, parsed()))
}

#[cfg(test)]
mod tests;
