//! Reader for plan JSON (`terraform show -json PLANFILE`), every format version with major 0 or
//! 1 (0.1, 0.2, 1.0–1.2), in UTF-8 (with or without a BOM) or UTF-16.
//!
//! Each `resource_changes[]` entry becomes a [`TfResource`] of the [`Layer::Plan`] layer with its
//! [`PlanAction`] and its effective tags *after* the change:
//! - `after.tags_all` when it is a known map (keys marked unknown in `after_unknown.tags_all`
//!   become [`TagValue::Unknown`]);
//! - otherwise (`tags_all` wholly unknown, or absent in old providers) `after.tags` merged over
//!   the `default_tags` constant of the resource's provider configuration; a `default_tags`
//!   that is not a constant, or `tags` unknown as a whole, makes the map incomplete;
//! - a deleted resource (no `after`) keeps its `before` tags.
//!
//! The provider configuration of a resource is found through `configuration` (`root_module`
//! and `module_calls`, recursively): its `provider_config_key`, then that key in
//! `provider_config`, then, if absent (a provider inherited from a parent module), the same
//! provider in each enclosing module up to the root.
//!
//! What this module does not do: evaluate HCL, or read `planned_values`/`prior_state` (the
//! resource changes carry everything a tag audit needs).

mod changes;
pub(crate) mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

use self::changes::{PlanJson, Shape, Side, TagsField, Unknown};
use super::identity::{self, IdentityContext};
use super::state::{json_kind, scalar_string, tag_map};
use crate::error::InputError;
use crate::model::{
    EffectiveTags, Layer, PlanAction, ResourceMode, SmallMap, SourceLocation, TagValue, TfResource,
};

/// One plan input, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFile {
    /// The path as the user gave it.
    pub path: String,
    pub format_version: String,
    pub terraform_version: Option<String>,
    /// One entry per resource change, in the plan's order (Terraform sorts them by address).
    pub resources: Vec<TfResource>,
    /// Changes to resources of other providers than AWS: not read (see [`super::provider`]).
    pub other_provider_resources: usize,
    /// The whole `change` of every resource whose type the caller asked to keep, in the plan's
    /// order (other providers' and data sources included: the caller decides). Boxed as the
    /// reader made them: collecting them unboxed copied every one into fresh memory.
    #[allow(clippy::vec_box)]
    pub kept: Vec<Box<ChangeValues>>,
    /// The constant `region` of each provider configuration named `aws`, sorted, no repeats.
    pub aws_regions: Vec<String>,
}

/// One resource change with its attribute values as written, for a reader above this one
/// (plan pricing reads the attributes that decide a price). `before` and `after` leave out
/// `tags` and `tags_all` (the resource's tags are read into [`PlanFile::resources`]), except
/// for a change read whole (an autoscaling group, a `change` written before its `type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeValues {
    pub address: String,
    pub resource_type: String,
    pub mode: Option<std::borrow::Cow<'static, str>>,
    pub actions: Vec<String>,
    pub before: KeptSide,
    pub after: KeptSide,
    pub after_unknown: Value,
    /// The module instance the resource is in (`module.app["blue"]`), empty in the root.
    pub module_address: String,
    /// The resource's `expressions` in the plan's `configuration` (`None` when the plan has
    /// none for it): what the code sets. An attribute the plan computes but the code leaves
    /// unset takes the provider's (AWS's) default at apply. Shared by the instances of one
    /// `count`/`for_each` resource, not copied for each.
    pub config: Option<Arc<Value>>,
    /// The constant `region` of the resource's provider configuration (an alias's own), if any.
    pub provider_region: Option<String>,
}

/// A kept `before` or `after`: an object's top-level attributes (those the caller asked for),
/// or the value as written when it is not an object (`null` included). A list of entries, not
/// a `serde_json::Map`: a map's first node is ~640 bytes however few entries it holds, and a
/// kept side holds one to three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeptSide {
    /// Sorted by key, no repeats (of a repeated key, the last written, as in a map).
    Object(Box<[(String, Value)]>),
    Other(Value),
}

impl KeptSide {
    pub const NULL: KeptSide = KeptSide::Other(Value::Null);

