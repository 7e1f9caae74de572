//! Module instances: providers and their `default_tags`, `count`/`for_each` expansion,
//! resource tags (ASG `tag` blocks included) and module calls with their arguments.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Attribute, Block, Body};
use hcl_edit::Span;

use super::files::{hcl_diagnostic, is_local_source, normalise, reference_text, SourceFile};
use super::manifest::Manifest;
use super::module::{CallDef, ModuleDef, ProviderDef, ResourceDef};
use super::overrides::{Attr, Merged};
use super::{MAX_INSTANCES, MAX_MODULE_DEPTH, MAX_TOTAL_INSTANCES, MODULE_META_ARGS};
use crate::model::{
    Diagnostic, EffectiveTags, IndexKey, Layer, ResourceMode, SmallMap, TagValue, TfResource,
};
use crate::terraform::eval::{
    iterate, merge_tags, tags_from_value, Each, Env, EvalError, Map, ModulePaths, Scope, Value,
};

/// What a provider configuration contributes to its resources.
#[derive(Debug, Clone)]
pub(super) struct ProviderInfo {
    pub(super) default_tags: EffectiveTags,
    pub(super) region: Option<String>,
}

impl ProviderInfo {
    fn unconfigured() -> Self {
        Self { default_tags: EffectiveTags::whole(SmallMap::new()), region: None }
    }
}

/// One expanded instance of a `count`/`for_each` block.
pub(super) struct Instance {
    /// `""`, `[0]`, `["a"]` or `[*]`.
    pub(super) suffix: String,
    pub(super) index: Option<IndexKey>,
    pub(super) env: Env,
    /// Its `count`/`for_each` is unknown: it may be created zero times.
    pub(super) may_not_exist: bool,
}

pub(super) struct Loader<'d, 'a> {
    pub(super) defs: &'d HashMap<&'a Path, ModuleDef<'a>>,
    pub(super) unreadable: &'d HashMap<PathBuf, String>,
    /// Remote modules `terraform init` installed, by call key.
    pub(super) manifest: &'d Manifest,
    /// Names of the module calls from the root to the module being loaded (a manifest key).
    pub(super) call_keys: Vec<String>,
    /// Keys of remote module calls with nothing installed.
    pub(super) remote_not_read: BTreeSet<String>,
    /// Inside an installed remote module: the call in the user's code that brought it in (the
    /// outermost remote call). Its resources point there: the installed files under
    /// `.terraform/` are not the repository's, and the call's arguments are what a user changes.
    pub(super) remote_site: Option<crate::model::SourceLocation>,
    pub(super) resources: Vec<TfResource>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// Blocks skipped because they belong to another provider.
    pub(super) other_providers: usize,
    /// The module instance being loaded exists only if an unknown count/for_each allows.
    pub(super) may_not_exist: bool,
    /// Instances created so far, against [`MAX_TOTAL_INSTANCES`].
    pub(super) instances: usize,
    /// Where the bound was crossed; once set, nothing more is instantiated.
    pub(super) too_many: Option<crate::model::SourceLocation>,
    /// The root module's directory, absolute: Terraform's `path.cwd` when run there.
    pub(super) root_dir: PathBuf,
    /// tally's working directory, read once: module directories are relative to it.
    pub(super) cwd: PathBuf,
}

/// `path.*` of the module in `dir` (relative to `cwd`) with Terraform run in `root` (absolute,
/// normalised): the module's directory relative to the root, lexically (`modules/svc`, `../..`,
/// `.terraform/...`).
pub(super) fn module_paths(root: &Path, cwd: &Path, dir: &Path) -> ModulePaths {
    let dir = absolute(cwd, dir);
    let (r, d): (Vec<_>, Vec<_>) = (root.components().collect(), dir.components().collect());
    let common = r.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); r.len() - common];
    parts.extend(d[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    ModulePaths {
        cwd: root.to_string_lossy().into_owned(),
        root: ".".to_string(),
        module: if parts.is_empty() { ".".to_string() } else { parts.join("/") },
    }
}

/// `path` made absolute against `cwd` and normalised lexically (no symlinks resolved, as
/// Terraform's `path.cwd` keeps the directory as the shell names it).
pub(super) fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    super::files::normalise_path(&cwd.join(path), false)
}

