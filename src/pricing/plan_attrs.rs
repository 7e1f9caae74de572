//! The attributes of a plan's resource changes that decide a price (`before`, `after`,
//! `after_unknown`), which a tag audit does not need: the plan reader keeps them whole for the
//! types [`wanted`] names (priced types and launch templates) when asked, in the same pass
//! that reads the tags, so pricing a large plan never parses it a second time.

use std::collections::HashMap;

use serde_json::Value;

use super::catalog::{self, Attrs, Templates};
use crate::model::PlanAction;
use crate::terraform::plan::{ChangeValues, Keep, KeptSide};

/// One resource change of a priced type (or a launch template).
#[derive(Debug, Clone)]
pub(crate) struct Change<'a> {
    pub address: &'a str,
    pub resource_type: &'a str,
    pub action: Option<PlanAction>,
    before: &'a KeptSide,
    after: &'a KeptSide,
    after_unknown: &'a Value,
    config: &'a Value,
    module: &'a str,
    provider_region: Option<&'a str>,
}

impl Change<'_> {
    pub(crate) fn before(&self) -> Attrs<'_> {
        Attrs::known(self.before)
    }

    pub(crate) fn after(&self) -> Attrs<'_> {
        Attrs { values: self.after, unknown: self.after_unknown, config: self.config, module: self.module }
    }

    /// The resource's own `region` argument (AWS provider v6) when known, else its provider
    /// configuration's constant region.
    pub(crate) fn own_region(&self) -> Option<&str> {
        let v = if self.after.is_null() { self.before } else { self.after };
        v.get("region").and_then(Value::as_str).filter(|r| !r.is_empty()).or(self.provider_region)
    }
}

/// The priced changes of a plan, and the one region its AWS provider configurations name
/// (`None` when they name none, or more than one: then only a resource's own region counts).
pub(crate) struct PlanAttrs<'a> {
    pub changes: Vec<Change<'a>>,
    pub region: Option<String>,
}

/// What the plan reader should keep for pricing: the changes of the [`wanted`] types, with
/// the attributes [`catalog::READS`] names.
pub const KEEP: Keep<'static> = Keep { types: &wanted, attributes: &catalog::reads };

/// The types whose attributes pricing reads: what the plan reader should keep.
pub fn wanted(ty: &str) -> bool {
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

/// The priced changes among those the plan reader kept (`kept`), in the plan's order, with
/// the constant regions of its `aws` provider configurations (`aws_regions`).
pub(crate) fn from_plan<'a>(kept: &'a [Box<ChangeValues>], aws_regions: &[String]) -> PlanAttrs<'a> {
    let changes = kept
        .iter()
        .filter(|c| wanted(&c.resource_type))
        .filter(|c| c.mode.as_deref().is_none_or(|m| m == "managed"))
        .map(|c| Change {
            action: action(&c.actions),
            before: &c.before,
            after: &c.after,
            after_unknown: &c.after_unknown,
            config: c.config.as_deref().unwrap_or(&Value::Null),
            module: &c.module_address,
            provider_region: c.provider_region.as_deref(),
            address: &c.address,
            resource_type: &c.resource_type,
        })
        .collect();
    let region = match aws_regions {
        [one] => Some(one.clone()),
        _ => None,
    };
    PlanAttrs { changes, region }
}

/// Launch templates and configurations of the plan by id and by name, with the instance type
/// they will have.
pub(crate) struct TemplateIndex {
    types: HashMap<String, String>,
    by_address: HashMap<String, String>,
}

impl TemplateIndex {
    pub(crate) fn new(changes: &[Change<'_>]) -> TemplateIndex {
        let mut types = HashMap::new();
        let mut by_address = HashMap::new();
        for c in changes.iter().filter(|c| is_template(c.resource_type)) {
            let v = if c.after.is_null() { c.before } else { c.after };
            let Some(it) = v.get("instance_type").and_then(Value::as_str) else { continue };
            for key in ["id", "name"] {
                if let Some(k) = v.get(key).and_then(Value::as_str) {
                    types.insert(k.to_string(), it.to_string());
                }
            }
            if c.action != Some(PlanAction::Delete) {
                by_address.insert(c.address.to_string(), it.to_string());
            }
        }
        TemplateIndex { types, by_address }
    }
}

impl Templates for TemplateIndex {
    fn instance_type(&self, id_or_name: &str) -> Option<String> {
        self.types.get(id_or_name).cloned()
    }

    fn instance_type_at(&self, address: &str) -> Option<String> {
        self.by_address.get(address).cloned()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::terraform::plan::parse_plan_keeping;

    /// The shape of every side of every priced change, as pricing sees it.
    fn shapes(kept: &[Box<ChangeValues>]) -> Vec<(String, Option<catalog::Shape>, Option<catalog::Shape>)> {
        let attrs = from_plan(kept, &[]);
        let templates = TemplateIndex::new(&attrs.changes);
        attrs
            .changes
            .iter()
            .map(|c| {
                let before = catalog::shape(c.resource_type, c.before(), &templates);
                let after = catalog::shape(c.resource_type, c.after(), &templates);
                (format!("{} {:?}", c.address, c.own_region()), before, after)
            })
            .collect()
    }

    #[test]
    fn keeping_only_the_attributes_read_prices_every_fixture_plan_the_same() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let everything = Keep { types: &wanted, attributes: &|_| true };
        let mut priced = 0;
        for plan in [
            "tests/fixtures/pricing/plan.json",
            "tests/fixtures/pricing/terraform/plan.json",
            "tests/fixtures/pricing/terraform-more/plan.json",
            "tests/fixtures/list_prices/plan.json",
            "tests/fixtures/rules/BUD004/plan.json",
        ] {
            let path = root.join(plan);
            let bytes = std::fs::read(&path).expect("fixture");
            let all = parse_plan_keeping(&path, &bytes, everything).expect("parses");
            let lean = parse_plan_keeping(&path, &bytes, KEEP).expect("parses");
            let (all, lean) = (shapes(&all.kept), shapes(&lean.kept));
            assert_eq!(all, lean, "{plan}");
            priced +=
                all.iter().filter(|(_, _, after)| matches!(after, Some(catalog::Shape::Fixed(_)))).count();
        }
        // Not a comparison of nothing: the fixtures price dozens of fixed-rate resources.
        assert!(priced > 40, "{priced} fixed-rate resources");
    }

    #[test]
    fn reads_is_sorted_for_its_binary_search() {
        assert!(catalog::READS.windows(2).all(|w| w[0] < w[1]));
    }
}