    /// An object's entries in file order, as [`KeptSide::Object`].
    pub(crate) fn object(mut entries: Vec<(String, Value)>) -> KeptSide {
        // Stable: among equal keys the file order stays, so the last of a run is the last written.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(String, Value)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        KeptSide::Object(out.into_boxed_slice())
    }

    /// A whole value, as the streaming read keeps it.
    pub(crate) fn from_value(value: Value) -> KeptSide {
        match value {
            Value::Object(map) => KeptSide::Object(map.into_iter().collect()),
            other => KeptSide::Other(other),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, KeptSide::Other(Value::Null))
    }

    /// The top-level attribute `key`, as `Value::get` reads it (nothing of a value that is not
    /// an object).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            KeptSide::Object(entries) => {
                entries.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| &entries[i].1)
            }
            KeptSide::Other(v) => v.get(key),
        }
    }
}

impl Default for KeptSide {
    fn default() -> KeptSide {
        KeptSide::NULL
    }
}

impl std::ops::Index<&str> for KeptSide {
    type Output = Value;
    /// `null` when absent, as `Value`'s index.
    fn index(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(key).unwrap_or(&NULL)
    }
}

/// What of the resource changes a reader above this one keeps besides what a tag audit reads.
#[derive(Clone, Copy)]
pub struct Keep<'a> {
    /// The types whose `change` to keep (in [`PlanFile::kept`]).
    pub types: &'a (dyn Fn(&str) -> bool + Sync),
    /// The top-level attributes of a kept `before` and `after` to keep: a plan's sides hold
    /// every argument of the resource, and a reader that needs a few of them should not hold
    /// a value tree of all of them.
    pub attributes: &'a (dyn Fn(&str) -> bool + Sync),
}

impl Keep<'static> {
    /// Keep nothing.
    pub const NOTHING: Keep<'static> = Keep { types: &|_| false, attributes: &|_| false };
}

/// Reads and parses a plan JSON file.
pub fn load_plan(path: &Path) -> Result<PlanFile, InputError> {
    load_plan_keeping(path, Keep::NOTHING)
}

/// [`load_plan`], also keeping the `change` of every resource whose type `keep` names (in
/// [`PlanFile::kept`]), for readers of attributes a tag audit does not need.
pub fn load_plan_keeping(path: &Path, keep: Keep<'static>) -> Result<PlanFile, InputError> {
    let bytes = crate::source::read_regular(path).map_err(|e| InputError::io(path, e))?;
    parse_plan_keeping(path, &bytes, keep)
}

/// Parses plan JSON bytes; `path` names them in errors.
pub fn parse_plan(path: &Path, bytes: &[u8]) -> Result<PlanFile, InputError> {
    parse_plan_keeping(path, bytes, Keep::NOTHING)
}

/// [`parse_plan`], keeping the `change` of the types `keep` names.
pub fn parse_plan_keeping(path: &Path, bytes: &[u8], keep: Keep<'static>) -> Result<PlanFile, InputError> {
    parse_plan_using(path, bytes, keep, changes::parse)
}

