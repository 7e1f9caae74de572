//! The attributes of a plan's resource changes that decide a price (`before`, `after`,
//! `after_unknown`), which the plan reader in `src/terraform` does not keep: a tag audit needs
//! none of them. Read only for resources of types `catalog` prices and for launch templates,
//! so a large plan costs one more scan, not a second model.

use std::collections::HashMap;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;

use super::catalog::{self, Attrs, Templates};
use crate::error::InputError;
use crate::model::PlanAction;

/// One resource change of a priced type (or a launch template).
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub address: String,
    pub resource_type: String,
    pub action: Option<PlanAction>,
    before: Value,
    after: Value,
    after_unknown: Value,
}

static NULL: Value = Value::Null;

impl Change {
    pub(crate) fn before(&self) -> Attrs<'_> {
        Attrs { values: &self.before, unknown: &NULL }
    }

    pub(crate) fn after(&self) -> Attrs<'_> {
        Attrs { values: &self.after, unknown: &self.after_unknown }
    }

    /// The resource's own `region` argument (AWS provider v6), when known.
    pub(crate) fn own_region(&self) -> Option<&str> {
        let v = if self.after.is_null() { &self.before } else { &self.after };
        v.get("region").and_then(Value::as_str).filter(|r| !r.is_empty())
    }
}

#[derive(Deserialize)]
struct PlanJson {
    #[serde(default)]
    resource_changes: Vec<RawChange>,
    #[serde(default)]
    configuration: Option<Configuration>,
}

#[derive(Deserialize, Default)]
struct Configuration {
    #[serde(default)]
    provider_config: std::collections::BTreeMap<String, ProviderConfig>,
}

#[derive(Deserialize)]
struct ProviderConfig {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expressions: Value,
}

/// The priced changes of a plan, and the one region its AWS provider configurations name
/// (`None` when they name none, or more than one: then only a resource's own region counts).
pub(crate) struct PlanAttrs {
    pub changes: Vec<Change>,
    pub region: Option<String>,
}

/// One `resource_changes[]` entry. Its `change` is parsed only when the type (which
/// Terraform writes before it) is priced; other changes are skipped without building values.
struct RawChange {
    address: String,
    resource_type: String,
    mode: Option<String>,
    change: Option<RawInner>,
}

#[derive(Deserialize, Default)]
struct RawInner {
    #[serde(default)]
    actions: Vec<String>,
    #[serde(default)]
    before: Value,
    #[serde(default)]
    after: Value,
    #[serde(default)]
    after_unknown: Value,
}

impl<'de> Deserialize<'de> for RawChange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawChange;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a resource change object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawChange, A::Error> {
                let mut out = RawChange {
                    address: String::new(),
                    resource_type: String::new(),
                    mode: None,
                    change: None,
                };
                // A change seen before its type (not Terraform's order) is kept whole.
                let mut early: Option<RawInner> = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "address" => out.address = map.next_value()?,
                        "type" => out.resource_type = map.next_value()?,
                        "mode" => out.mode = map.next_value()?,
                        "change" if out.resource_type.is_empty() => early = Some(map.next_value()?),
                        "change" if wanted(&out.resource_type) => out.change = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if out.change.is_none() && wanted(&out.resource_type) {
                    out.change = early;
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

fn wanted(ty: &str) -> bool {
    catalog::is_priced(ty) || is_template(ty)
}

fn is_template(ty: &str) -> bool {
    matches!(ty, "aws_launch_template" | "aws_launch_configuration")
}

/// Plan `actions` as one action (as the plan reader maps them).
fn action(actions: &[String]) -> Option<PlanAction> {
    let a: Vec<&str> = actions.iter().map(String::as_str).collect();
    Some(match a.as_slice() {
        ["create"] => PlanAction::Create,
        ["update"] => PlanAction::Update,
        ["delete"] => PlanAction::Delete,
        ["delete", "create"] | ["create", "delete"] => PlanAction::Replace,
        ["no-op"] => PlanAction::NoOp,
        ["read"] => PlanAction::Read,
        _ => return None,
    })
}

/// The priced changes of the plan at `path`, in the plan's order.
pub(crate) fn read(path: &Path) -> Result<PlanAttrs, InputError> {
    let bytes = std::fs::read(path).map_err(|e| InputError::io(path, e))?;
    let text = crate::terraform::plan::text::decode(path, &bytes)?;
    let mut plan: PlanJson = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    let mut out = Vec::new();
    for rc in std::mem::take(&mut plan.resource_changes) {
        if rc.mode.as_deref().is_some_and(|m| m != "managed") {
            continue;
        }
        let Some(change) = rc.change else { continue };
        out.push(Change {
            action: action(&change.actions),
            before: change.before,
            after: change.after,
            after_unknown: change.after_unknown,
            address: rc.address,
            resource_type: rc.resource_type,
        });
    }
    let mut regions: Vec<&str> = plan
        .configuration
        .as_ref()
        .map(|c| {
            c.provider_config
                .values()
                .filter(|p| p.name == "aws")
                .filter_map(|p| p.expressions.get("region")?.get("constant_value")?.as_str())
                .collect()
        })
        .unwrap_or_default();
    regions.sort_unstable();
    regions.dedup();
    let region = match regions.as_slice() {
        [one] => Some((*one).to_string()),
        _ => None,
    };
    Ok(PlanAttrs { changes: out, region })
}

/// Launch templates and configurations of the plan by id and by name, with the instance type
/// they will have.
pub(crate) struct TemplateIndex {
    types: HashMap<String, String>,
}

impl TemplateIndex {
    pub(crate) fn new(changes: &[Change]) -> TemplateIndex {
        let mut types = HashMap::new();
        for c in changes.iter().filter(|c| is_template(&c.resource_type)) {
            let v = if c.after.is_null() { &c.before } else { &c.after };
            let Some(it) = v.get("instance_type").and_then(Value::as_str) else { continue };
            for key in ["id", "name"] {
                if let Some(k) = v.get(key).and_then(Value::as_str) {
                    types.insert(k.to_string(), it.to_string());
                }
            }
        }
        TemplateIndex { types }
    }
}

impl Templates for TemplateIndex {
    fn instance_type(&self, id_or_name: &str) -> Option<String> {
        self.types.get(id_or_name).cloned()
    }
}
