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

pub(crate) mod text;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::identity::{self, IdentityContext};
use super::state::{json_kind, scalar_string, tag_map};
use crate::error::InputError;
use crate::model::{
    EffectiveTags, IndexKey, Layer, PlanAction, ResourceMode, SourceLocation, TagValue, TfResource,
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
}

/// Reads and parses a plan JSON file.
pub fn load_plan(path: &Path) -> Result<PlanFile, InputError> {
    let bytes = crate::source::read_regular(path).map_err(|e| InputError::io(path, e))?;
    parse_plan(path, &bytes)
}

/// Parses plan JSON bytes; `path` names them in errors.
pub fn parse_plan(path: &Path, bytes: &[u8]) -> Result<PlanFile, InputError> {
    let text = text::decode(path, bytes)?;
    let header: Header = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    let format_version = match (&header.format_version, &header.version) {
        (Some(Value::String(v)), _) => v.clone(),
        (Some(other), _) => {
            let message = format!("`format_version` is {}, expected a string", json_kind(other));
            return Err(InputError::invalid(path, None, message));
        }
        (None, Some(_)) => {
            return Err(InputError::invalid(path, None, "this is a Terraform state file, not a plan"));
        }
        (None, None) => {
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
    if header.values.is_some() && header.resource_changes.is_none() && header.planned_values.is_none() {
        let message = "this is `terraform show -json` of a state, not a plan; pass it as a state";
        return Err(InputError::invalid(path, None, message));
    }
    let plan: PlanJson = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    let file = path.display().to_string();
    let (resources, other_provider_resources) = read_changes(path, &file, &plan)?;
    Ok(PlanFile {
        path: file,
        format_version,
        terraform_version: plan.terraform_version,
        resources,
        other_provider_resources,
    })
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

#[derive(Deserialize)]
#[serde(expecting = "a JSON object (`terraform show -json` output)")]
struct PlanJson {
    terraform_version: Option<String>,
    resource_changes: Option<Vec<ResourceChange>>,
    configuration: Option<Configuration>,
}

#[derive(Deserialize)]
#[serde(expecting = "a resource change object")]
struct ResourceChange {
    address: String,
    module_address: Option<String>,
    mode: Option<String>,
    #[serde(rename = "type")]
    resource_type: String,
    name: String,
    index: Option<IndexKey>,
    provider_name: Option<String>,
    change: Change,
}

#[derive(Deserialize)]
#[serde(expecting = "a change object with `actions`")]
struct Change {
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    after_unknown: Value,
}

#[derive(Deserialize, Default)]
struct Configuration {
    #[serde(default)]
    provider_config: BTreeMap<String, ProviderConfig>,
    root_module: Option<ConfigModule>,
}

#[derive(Deserialize)]
struct ProviderConfig {
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

/// The AWS resource changes, and how many changes of other providers were left out.
fn read_changes(path: &Path, file: &str, plan: &PlanJson) -> Result<(Vec<TfResource>, usize), InputError> {
    let changes = plan.resource_changes.as_deref().unwrap_or_default();
    let default_config = Configuration::default();
    let config = plan.configuration.as_ref().unwrap_or(&default_config);
    let mut keys = HashMap::new();
    if let Some(root) = &config.root_module {
        collect_config_keys(root, "", &mut keys);
    }
    let ctx = IdentityContext::infer(changes.iter().flat_map(|rc| {
        [&rc.change.after, &rc.change.before]
            .into_iter()
            .filter_map(Value::as_object)
            .flat_map(identity::literal_arns)
    }));
    let empty = Map::new();
    let mut resources = Vec::with_capacity(changes.len());
    let mut others = 0;
    for rc in changes {
        // Another provider's `tags` may be a list or anything else: not read at all.
        if !super::provider::is_aws_resource(&rc.resource_type, rc.provider_name.as_deref()) {
            others += 1;
            continue;
        }
        let address = &rc.address;
        let invalid = |m: String| InputError::invalid(path, None, format!("{address}: {m}"));
        let action = plan_action(&rc.change.actions)
            .ok_or_else(|| invalid(format!("unknown change actions {:?}", rc.change.actions)))?;
        let module = rc.module_address.clone().unwrap_or_default();
        let mode = match rc.mode.as_deref() {
            Some("managed") => ResourceMode::Managed,
            Some("data") => ResourceMode::Data,
            Some(other) => return Err(invalid(format!("unknown resource mode `{other}`"))),
            // Very old plans omit `mode`: the address tells.
            None if relative_address(address, &module).starts_with("data.") => ResourceMode::Data,
            None => ResourceMode::Managed,
        };
        let mut config_address = strip_instance_keys(&module);
        if !config_address.is_empty() {
            config_address.push('.');
        }
        if mode == ResourceMode::Data {
            config_address.push_str("data.");
        }
        config_address.push_str(&format!("{}.{}", rc.resource_type, rc.name));
        let provider = provider_info(config, keys.get(&config_address).copied(), rc.provider_name.as_deref());

        // A deleted resource has no `after`: what it had is what goes away.
        let (values, unknown) = match (&rc.change.after, &rc.change.before) {
            (Value::Object(after), _) => (after, &rc.change.after_unknown),
            (_, Value::Object(before)) => (before, &Value::Null),
            _ => (&empty, &Value::Null),
        };
        check_object(&rc.change.after, "after").map_err(invalid)?;
        check_object(&rc.change.before, "before").map_err(invalid)?;
        let tags = plan_tags(&rc.resource_type, values, unknown, &provider.default_tags).map_err(invalid)?;

        let mut resource = TfResource {
            address: address.clone(),
            module,
            mode,
            resource_type: rc.resource_type.clone(),
            name: rc.name.clone(),
            index: rc.index.clone(),
            provider: provider.local_key,
            arn: None,
            id: scalar_string(values.get("id")),
            region: None,
            account: None,
            tags,
            layer: Layer::Plan,
            location: Some(SourceLocation::file(file)),
            tags_location: None,
            action: Some(action),
            may_not_exist: false,
        };
        identity::apply(&mut resource, values, &ctx.with_region(provider.region));
        resources.push(resource);
    }
    Ok((resources, others))
}

fn check_object(v: &Value, what: &str) -> Result<(), String> {
    match v {
        Value::Null | Value::Object(_) => Ok(()),
        other => Err(format!("`change.{what}` is {}, expected an object", json_kind(other))),
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

/// Effective tags after the change; see the module documentation for the rules.
fn plan_tags(
    resource_type: &str,
    values: &Map<String, Value>,
    unknown: &Value,
    default: &DefaultTags,
) -> Result<EffectiveTags, String> {
    let wholly_unknown = |key: &str| unknown.get(key) == Some(&Value::Bool(true));
    if resource_type == "aws_autoscaling_group" {
        let known = super::state::state_tags(resource_type, values)?;
        return Ok(EffectiveTags { complete: !wholly_unknown("tag") && !wholly_unknown("tags"), ..known });
    }
    if !wholly_unknown("tags_all") {
        if let Some(all @ Value::Object(_)) = values.get("tags_all") {
            let mut tags = tag_map(all).map_err(|m| format!("`tags_all` {m}"))?;
            add_unknown_keys(&mut tags, unknown.get("tags_all"));
            return Ok(EffectiveTags { tags: tags.into_iter().collect(), complete: true });
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
    match values.get("tags") {
        None | Some(Value::Null) => {}
        Some(own) => tags.extend(tag_map(own).map_err(|m| format!("`tags` {m}"))?),
    }
    add_unknown_keys(&mut tags, unknown.get("tags"));
    Ok(EffectiveTags { tags: tags.into_iter().collect(), complete })
}

/// `after_unknown.<map>.<key> == true`: the key is set, its value known only after apply.
fn add_unknown_keys(tags: &mut BTreeMap<String, TagValue>, unknown: Option<&Value>) {
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