/// [`parse_plan_keeping`] with the JSON pass given (the tests give it a split of their own).
fn parse_plan_using(
    path: &Path,
    bytes: &[u8],
    keep: Keep<'static>,
    parse: impl FnOnce(&str, Keep<'static>) -> Result<changes::PlanJson, serde_json::Error>,
) -> Result<PlanFile, InputError> {
    let text = text::decode(path, bytes)?;
    let mut plan = match parse(&text, keep) {
        Ok(plan) => plan,
        Err(e) => {
            // What the header says comes first (a state file, an unsupported version), as
            // when the header was read on its own: only a pass over it can tell.
            let header: Header = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
            check_header(
                path,
                header.format_version.as_ref(),
                header.version.is_some(),
                header.values.is_some(),
                header.resource_changes.is_some(),
                header.planned_values.is_some(),
            )?;
            return Err(InputError::json(path, &e));
        }
    };
    let format_version = check_header(
        path,
        plan.format_version.as_ref(),
        plan.has_version,
        plan.has_values,
        plan.has_resource_changes,
        plan.has_planned_values,
    )?;
    let file = path.display().to_string();
    #[allow(clippy::vec_box)]
    let mut kept: Vec<Box<ChangeValues>> =
        plan.resource_changes.iter_mut().filter_map(|rc| rc.kept.take()).collect();
    if let (false, Some(config)) = (kept.is_empty(), plan.configuration.as_ref()) {
        attach_config(config, &mut kept);
    }
    let aws_regions = aws_regions(plan.configuration.as_ref());
    let terraform_version = plan.terraform_version.clone();
    let (resources, other_provider_resources) = read_changes(path, &file, plan)?;
    Ok(PlanFile {
        path: file,
        format_version,
        terraform_version,
        resources,
        other_provider_resources,
        kept,
        aws_regions,
    })
}

/// The format version when the header is a plan's, else the error saying what it is.
fn check_header(
    path: &Path,
    format_version: Option<&Value>,
    version: bool,
    values: bool,
    resource_changes: bool,
    planned_values: bool,
) -> Result<String, InputError> {
    let format_version = match (format_version, version) {
        (Some(Value::String(v)), _) => v.clone(),
        (Some(other), _) => {
            let message = format!("`format_version` is {}, expected a string", json_kind(other));
            return Err(InputError::invalid(path, None, message));
        }
        (None, true) => {
            return Err(InputError::invalid(path, None, "this is a Terraform state file, not a plan"));
        }
        (None, false) => {
            let message =
                "not a Terraform plan: no `format_version` (expected `terraform show -json` output)";
            return Err(InputError::invalid(path, None, message));
        }
    };
    match format_version.split('.').next() {
        Some("0" | "1") => {}
        _ => {
            let message = format!("plan format_version {format_version} not supported (major 0 or 1)");
            return Err(InputError::invalid(path, None, message));
        }
    }
    if values && !resource_changes && !planned_values {
        let message = "this is `terraform show -json` of a state, not a plan; pass it as a state";
        return Err(InputError::invalid(path, None, message));
    }
    Ok(format_version)
}

/// The constant regions of the provider configurations named `aws`, sorted, without repeats.
fn aws_regions(config: Option<&Configuration>) -> Vec<String> {
    let mut regions: Vec<String> = config
        .map(|c| {
            c.provider_config
                .values()
                .filter(|p| p.name == "aws")
                .filter_map(|p| p.expressions.get("region")?.get("constant_value")?.as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    regions.sort_unstable();
    regions.dedup();
    regions
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object (`terraform show -json` output)")]
struct Header {
    format_version: Option<Value>,
    version: Option<IgnoredAny>,
    values: Option<IgnoredAny>,
    resource_changes: Option<IgnoredAny>,
    planned_values: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
struct Configuration {
    #[serde(default)]
    provider_config: BTreeMap<String, ProviderConfig>,
    root_module: Option<ConfigModule>,
}

#[derive(Deserialize)]
struct ProviderConfig {
    /// `aws` for the AWS provider.
    #[serde(default)]
    name: String,
    #[serde(default)]
    expressions: Map<String, Value>,
}

#[derive(Deserialize, Default)]
struct ConfigModule {
    #[serde(default)]
    resources: Vec<ConfigResource>,
    #[serde(default)]
    module_calls: BTreeMap<String, ModuleCall>,
}

#[derive(Deserialize)]
struct ModuleCall {
    module: Option<ConfigModule>,
}

#[derive(Deserialize)]
struct ConfigResource {
    address: String,
    provider_config_key: Option<String>,
    #[serde(default)]
    expressions: Value,
}

/// Gives each kept change its resource's configuration `expressions` and its provider
/// configuration's constant region.
fn attach_config(config: &Configuration, kept: &mut [Box<ChangeValues>]) {
    type Shared<'a> = (&'a ConfigResource, Option<Arc<Value>>);
    fn collect<'a>(module: &'a ConfigModule, prefix: &str, out: &mut HashMap<String, Shared<'a>>) {
        for res in &module.resources {
            out.insert(format!("{prefix}{}", res.address), (res, None));
        }
        for (name, call) in &module.module_calls {
            if let Some(child) = &call.module {
                collect(child, &format!("{prefix}module.{name}."), out);
            }
        }
    }
    let mut by_address = HashMap::new();
    if let Some(root) = &config.root_module {
        collect(root, "", &mut by_address);
    }
    for c in kept {
        let mut config_address = strip_instance_keys(&c.module_address);
        if !config_address.is_empty() {
            config_address.push('.');
        }
        if c.mode.as_deref() == Some("data") {
            config_address.push_str("data.");
        }
        config_address.push_str(&c.resource_type);
        config_address.push('.');
        config_address.push_str(relative_name(&c.address, &c.module_address));
        let res = by_address.get_mut(&config_address).map(|(res, shared)| {
            // Instances of one `count`/`for_each` resource share its expressions.
            c.config = Some(Arc::clone(shared.get_or_insert_with(|| Arc::new(res.expressions.clone()))));
            *res
        });
        // Without its configuration entry, which provider configuration a resource uses is not
        // known: the caller falls back to the one region all of them name, if they agree.
        c.provider_region = res
            .and_then(|r| provider_info(config, r.provider_config_key.as_deref(), None).region)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
    }
}

/// The resource name of `address` (`web` of `module.a.aws_instance.web[0]`), without its key.
fn relative_name<'a>(address: &'a str, module: &str) -> &'a str {
    let rel = relative_address(address, module);
    let rel = rel.strip_prefix("data.").unwrap_or(rel);
    let name = rel.split_once('.').map_or(rel, |(_, name)| name);
    name.split_once('[').map_or(name, |(name, _)| name)
}

/// `default_tags` of one provider configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DefaultTags {
    Known(BTreeMap<String, TagValue>),
    /// Not a constant (`references`): any key may be set.
    Unknown,
}

/// What a resource gets from its provider configuration.
struct ProviderInfo<'a> {
    /// `aws`, `aws.west`: the key without its module part.
    local_key: String,
    default_tags: DefaultTags,
    region: Option<&'a str>,
}

