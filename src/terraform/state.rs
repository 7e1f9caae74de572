//! Reader for Terraform state: the v4 state file (`terraform.tfstate`, `terraform state pull`)
//! and the `terraform show -json` rendering of a state (`values.root_module`, see [`show`]).
//! Both produce [`TfResource`]s of the [`Layer::State`] layer with complete effective tags
//! (`tags_all`, else `tags`: a state is applied, nothing is unknown) and an ARN where one can be
//! known (see [`super::identity`]).
//!
//! Also expands `--state` arguments (files, directories, globs) into file paths. Reading state
//! from S3 is not done here: fetch the bytes and call [`parse_state`].
//!
//! State versions before 4 (Terraform < 0.12) are refused with a clear error. Deposed objects
//! (the old half of a create-before-destroy replacement) are kept under their instance's
//! address: they are still live and still managed.

pub(crate) mod show;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::GlobBuilder;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::identity::{self, IdentityContext};
use super::plan::text;
use crate::error::InputError;
use crate::model::{EffectiveTags, IndexKey, Layer, ResourceMode, SourceLocation, TagValue, TfResource};

/// One state input, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    /// The path as the user gave it.
    pub path: String,
    pub terraform_version: Option<String>,
    /// `None` for `terraform show -json` output, which carries no serial.
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// Every resource instance (managed and data) of the AWS provider, sorted by address.
    pub resources: Vec<TfResource>,
    /// Instances of other providers' resources: not read (see [`super::provider`]).
    pub other_provider_resources: usize,
}

/// Reads and parses a state file (v4 or `terraform show -json` output).
pub fn load_state(path: &Path) -> Result<StateFile, InputError> {
    let bytes = crate::source::read_regular(path).map_err(|e| InputError::io(path, e))?;
    parse_state(path, &bytes)
}

/// Parses state bytes read from anywhere (local file, S3); `path` names them in errors.
pub fn parse_state(path: &Path, bytes: &[u8]) -> Result<StateFile, InputError> {
    let text = text::decode(path, bytes)?;
    // Nearly every input is a v4 state file: read it in one pass. The header is read apart
    // only when that does not give a v4 state, for the other formats and every message (a
    // header pass alone scans the whole file: serde_json checks what it skips).
    if let Ok(state) = serde_json::from_str::<StateV4>(&text) {
        if matches!(&state.version, Some(Value::Number(n)) if n.as_u64() == Some(4)) {
            return read_v4(path, state);
        }
    }
    let header: Header = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    match (&header.version, &header.format_version) {
        (Some(Value::Number(n)), _) if n.as_u64() == Some(4) => parse_v4(path, &text),
        (Some(version), _) => Err(InputError::invalid(
            path,
            None,
            format!(
                "state version {version} not supported (only version 4, written by Terraform 0.12 and later)"
            ),
        )),
        (None, Some(_)) if header.values.is_some() || header.is_bare_show() => show::parse(path, &text),
        (None, Some(_)) => Err(InputError::invalid(
            path,
            None,
            "this is a Terraform plan (`resource_changes`), not a state; pass it as a plan",
        )),
        (None, None) => Err(InputError::invalid(
            path,
            None,
            "not a Terraform state: no `version` (state file) or `format_version` (`terraform show -json`)",
        )),
    }
}

/// Just enough to tell the two state formats (and a misplaced plan) apart.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object (a Terraform state file)")]
struct Header {
    version: Option<Value>,
    format_version: Option<Value>,
    values: Option<IgnoredAny>,
    resource_changes: Option<IgnoredAny>,
    planned_values: Option<IgnoredAny>,
}

impl Header {
    /// `terraform show -json` of an empty state prints only `format_version` (and the version).
    fn is_bare_show(&self) -> bool {
        self.resource_changes.is_none() && self.planned_values.is_none()
    }
}

#[derive(Deserialize)]
#[serde(expecting = "a JSON object (a Terraform state file)")]
struct StateV4 {
    version: Option<Value>,
    terraform_version: Option<String>,
    serial: Option<u64>,
    lineage: Option<String>,
    #[serde(default)]
    resources: Vec<StateResource>,
}

