//! `terraform show -json` of a state: `values.root_module` with `resources[]` and
//! `child_modules[]` (recursively), each resource with its full `address` and its attribute
//! `values`. Accepted as a state input because CI systems often keep this form rather than the
//! raw state.
//!
//! This rendering names the provider (`provider_name`) but not the provider alias, so
//! [`TfResource::provider`](crate::model::TfResource) is the provider's local name (`aws`).

use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{finish, parse_mode, ResourceBase, StateFile};
use crate::error::InputError;
use crate::model::{IndexKey, ResourceMode};

#[derive(Deserialize)]
struct Show {
    format_version: Value,
    terraform_version: Option<String>,
    values: Option<Values>,
}

#[derive(Deserialize)]
struct Values {
    root_module: Option<Module>,
}

#[derive(Deserialize)]
struct Module {
    #[serde(default)]
    resources: Vec<Resource>,
    #[serde(default)]
    child_modules: Vec<Module>,
}

#[derive(Deserialize)]
struct Resource {
    address: String,
    mode: Option<String>,
    #[serde(rename = "type")]
    resource_type: String,
    name: String,
    index: Option<IndexKey>,
    provider_name: Option<String>,
    values: Option<Map<String, Value>>,
}

pub(super) fn parse(path: &Path, text: &str) -> Result<StateFile, InputError> {
    let show: Show = serde_json::from_str(text).map_err(|e| InputError::json(path, &e))?;
    check_format_version(path, &show.format_version)?;
    let mut flat = Vec::new();
    if let Some(root) = show.values.as_ref().and_then(|v| v.root_module.as_ref()) {
        collect(root, &mut flat);
    }
    let empty = Map::new();
    let mut pending = Vec::with_capacity(flat.len());
    let mut others = 0;
    for res in flat {
        let mode = parse_mode(path, res.mode.as_deref())?;
        if !crate::terraform::provider::is_aws_resource(&res.resource_type, res.provider_name.as_deref()) {
            others += 1;
            continue;
        }
        let base = ResourceBase {
            module: module_of(&res.address, mode, &res.resource_type, &res.name),
            mode,
            resource_type: res.resource_type.clone(),
            name: res.name.clone(),
            index: res.index.clone(),
            provider: res.provider_name.as_deref().map(local_name).unwrap_or("aws").to_string(),
        };
        pending.push((base, res.values.as_ref().unwrap_or(&empty)));
    }
    let file = path.display().to_string();
    let resources = finish(path, &file, pending)?;
    Ok(StateFile {
        path: file,
        terraform_version: show.terraform_version,
        serial: None,
        lineage: None,
        resources,
        other_provider_resources: others,
    })
}

/// Same rule as plans: major version 0 or 1.
fn check_format_version(path: &Path, v: &Value) -> Result<(), InputError> {
    let text = match v {
        Value::String(s) => s.as_str(),
        _ => return Err(InputError::invalid(path, None, "`format_version` is not a string")),
    };
    match text.split('.').next() {
        Some("0" | "1") => Ok(()),
        _ => Err(InputError::invalid(
            path,
            None,
            format!("format_version {text} not supported (major 0 or 1)"),
        )),
    }
}

fn collect<'a>(module: &'a Module, out: &mut Vec<&'a Resource>) {
    out.extend(module.resources.iter());
    for child in &module.child_modules {
        collect(child, out);
    }
}

/// `registry.terraform.io/hashicorp/aws` (or legacy `aws`) → `aws`.
fn local_name(provider_name: &str) -> &str {
    provider_name.rsplit('/').next().unwrap_or(provider_name)
}

/// The module part of a resource address: what precedes `[data.]type.name[index]`. Very old
/// files give module resources a module-relative address; their module is then unknown and
/// reported as the root.
fn module_of(address: &str, mode: ResourceMode, resource_type: &str, name: &str) -> String {
    let local = match mode {
        ResourceMode::Data => format!("data.{resource_type}.{name}"),
        ResourceMode::Managed => format!("{resource_type}.{name}"),
    };
    let without_index = match address.rfind(&local) {
        Some(pos) => &address[..pos],
        None => return String::new(),
    };
    without_index.trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layer, TagValue};
    use crate::terraform::state::parse_state;

    fn p() -> &'static Path {
        Path::new("show.json")
    }

    #[test]
    fn reads_root_and_child_modules() {
        let json = r#"{"format_version":"1.0","terraform_version":"1.5.0","values":{"root_module":{
          "resources":[{"address":"aws_instance.web[0]","mode":"managed","type":"aws_instance","name":"web",
            "index":0,"provider_name":"registry.terraform.io/hashicorp/aws",
            "values":{"id":"i-1","arn":"arn:aws:ec2:eu-west-1:123456789012:instance/i-1",
                      "tags":{"a":"1"},"tags_all":{"a":"1","env":"prod"}}}],
          "child_modules":[{"address":"module.net[\"x\"]","resources":[
            {"address":"module.net[\"x\"].aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main",
             "provider_name":"registry.terraform.io/hashicorp/aws","values":{"id":"vpc-1","tags":null}},
            {"address":"module.net[\"x\"].data.aws_region.here","mode":"data","type":"aws_region","name":"here",
             "provider_name":"registry.terraform.io/hashicorp/aws","values":{"id":"eu-west-1"}}]}]}}}"#;
        let state = parse_state(p(), json.as_bytes()).expect("parses");
        assert_eq!(state.serial, None);
        assert_eq!(state.terraform_version.as_deref(), Some("1.5.0"));
        let addrs: Vec<_> = state.resources.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "aws_instance.web[0]",
                "module.net[\"x\"].aws_vpc.main",
                "module.net[\"x\"].data.aws_region.here"
            ]
        );
        let web = &state.resources[0];
        assert_eq!(web.layer, Layer::State);
        assert_eq!(web.tags.tags.get("env"), Some(&TagValue::Known("prod".into())));
        assert_eq!(web.index, Some(IndexKey::Int(0)));
        let vpc = &state.resources[1];
        assert_eq!(vpc.module, "module.net[\"x\"]");
        assert_eq!(vpc.provider, "aws");
        // Context inferred from the instance ARN in the same file.
        assert_eq!(vpc.arn.as_deref(), Some("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1"));
        assert_eq!(state.resources[2].mode, ResourceMode::Data);
    }

    #[test]
    fn empty_show_output_is_an_empty_state() {
        let state = parse_state(p(), br#"{"format_version":"1.0"}"#).expect("parses");
        assert!(state.resources.is_empty());
    }

    #[test]
    fn module_relative_address_gives_root_module() {
        assert_eq!(module_of("aws_s3_bucket.b", ResourceMode::Managed, "aws_s3_bucket", "b"), "");
        assert_eq!(
            module_of("module.a.module.b.aws_s3_bucket.b[1]", ResourceMode::Managed, "aws_s3_bucket", "b"),
            "module.a.module.b"
        );
    }

    #[test]
    fn unknown_major_is_refused() {
        let err = parse_state(p(), br#"{"format_version":"2.0","values":{}}"#).err().map(|e| e.to_string());
        assert_eq!(err.as_deref(), Some("show.json: format_version 2.0 not supported (major 0 or 1)"));
    }
}