/// The AWS resource changes, and how many changes of other providers were left out. Each
/// change is consumed: its strings move into the resource instead of being copied.
fn read_changes(path: &Path, file: &str, plan: PlanJson) -> Result<(Vec<TfResource>, usize), InputError> {
    let changes = plan.resource_changes;
    let default_config = Configuration::default();
    let config = plan.configuration.as_ref().unwrap_or(&default_config);
    let mut keys = HashMap::new();
    if let Some(root) = &config.root_module {
        collect_config_keys(root, "", &mut keys);
    }
    let ctx = IdentityContext::infer(changes.iter().flat_map(|rc| {
        [&rc.change.after, &rc.change.before]
            .into_iter()
            .filter(|side| side.shape == Shape::Object)
            .flat_map(|side| identity::literal_arns(&side.attrs))
    }));
    let convert = |changes: Vec<Box<changes::ResourceChange>>| {
        convert_changes(path, file, config, &keys, &ctx, changes)
    };
    // A large plan's changes are made resources in two halves on two cores; the first error
    // in the file is the first half's, else the second's, as when read in one pass.
    if changes.len() >= MIN_HALF * 2 && crate::parallel::workers_for(2) >= 2 {
        let mut first = changes;
        let second = first.split_off(first.len() / 2);
        let (first, second) = crate::parallel::join(|| convert(first), || convert(second));
        let ((mut resources, others), (more, more_others)) = (first?, second?);
        resources.extend(more);
        return Ok((resources, others + more_others));
    }
    convert(changes)
}

/// The fewest changes worth a second thread for [`read_changes`].
const MIN_HALF: usize = 1000;