#[derive(Deserialize)]
#[serde(expecting = "a resource object")]
struct StateResource {
    module: Option<String>,
    mode: Option<String>,
    #[serde(rename = "type")]
    resource_type: String,
    name: String,
    provider: Option<String>,
    #[serde(default)]
    instances: Vec<StateInstance>,
}

#[derive(Deserialize)]
#[serde(expecting = "a resource instance object")]
struct StateInstance {
    index_key: Option<IndexKey>,
    /// Set on a deposed object, which shares its address with the current one.
    #[serde(default)]
    deposed: Option<String>,
    attributes: Option<Map<String, Value>>,
}

fn parse_v4(path: &Path, text: &str) -> Result<StateFile, InputError> {
    let state: StateV4 = serde_json::from_str(text).map_err(|e| InputError::json(path, &e))?;
    read_v4(path, state)
}

fn read_v4(path: &Path, state: StateV4) -> Result<StateFile, InputError> {
    let file = path.display().to_string();
    let empty = Map::new();
    let mut pending = Vec::new();
    let mut others = 0;
    let mut current = std::collections::BTreeSet::new();
    for res in &state.resources {
        let mode = parse_mode(path, res.mode.as_deref())?;
        let module = res.module.clone().unwrap_or_default();
        let provider = res.provider.as_deref().map(provider_config_key).unwrap_or_else(|| "aws".to_string());
        // `provider_config_key` keeps the source's type (`google`, `aws.west`): its first part.
        let local = res.provider.as_ref().map(|_| provider.split('.').next().unwrap_or(&provider));
        if !super::provider::is_aws_resource(&res.resource_type, local) {
            others += res.instances.len();
            continue;
        }
        for inst in &res.instances {
            let attrs = inst.attributes.as_ref().unwrap_or(&empty);
            let base = ResourceBase {
                module: module.clone(),
                mode,
                resource_type: res.resource_type.clone(),
                name: res.name.clone(),
                index: inst.index_key.clone(),
                provider: provider.clone(),
            };
            // Terraform writes one current object per address (deposed ones aside); a
            // hand-merged state with two would compare one's tags with the other's: bogus drift.
            if inst.deposed.is_none() && !current.insert(base.address()) {
                return Err(InputError::invalid(
                    path,
                    None,
                    format!("{}: the same resource address appears twice in this state", base.address()),
                ));
            }
            pending.push((base, attrs));
        }
    }
    let resources = finish(path, &file, pending)?;
    Ok(StateFile {
        path: file,
        terraform_version: state.terraform_version,
        serial: state.serial,
        lineage: state.lineage,
        resources,
        other_provider_resources: others,
    })
}

/// The parts of an instance both state formats give before tags and identity are worked out.
pub(crate) struct ResourceBase {
    pub module: String,
    pub mode: ResourceMode,
    pub resource_type: String,
    pub name: String,
    pub index: Option<IndexKey>,
    pub provider: String,
}

impl ResourceBase {
    pub(crate) fn address(&self) -> String {
        let mut address = String::new();
        if !self.module.is_empty() {
            address.push_str(&self.module);
            address.push('.');
        }
        if self.mode == ResourceMode::Data {
            address.push_str("data.");
        }
        address.push_str(&self.resource_type);
        address.push('.');
        address.push_str(&self.name);
        if let Some(index) = &self.index {
            address.push_str(&index.to_string());
        }
        address
    }
}

