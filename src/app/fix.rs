//! `tally fix` and `tally import` as library functions: resolve the inputs like `lint` and
//! `audit` do, hand the findings to [`crate::fix`] or [`crate::import`], and (for `fix
//! --write`) write the files and lint again to prove what was fixed is gone and nothing new
//! appeared. Nothing here prints.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::load::{check_dir, load_config, resolve, Loaded, Resolved};
use super::{load_audit, AppError, AwsOptions, PolicyOptions, Sources};
use crate::audit::Focus;
use crate::error::InputError;
use crate::fix::{FixOptions, FixPlan, Relint};
use crate::policy::Severity;

/// `tally fix`.
#[derive(Debug, Clone, Default)]
pub struct FixRequest {
    /// Terraform root module directory; its `tally.hcl` is read when present.
    pub dir: PathBuf,
    /// Write the changes (else only plan them).
    pub write: bool,
    /// Values to write per key; they win over the policy's `default` and the live owner.
    pub set: Vec<(String, String)>,
    /// Add missing keys to the provider's `default_tags` instead of each resource's `tags`.
    pub default_tags: bool,
    /// Recorded live data, for the live owner (with `state`).
    pub snapshot: Option<PathBuf>,
    /// Terraform state linking code addresses to live resources (adds to tally.hcl's).
    pub state: Vec<String>,
    pub policy: PolicyOptions,
}

/// `tally import`.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,
    pub sources: Sources,
}

/// `lint` of one root module, annotated with fixes, and the inputs it resolved (the policy
/// `tally fix` needs).
fn lint_resolved(dir: &Path, policy: &PolicyOptions) -> Result<(crate::report::Report, Resolved), AppError> {
    check_dir(dir)?;
    let config = load_config(dir)?;
    let sources = Sources { policy: policy.clone(), ..Sources::default() };
    let mut resolved = resolve(config, &sources, Some(Severity::Warning))?;
    let code = resolved.code.take().unwrap_or_else(|| dir.to_path_buf());
    let mut loaded = Loaded::default();
    loaded.code(&code, &resolved.var_files)?;
    resolved.budgets.clear();
    let mut report = loaded.audit("lint", &resolved, Focus::Everything);
    crate::fix::annotate(&mut report, &resolved.policy, &code);
    resolved.code = Some(code);
    Ok((report, resolved))
}

/// What `tally fix` did or would do.
#[derive(Debug)]
pub struct FixOutcome {
    pub plan: FixPlan,
    /// Fixable findings (TAG001-TAG003 on code) before the fix.
    pub fixable: usize,
    /// After `--write`: the lint run again on the written files.
    pub relint: Option<Relint>,
}

/// (rule, address) of every finding, for before/after comparison.
fn finding_keys(report: &crate::report::Report) -> BTreeMap<(String, String), String> {
    report
        .findings
        .iter()
        .map(|f| {
            let address = f.resource.address.clone().or_else(|| f.resource.arn.clone()).unwrap_or_default();
            ((f.rule_id.to_string(), address), f.message.clone())
        })
        .collect()
}

/// `tally fix DIR`: plan the tag edits; with `write`, apply them and lint again.
pub fn fix(args: &FixRequest) -> Result<FixOutcome, AppError> {
    let (report, resolved) = lint_resolved(&args.dir, &args.policy)?;
    let mut opts = FixOptions {
        set: args.set.iter().cloned().collect(),
        default_tags: args.default_tags,
        owners: BTreeMap::new(),
    };
    if let Some(snapshot) = &args.snapshot {
        let mut states = resolved.state.clone();
        states.extend(args.state.iter().cloned());
        if states.is_empty() {
            return Err(InputError::Usage(
                "--snapshot needs Terraform state (--state or tally.hcl's state) to link code to live resources"
                    .into(),
            )
            .into());
        }
        let mut loaded = Loaded::default();
        loaded.states(&states, &AwsOptions::default())?;
        loaded.snapshot(snapshot)?;
        opts.owners = live_owners(&loaded, &resolved.policy.owner_tag);
    }
    let report = &report;
    let fixable = report
        .findings
        .iter()
        .filter(|f| crate::fix::FIXABLE.contains(&f.rule_id.as_ref()))
        .filter(|f| f.layer == Some(crate::model::Layer::Code))
        .count();
    let root = resolved.code.clone().unwrap_or_else(|| args.dir.clone());
    let plan = crate::fix::plan(&report.findings, &resolved.policy, &root, &opts);
    if !args.write {
        return Ok(FixOutcome { plan, fixable, relint: None });
    }
    for file in &plan.files {
        std::fs::write(&file.path, &file.new).map_err(|e| InputError::io(Path::new(&file.path), e))?;
    }
    let (after, _) = lint_resolved(&args.dir, &args.policy)?;
    let before = finding_keys(report);
    let after = finding_keys(&after);
    let fixed: BTreeSet<(String, String)> =
        plan.fixed.iter().map(|f| (f.rule_id.clone(), f.address.clone())).collect();
    let relint = Relint {
        still_there: fixed.iter().filter(|k| after.contains_key(*k)).cloned().collect(),
        new: after
            .iter()
            .filter(|(k, _)| !before.contains_key(*k))
            .map(|((rule, address), message)| (rule.clone(), address.clone(), message.clone()))
            .collect(),
    };
    Ok(FixOutcome { plan, fixable, relint: Some(relint) })
}

/// The owner tag of the live resource behind each state address.
fn live_owners(loaded: &Loaded, owner_tag: &str) -> BTreeMap<String, String> {
    // Log-group ARNs come with and without `:*`, as in the audit's correlation.
    let normalize_arn = |arn: &str| arn.strip_suffix(":*").unwrap_or(arn).to_string();
    let Some(snapshot) = &loaded.snapshot else { return BTreeMap::new() };
    let by_arn: BTreeMap<String, &str> = snapshot
        .resources
        .iter()
        .filter_map(|r| r.tags.get(owner_tag).filter(|v| !v.is_empty()).map(|v| (normalize_arn(&r.arn), v)))
        .collect();
    loaded
        .states
        .iter()
        .filter_map(|tf| {
            let arn = tf.arn.as_deref()?;
            by_arn.get(&normalize_arn(arn)).map(|owner| (tf.address.clone(), owner.to_string()))
        })
        .collect()
}

/// `tally import`: `import {}` blocks for the unmanaged live resources of an audit.
pub fn import(args: &ImportRequest) -> Result<crate::import::ImportPlan, AppError> {
    if let Some(dir) = &args.dir {
        check_dir(dir)?;
    }
    let (loaded, resolved) = load_audit(args.dir.as_deref(), &args.sources)?;
    let snapshot = loaded.snapshot.clone();
    let report = loaded.audit("audit", &resolved, Focus::Everything);
    let Some(snapshot) = snapshot else {
        return Err(InputError::Usage("import needs live data: --snapshot FILE or a live run".into()).into());
    };
    Ok(crate::import::plan(&report, &snapshot, &resolved.policy.owner_tag))
}