/// [`read_changes`] of some of the changes, in order.
#[allow(clippy::vec_box)]
fn convert_changes(
    path: &Path,
    file: &str,
    config: &Configuration,
    keys: &HashMap<String, &str>,
    ctx: &IdentityContext,
    changes: Vec<Box<changes::ResourceChange>>,
) -> Result<(Vec<TfResource>, usize), InputError> {
    // A plan has a handful of provider configurations and regions for thousands of changes:
    // each is looked up (and its `default_tags` read) once.
    let mut providers = Providers::default();
    let mut regional: HashMap<&str, IdentityContext> = HashMap::new();
    let mut empty = Side::default();
    let no_unknown = Unknown::default();
    let mut resources = Vec::with_capacity(changes.len());
    let mut others = 0;
    for rc in changes {
        let rc = *rc;
        // Another provider's `tags` may be a list or anything else: not read at all.
        if !super::provider::is_aws_resource(&rc.resource_type, rc.provider_name.as_deref()) {
            others += 1;
            continue;
        }
        let address = &rc.address;
        let invalid = |m: String| InputError::invalid(path, None, format!("{address}: {m}"));
        let action = plan_action(&rc.change.actions)
            .ok_or_else(|| invalid(format!("unknown change actions {:?}", rc.change.actions)))?;
        let module = rc.module_address.unwrap_or_default();
        let mode = match rc.mode.as_deref() {
            Some("managed") => ResourceMode::Managed,
            Some("data") => ResourceMode::Data,
            Some(other) => return Err(invalid(format!("unknown resource mode `{other}`"))),
            // Very old plans omit `mode`: the address tells.
            None if relative_address(address, &module).starts_with("data.") => ResourceMode::Data,
            None => ResourceMode::Managed,
        };
        // Without a configuration section, no address has a key: nothing to look up.
        let key = if keys.is_empty() {
            None
        } else {
            let mut config_address = strip_instance_keys(&module);
            if !config_address.is_empty() {
                config_address.push('.');
            }
            if mode == ResourceMode::Data {
                config_address.push_str("data.");
            }
            config_address.push_str(&rc.resource_type);
            config_address.push('.');
            config_address.push_str(&rc.name);
            keys.get(&config_address).copied()
        };
        let provider = providers.get(config, key, rc.provider_name.as_deref());

        check_object(rc.change.after.shape, "after").map_err(invalid)?;
        check_object(rc.change.before.shape, "before").map_err(invalid)?;
        // A deleted resource has no `after`: what it had is what goes away.
        let mut change = rc.change;
        let (values, unknown) = match (change.after.shape, change.before.shape) {
            (Shape::Object, _) => (&mut change.after, &change.after_unknown),
            (_, Shape::Object) => (&mut change.before, &no_unknown),
            _ => (&mut empty, &no_unknown),
        };
        let tags = plan_tags(&rc.resource_type, values, unknown, &provider.default_tags).map_err(invalid)?;
        let id = scalar_string(values.attrs.get("id"));
        let local_key = provider.local_key.clone();
        let ctx = match provider.region {
            Some(region) if !region.is_empty() => {
                &*regional.entry(region).or_insert_with(|| ctx.with_region(Some(region)))
            }
            _ => ctx,
        };
        let mut resource = TfResource {
            address: rc.address,
            module,
            mode,
            resource_type: rc.resource_type,
            name: rc.name,
            index: rc.index,
            provider: local_key,
            arn: None,
            id,
            region: None,
            account: None,
            tags,
            layer: Layer::Plan,
            location: Some(SourceLocation::file(file)),
            tags_location: None,
            action: Some(action),
            may_not_exist: false,
        };
        identity::apply(&mut resource, &values.attrs, ctx);
        resources.push(resource);
    }
    Ok((resources, others))
}

/// [`provider_info`] per provider configuration key, else per provider name.
#[derive(Default)]
struct Providers<'a> {
    by_key: HashMap<&'a str, ProviderInfo<'a>>,
    by_name: HashMap<String, ProviderInfo<'a>>,
    unnamed: Option<ProviderInfo<'a>>,
}

impl<'a> Providers<'a> {
    fn get(
        &mut self,
        config: &'a Configuration,
        key: Option<&'a str>,
        provider_name: Option<&str>,
    ) -> &ProviderInfo<'a> {
        match (key, provider_name) {
            (Some(key), _) => {
                self.by_key.entry(key).or_insert_with(|| provider_info(config, Some(key), provider_name))
            }
            (None, Some(name)) => {
                // Looked up borrowed; the name is copied once, when first seen.
                if !self.by_name.contains_key(name) {
                    let info = provider_info(config, None, Some(name));
                    self.by_name.insert(name.to_string(), info);
                }
                &self.by_name[name]
            }
            (None, None) => self.unnamed.get_or_insert_with(|| provider_info(config, None, None)),
        }
    }
}

fn check_object(shape: Shape, what: &str) -> Result<(), String> {
    match shape {
        Shape::Null | Shape::Object => Ok(()),
        Shape::Other(kind) => Err(format!("`change.{what}` is {kind}, expected an object")),
    }
}