/// Builds the resources of one state file: infers the identity context from the ARNs the file
/// holds, then resolves every ARN with it; sorts by address.
pub(crate) fn finish(
    path: &Path,
    file: &str,
    pending: Vec<(ResourceBase, &Map<String, Value>)>,
) -> Result<Vec<TfResource>, InputError> {
    let ctx = IdentityContext::infer(pending.iter().flat_map(|(_, attrs)| identity::literal_arns(attrs)));
    let mut resources = Vec::with_capacity(pending.len());
    for (base, attrs) in pending {
        let address = base.address();
        let tags = state_tags(&base.resource_type, attrs)
            .map_err(|m| InputError::invalid(path, None, format!("{address}: {m}")))?;
        let mut resource = TfResource {
            address,
            module: base.module,
            mode: base.mode,
            resource_type: base.resource_type,
            name: base.name,
            index: base.index,
            provider: base.provider,
            arn: None,
            id: scalar_string(attrs.get("id")),
            region: None,
            account: None,
            tags,
            layer: Layer::State,
            location: Some(SourceLocation::file(file)),
            tags_location: None,
            action: None,
            may_not_exist: false,
        };
        identity::apply(&mut resource, attrs, &ctx);
        resources.push(resource);
    }
    // Stable (deposed objects share their address), and each resource moved once: a stable
    // sort of the resources themselves moved them through every merge.
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by(|&a, &b| resources[a].address.cmp(&resources[b].address));
    let mut slots: Vec<Option<TfResource>> = resources.into_iter().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
}

pub(crate) fn parse_mode(path: &Path, mode: Option<&str>) -> Result<ResourceMode, InputError> {
    match mode {
        None | Some("managed") => Ok(ResourceMode::Managed),
        Some("data") => Ok(ResourceMode::Data),
        Some(other) => Err(InputError::invalid(path, None, format!("unknown resource mode `{other}`"))),
    }
}

/// `provider["registry.terraform.io/hashicorp/aws"].west`, legacy `provider.aws.west`, either
/// possibly behind `module.x.` → `aws.west`; without an alias → `aws`.
pub(crate) fn provider_config_key(provider: &str) -> String {
    let Some(start) = provider.rfind("provider") else { return provider.to_string() };
    let rest = &provider[start + "provider".len()..];
    if let Some(quoted) = rest.strip_prefix("[\"") {
        let (source, after) = quoted.split_once("\"]").unwrap_or((quoted, ""));
        let local = source.rsplit('/').next().unwrap_or(source);
        match after.strip_prefix('.') {
            Some(alias) if !alias.is_empty() => format!("{local}.{alias}"),
            _ => local.to_string(),
        }
    } else {
        rest.trim_start_matches('.').to_string()
    }
}

/// `id` and other attributes as text: strings as they are, numbers printed.
pub(crate) fn scalar_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Effective tags of an applied resource: `tags_all` when it is a map, else `tags`, else none.
/// `aws_autoscaling_group` keeps its tags in `tag` blocks (and, before provider 5, a `tags`
/// list of maps); `default_tags` do not apply to it, so those blocks are the whole story.
pub(crate) fn state_tags(resource_type: &str, attrs: &Map<String, Value>) -> Result<EffectiveTags, String> {
    if resource_type == "aws_autoscaling_group" {
        return Ok(EffectiveTags::whole(asg_tags(attrs).into_iter().collect()));
    }
    // `tags_all` wins when present; null means "not recorded" (old providers), anything else
    // that is not a map is a broken file, reported rather than read as "no tags".
    let source = match (attrs.get("tags_all"), attrs.get("tags")) {
        (Some(all), _) if !all.is_null() => Some(("tags_all", all)),
        (_, Some(tags)) if !tags.is_null() => Some(("tags", tags)),
        _ => None,
    };
    let tags = match source {
        Some((name, value)) => tag_map(value).map_err(|m| format!("attribute `{name}` {m}"))?,
        None => BTreeMap::new(),
    };
    Ok(EffectiveTags::whole(tags.into_iter().collect()))
}

fn asg_tags(attrs: &Map<String, Value>) -> BTreeMap<String, TagValue> {
    let blocks = ["tag", "tags"].into_iter().filter_map(|k| attrs.get(k)?.as_array()).flatten();
    blocks
        .filter_map(|b| {
            let key = b.get("key")?.as_str()?;
            let value = scalar_string(b.get("value"))?;
            Some((key.to_string(), TagValue::Known(value)))
        })
        .collect()
}