impl<'a> Loader<'_, 'a> {
    pub(super) fn instantiate(
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
        let scope =
            Scope::new(vars, def.locals.clone()).with_paths(module_paths(&self.root_dir, &self.cwd, def.dir));
        let mut providers = inherited;
        for p in &def.providers {
            let info = self.provider_info(&scope, p);
            providers.insert(p.key.clone(), info);
        }
        for res in &def.resources {
            self.resource(&scope, def, res, module_path, &providers);
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
        if let Some(attr) = p.merged.attr("region") {
            if let Ok(Value::String(region)) = scope.eval(&attr.attr.value, &mut env) {
                info.region = Some(region);
            }
        }
        let default_tags = p.merged.blocks("default_tags");
        let tags_attr =
            default_tags.first().and_then(|(b, file)| Some((b.body.get_attribute("tags")?, *file)));
        if let Some((attr, file)) = tags_attr {
            let what = format!("default_tags of provider {}", p.key);
            info.default_tags = self.eval_tags(scope, &attr.value, &mut env, file, attr.span(), &what);
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
                EffectiveTags::partial(SmallMap::new())
            }
        }
    }

    fn eval_diag(&mut self, file: &SourceFile, span: Option<Range<usize>>, what: &str, err: &EvalError) {
        self.diagnostics.push(hcl_diagnostic(file.location(span), format!("{what}: {err}")));
    }

    /// [`Self::expand_unbounded`], counted against [`MAX_TOTAL_INSTANCES`]: past it, no
    /// instance at all and the load fails at this block.
    fn expand(&mut self, scope: &Scope<'_>, merged: &Merged<'_>, what: &str) -> Vec<Instance> {
        if self.too_many.is_some() {
            return Vec::new();
        }
        let instances = self.expand_unbounded(scope, merged, what);
        self.instances = self.instances.saturating_add(instances.len());
        if self.instances > MAX_TOTAL_INSTANCES {
            let location = match merged.attr("count").or_else(|| merged.attr("for_each")) {
                Some(Attr { attr, file }) => file.location(attr.span()),
                None => merged.file().location(merged.block().span()),
            };
            self.too_many = Some(location);
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
    fn expand_unbounded(&mut self, scope: &Scope<'_>, merged: &Merged<'_>, what: &str) -> Vec<Instance> {
        let star = |each: bool, may_not_exist: bool| {
            let env = if each {
                Env { each: Some(Each { key: Value::Unknown, value: Value::Unknown }), ..Env::default() }
            } else {
                Env { count_index: Some(Value::Unknown), ..Env::default() }
            };
            vec![Instance { suffix: "[*]".into(), index: None, env, may_not_exist }]
        };
        if let Some(Attr { attr, file }) = merged.attr("count") {
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
        let Some(Attr { attr, file }) = merged.attr("for_each") else {
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
        def: &ModuleDef<'_>,
        res: &ResourceDef<'_>,
        module_path: &str,
        providers: &BTreeMap<String, ProviderInfo>,
    ) {
        let merged = &res.merged;
        let provider = merged
            .attr("provider")
            .and_then(|a| reference_text(&a.attr.value))
            .unwrap_or_else(|| res.resource_type.split('_').next().unwrap_or(res.resource_type).to_string());
        // Another provider's blocks are not evaluated at all: their `tags`, `count` or `for_each`
        // follow that provider's schema, and an error there must not make an AWS audit partial.
        // The local name decides through the module's `required_providers` (`awsprod` with source
        // `hashicorp/aws` is AWS; `aws` with another source is not).
        if !def.is_aws_local_name(provider.split('.').next().unwrap_or(&provider)) {
            self.other_providers += 1;
            return;
        }
        let info = providers.get(&provider).cloned().unwrap_or_else(ProviderInfo::unconfigured);
        let location = match &self.remote_site {
            Some(site) => site.clone(),
            None => merged.file().location(merged.block().span()),
        };
        let is_asg = res.resource_type == "aws_autoscaling_group";
        let tags_attr = merged.attr("tags");
        let asg_blocks = if is_asg { merged.blocks_of(&["tag", "dynamic"]) } else { Vec::new() };
        let tags_location = if is_asg {
            asg_blocks
                .iter()
                .find(|(b, _)| {
                    b.ident.as_str() == "tag"
                        || (b.ident.as_str() == "dynamic"
                            && b.labels.first().map(|l| l.as_str()) == Some("tag"))
                })
                .map(|(b, file)| file.location(b.span()))
        } else {
            tags_attr.map(|a| a.file.location(a.attr.span()))
        }
        .unwrap_or_else(|| location.clone());
        let tags_location = if self.remote_site.is_some() { location.clone() } else { tags_location };

        let prefix = if module_path.is_empty() { String::new() } else { format!("{module_path}.") };
        let mode_prefix = if res.mode == ResourceMode::Data { "data." } else { "" };
        let base = format!("{prefix}{mode_prefix}{}.{}", res.resource_type, res.name);
        for mut instance in self.expand(scope, merged, &base) {
            let address = format!("{base}{}", instance.suffix);
            let tags = match res.mode {
                // A data source's `tags` is a filter, not tags it sets.
                ResourceMode::Data => EffectiveTags::whole(SmallMap::new()),
                ResourceMode::Managed if is_asg => {
                    self.asg_tags(scope, &asg_blocks, &mut instance.env, &address)
                }
                ResourceMode::Managed => {
                    let own = match tags_attr {
                        Some(Attr { attr, file }) => {
                            self.eval_tags(scope, &attr.value, &mut instance.env, file, attr.span(), &address)
                        }
                        None => EffectiveTags::whole(SmallMap::new()),
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
        blocks: &[(&Block, &SourceFile)],
        env: &mut Env,
        address: &str,
    ) -> EffectiveTags {
        let mut out = EffectiveTags::whole(SmallMap::new());
        for &(block, file) in blocks {
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
                        Some(attr) => scope.eval(&attr.value, env),
                        None => Ok(Value::List(Vec::new())),
                    };
                    // A map whose key set is partly unknown: its known entries are tags for sure,
                    // and when each tag's key is the map's key, the other tags can only have the
                    // keys the map may hold (`merge({"k8s.io/cluster/${var.name}" = "owned"},
                    // var.tags)` in the EKS node group modules).
                    let mut rest = None;
                    let collection = match collection {
                        Ok(Value::Map(mut m)) if !m.complete => {
                            let entries = std::mem::take(&mut m.entries);
                            rest = Some(m);
                            Ok(Value::Map(Map::known(entries)))
                        }
                        other => other,
                    };
                    match collection.and_then(iterate) {
                        Ok(Some(items)) => {
                            for (key, value) in items {
                                let entries =
                                    BTreeMap::from([("key".to_string(), key), ("value".to_string(), value)]);
                                env.names.push((iterator.clone(), Value::Map(Map::known(entries))));
                                self.asg_tag(scope, &content.body, env, file, address, &mut out);
                                env.names.pop();
                            }
                        }
                        Ok(None) => out.open_keys(),
                        Err(e) => {
                            self.eval_diag(file, block.span(), &format!("{address} dynamic \"tag\""), &e);
                            out.open_keys();
                        }
                    }
                    if let Some(rest) = rest {
                        let key_expr =
                            content.body.get_attribute("key").and_then(|a| reference_text(&a.value));
                        if key_expr.as_deref() == Some(format!("{iterator}.key").as_str()) {
                            crate::model::widen(
                                &mut out.complete,
                                &mut out.bound,
                                false,
                                rest.bound.as_deref(),
                            );
                        } else {
                            out.open_keys();
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
                out.open_keys();
                return;
            }
        };
        let key = match key {
            Value::Unknown => {
                out.open_keys();
                return;
            }
            k => match k.to_text() {
                Ok(k) => k,
                Err(e) => {
                    self.eval_diag(file, body.span(), &format!("{address} tag key"), &e);
                    out.open_keys();
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
        let location = call.merged.file().location(call.merged.block().span());
        let Some(source) = &call.source() else {
            self.diagnostics.push(hcl_diagnostic(
                location,
                format!("module {}: source must be a literal string", call.name),
            ));
            return;
        };
        let remote = !is_local_source(source);
        let child_dir = if !remote {
            normalise(&def.dir.join(source))
        } else {
            let key =
                self.call_keys.iter().map(String::as_str).chain([call.name]).collect::<Vec<_>>().join(".");
            match self.manifest.dir(&key) {
                // Installed: read like a local module (an installed directory since deleted
                // is the "cannot read" diagnostic below, not a silent skip).
                Some(dir) => dir.to_path_buf(),
                _ => {
                    tracing::debug!(
                        module = key.as_str(),
                        source = source.as_str(),
                        "remote module not installed"
                    );
                    self.remote_not_read.insert(key);
                    return;
                }
            }
        };
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
        let merged = &call.merged;
        let prefix = if module_path.is_empty() { String::new() } else { format!("{module_path}.") };
        let base = format!("{prefix}module.{}", call.name);
        for mut instance in self.expand(scope, merged, &base) {
            let mut vars = BTreeMap::new();
            for var in &child.variables {
                let arg = merged.attr(var.name).filter(|_| !MODULE_META_ARGS.contains(&var.name));
                let given = match arg {
                    Some(Attr { attr, file }) => match scope.eval(&attr.value, &mut instance.env) {
                        Ok(v) => Some(v),
                        Err(e) => {
                            self.eval_diag(file, attr.span(), &format!("{base} argument {}", var.name), &e);
                            Some(Value::Unknown)
                        }
                    },
                    None => None,
                };
                let value = var.value(given).unwrap_or_else(|e| {
                    let what = format!("{base} argument {}", var.name);
                    match arg.and_then(|a| Some((a.file, a.attr.span()?))) {
                        Some((file, span)) => self.eval_diag(file, Some(span), &what, &e),
                        None => self
                            .diagnostics
                            .push(hcl_diagnostic(var.location.clone(), format!("{what}: {e}"))),
                    }
                    Value::Unknown
                });
                vars.insert(var.name.to_string(), value);
            }
            let child_providers = child_providers(merged.attr("providers").map(|a| a.attr), providers);
            stack.push(child_dir.clone());
            self.call_keys.push(call.name.to_string());
            let outer_site = self.remote_site.clone();
            if remote && outer_site.is_none() {
                self.remote_site = Some(location.clone());
            }
            let path = format!("{base}{}", instance.suffix);
            let may_not_exist = self.may_not_exist || instance.may_not_exist;
            self.instantiate(child, &path, vars, child_providers, may_not_exist, stack);
            self.remote_site = outer_site;
            self.call_keys.pop();
            stack.pop();
        }
    }
}

/// Provider configurations a module call passes: the `providers` map if given, else every
/// default (unaliased) configuration of the caller, as Terraform does.
pub(super) fn child_providers(
    providers_attr: Option<&Attribute>,
    providers: &BTreeMap<String, ProviderInfo>,
) -> BTreeMap<String, ProviderInfo> {
    let Some(Expression::Object(map)) = providers_attr.map(|a| &a.value) else {
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