/// Terraform's action lists. `forget` (1.7+: leave the object, drop it from state) ends
/// Terraform's management like a delete does.
fn plan_action(actions: &[String]) -> Option<PlanAction> {
    let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
    Some(match actions.as_slice() {
        ["create"] => PlanAction::Create,
        ["update"] => PlanAction::Update,
        ["delete", "create"] | ["create", "delete"] => PlanAction::Replace,
        ["delete"] | ["forget"] => PlanAction::Delete,
        ["create", "forget"] | ["forget", "create"] => PlanAction::Replace,
        ["no-op"] => PlanAction::NoOp,
        ["read"] => PlanAction::Read,
        _ => return None,
    })
}

/// The address without its module prefix: `data.aws_x.y[0]`.
fn relative_address<'a>(address: &'a str, module: &str) -> &'a str {
    if module.is_empty() {
        return address;
    }
    address.strip_prefix(module).and_then(|rest| rest.strip_prefix('.')).unwrap_or(address)
}

/// `module.a["x"].module.b[0]` → `module.a.module.b`: configuration is per module, not per
/// module instance. Brackets inside quoted keys are skipped correctly.
fn strip_instance_keys(module: &str) -> String {
    let mut out = String::with_capacity(module.len());
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in module.chars() {
        if depth > 0 {
            if in_string {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                in_string = true;
            } else if c == ']' {
                depth -= 1;
            } else if c == '[' {
                depth += 1;
            }
        } else if c == '[' {
            depth = 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// Maps `module.a.module.b.aws_x.y` (module path without instance keys) to the resource's
/// `provider_config_key`.
fn collect_config_keys<'a>(module: &'a ConfigModule, prefix: &str, out: &mut HashMap<String, &'a str>) {
    for res in &module.resources {
        if let Some(key) = &res.provider_config_key {
            out.insert(format!("{prefix}{}", res.address), key.as_str());
        }
    }
    for (name, call) in &module.module_calls {
        if let Some(child) = &call.module {
            collect_config_keys(child, &format!("{prefix}module.{name}."), out);
        }
    }
}

/// Finds the provider configuration for a `provider_config_key` such as `aws`, `aws.west`,
/// `module.a.module.b:aws` or the 0.12 form `b:aws`, walking up to enclosing modules when the
/// module itself configures no such provider (the configuration is then inherited).
fn provider_info<'a>(
    config: &'a Configuration,
    key: Option<&str>,
    provider_name: Option<&str>,
) -> ProviderInfo<'a> {
    let fallback_name = provider_name.map(|n| n.rsplit('/').next().unwrap_or(n)).unwrap_or("aws");
    let Some(key) = key else {
        let local_key = fallback_name.to_string();
        return match config.provider_config.get(&local_key) {
            Some(pc) => from_provider_config(local_key, pc),
            None => {
                ProviderInfo { local_key, default_tags: DefaultTags::Known(BTreeMap::new()), region: None }
            }
        };
    };
    let (mut module, local) = match key.rsplit_once(':') {
        Some((module, local)) => (module.to_string(), local),
        None => (String::new(), key),
    };
    loop {
        let candidate = if module.is_empty() { local.to_string() } else { format!("{module}:{local}") };
        if let Some(pc) = config.provider_config.get(&candidate) {
            return from_provider_config(local.to_string(), pc);
        }
        if module.is_empty() {
            break;
        }
        module = match module.rfind(".module.") {
            Some(pos) => module[..pos].to_string(),
            None => String::new(),
        };
    }
    ProviderInfo {
        local_key: local.to_string(),
        default_tags: DefaultTags::Known(BTreeMap::new()),
        region: None,
    }
}

fn from_provider_config(local_key: String, pc: &ProviderConfig) -> ProviderInfo<'_> {
    let region = pc.expressions.get("region").and_then(|r| r.get("constant_value")).and_then(Value::as_str);
    ProviderInfo { local_key, default_tags: default_tags(pc.expressions.get("default_tags")), region }
}