/// A JSON tag map as known values. Terraform stores `map(string)`, but a hand-edited or
/// converted state may hold numbers or booleans: they are printed as Terraform would convert
/// them. A null value means the key is not set.
pub(crate) fn tag_map(value: &Value) -> Result<BTreeMap<String, TagValue>, String> {
    let Value::Object(map) = value else {
        return Err(format!("is not a map (found {})", json_kind(value)));
    };
    let mut tags = BTreeMap::new();
    for (k, v) in map {
        if let Some(value) = tag_value(k, v)? {
            tags.insert(k.clone(), value);
        }
    }
    Ok(tags)
}

/// One tag's value: `None` for a JSON null (no such tag), an error for a map or list.
pub(crate) fn tag_value(key: &str, v: &Value) -> Result<Option<TagValue>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(_) | Value::Array(_) => {
            Err(format!("has a non-string value for key `{key}` ({})", json_kind(v)))
        }
        other => Ok(Some(TagValue::Known(scalar_string(Some(other)).unwrap_or_default()))),
    }
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Expands `--state` arguments: a file is taken as is, a directory gives every `*.tfstate` below
/// it (skipping `.terraform` and `.git`), anything with `*?[{` is a glob (`**` crosses
/// directories, `*` does not) matched below its literal leading directories. The result is
/// sorted and free of duplicates. A missing file, or a directory or pattern that yields no file,
/// is an error naming it.
pub fn expand_state_inputs(inputs: &[String]) -> Result<Vec<PathBuf>, InputError> {
    let mut out = BTreeSet::new();
    for input in inputs {
        let found = if input.contains(['*', '?', '[', '{']) {
            expand_glob(input)?
        } else {
            let path = Path::new(input);
            let meta = std::fs::metadata(path).map_err(|e| InputError::io(path, e))?;
            if meta.is_dir() {
                let mut files = Vec::new();
                walk(path, &mut files).map_err(|e| InputError::io(path, e))?;
                files.retain(|f| f.extension().is_some_and(|e| e == "tfstate"));
                if files.is_empty() {
                    return Err(InputError::invalid(path, None, "no *.tfstate file in this directory"));
                }
                files
            } else {
                crate::source::check_regular(path).map_err(|e| InputError::io(path, e))?;
                vec![path.to_path_buf()]
            }
        };
        out.extend(found);
    }
    Ok(out.into_iter().collect())
}

fn expand_glob(pattern: &str) -> Result<Vec<PathBuf>, InputError> {
    let as_path = Path::new(pattern);
    let glob = GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| InputError::invalid(as_path, None, format!("bad glob: {e}")))?
        .compile_matcher();
    // Walk only below the leading components that hold no glob syntax.
    let base: PathBuf = as_path
        .components()
        .take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '[', '{']))
        .collect();
    let mut files = Vec::new();
    let root = if base.as_os_str().is_empty() { Path::new(".") } else { base.as_path() };
    if root.is_dir() {
        walk(root, &mut files).map_err(|e| InputError::io(root, e))?;
    }
    let strip_dot = base.as_os_str().is_empty();
    let matched: Vec<PathBuf> = files
        .into_iter()
        .map(|f| if strip_dot { f.strip_prefix(".").map(Path::to_path_buf).unwrap_or(f) } else { f })
        .filter(|f| glob.is_match(f))
        .collect();
    if matched.is_empty() {
        return Err(InputError::invalid(as_path, None, "pattern matches no file"));
    }
    Ok(matched)
}

/// Every regular file below `dir`; symlinked directories are not followed (no cycles).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let name = entry.file_name();
            if name != ".terraform" && name != ".git" {
                walk(&path, out)?;
            }
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
            out.push(path);
        } else if path.extension().is_some_and(|e| e == "tfstate") {
            // A FIFO, dangling link or loop named like a state: skipped, never opened (a FIFO
            // would block), and said.
            let why = crate::source::scan_entry(&path).err().unwrap_or_default();
            tracing::warn!(path = %path.display(), "skipped: {why}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