/// `default_tags` is a list of blocks: `[{"tags": {"constant_value": {...}}}]`; a non-constant
/// `tags` carries `references` instead. Anything else we cannot read counts as unknown.
fn default_tags(expr: Option<&Value>) -> DefaultTags {
    let Some(expr) = expr else { return DefaultTags::Known(BTreeMap::new()) };
    let blocks: &[Value] = match expr {
        Value::Array(blocks) => blocks,
        Value::Object(_) => std::slice::from_ref(expr),
        _ => return DefaultTags::Unknown,
    };
    let mut tags = BTreeMap::new();
    for block in blocks {
        match block.get("tags") {
            None | Some(Value::Null) => {}
            Some(t) => match t.get("constant_value").map(tag_map) {
                Some(Ok(map)) => tags.extend(map),
                _ => return DefaultTags::Unknown,
            },
        }
    }
    DefaultTags::Known(tags)
}

/// Effective tags after the change; see the module documentation for the rules. The tag
/// entries of `values` are moved into the result.
fn plan_tags(
    resource_type: &str,
    values: &mut Side,
    unknown: &Unknown,
    default: &DefaultTags,
) -> Result<EffectiveTags, String> {
    let wholly_unknown = |key: &str| unknown.get(key) == Some(&Value::Bool(true));
    if resource_type == "aws_autoscaling_group" {
        let known = super::state::state_tags(resource_type, &values.attrs)?;
        return Ok(EffectiveTags { complete: !wholly_unknown("tag") && !wholly_unknown("tags"), ..known });
    }
    if !wholly_unknown("tags_all") {
        if let Some(TagsField::Object(all)) = &mut values.tags_all {
            let mut tags: SmallMap<TagValue> =
                entries_tag_map(std::mem::take(all)).map_err(|m| format!("`tags_all` {m}"))?;
            add_unknown_keys(&mut tags, unknown.get("tags_all"));
            return Ok(EffectiveTags::whole(tags));
        }
    }
    let mut complete = true;
    let mut tags = match default {
        DefaultTags::Known(map) => map.clone(),
        DefaultTags::Unknown => {
            complete = false;
            BTreeMap::new()
        }
    };
    if wholly_unknown("tags") {
        complete = false;
    }
    match &mut values.tags {
        None | Some(TagsField::Other(Value::Null)) => {}
        Some(TagsField::Object(own)) => {
            let own: Vec<_> = entries_tag_map(std::mem::take(own)).map_err(|m| format!("`tags` {m}"))?;
            tags.extend(own);
        }
        Some(TagsField::Other(other)) => tags.extend(tag_map(other).map_err(|m| format!("`tags` {m}"))?),
    }
    let mut tags: SmallMap<TagValue> = tags.into_iter().collect();
    add_unknown_keys(&mut tags, unknown.get("tags"));
    Ok(EffectiveTags { tags, complete, bound: None })
}

/// [`tag_map`] of an object read as its entries, consumed: a repeated key counts once, with
/// its last value, and the first bad value in key order is the error, as for a parsed map.
/// The entries come out in key order, without repeats.
fn entries_tag_map<T: FromIterator<(String, TagValue)>>(
    mut entries: Vec<(String, Value)>,
) -> Result<T, String> {
    // Stable: among equal keys the file order stays, so the last of a run is the last written.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut tags = Vec::with_capacity(entries.len());
    let mut entries = entries.into_iter().peekable();
    while let Some((k, v)) = entries.next() {
        if entries.peek().is_some_and(|(next, _)| *next == k) {
            continue;
        }
        let value = match v {
            // The string itself, not a copy (as `tag_value` would give).
            Value::String(s) => Some(TagValue::Known(s)),
            v => super::state::tag_value(&k, &v)?,
        };
        if let Some(value) = value {
            tags.push((k, value));
        }
    }
    Ok(tags.into_iter().collect())
}

/// `after_unknown.<map>.<key> == true`: the key is set, its value known only after apply.
fn add_unknown_keys(tags: &mut SmallMap<TagValue>, unknown: Option<&Value>) {
    if let Some(Value::Object(keys)) = unknown {
        for (k, v) in keys {
            if v == &Value::Bool(true) {
                tags.insert(k.clone(), TagValue::Unknown);
            }
        }
    }
}

#[cfg(test)]
mod tests;
