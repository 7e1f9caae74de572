//! Commands as library functions: each takes a plain request (what the user asked, already
//! parsed: `cli` owns the command line), resolves it against `tally.hcl`, loads the inputs
//! with the readers, asks the audit for what the command needs, and returns the finished
//! [`Report`]. Nothing here prints.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use thiserror::Error;

use crate::audit::Focus;
use crate::aws::AwsError;
use crate::config::{ConfigErrors, CONFIG_FILE};
use crate::costs::CostBasis;
use crate::error::InputError;
use crate::policy::Severity;
use crate::report::Report;
use crate::snapshot::Snapshot;
use crate::terraform;

mod coverage;
mod export;
mod fix;
mod focus;
mod history;
mod lint;
mod load;
mod prices;
mod review;

pub use export::{export, export_csv, CsvExport, ExportRequest, StreamError, StreamedExport};
pub use fix::{fix, import, FixOutcome, FixRequest, ImportRequest};
pub use focus::{focus_export, FocusExport, FocusSummary};
pub use history::{week_of, DEFAULT_WEEKS};
pub use lint::lint;
pub use review::{report, ReviewPeriod, ReviewRequest};

use load::{check_dir, collect_live, collect_options, load_config, resolve, Loaded};

/// Tag policy settings a command adds to (or overrides in) `tally.hcl`.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Tag keys every taggable resource must carry (added to tally.hcl's).
    pub required_tags: Vec<String>,
    /// The tag key that names an owner [default: tally.hcl's owner_tag, else "owner"].
    pub owner_tag: Option<String>,
    /// Severity for required tags that cannot be known before apply: `Some(None)` is
    /// `ignore`; `None` is the command's default.
    pub unknown_tags: Option<Option<Severity>>,
    /// Variable files for the root module, after terraform.tfvars and *.auto.tfvars.
    pub var_files: Vec<PathBuf>,
    /// Policy files (HCL, or Organizations tag-policy JSON), added to tally.hcl's.
    pub policy_files: Vec<PathBuf>,
    /// Rule severity overrides; they win over tally.hcl.
    pub severity: Vec<(String, Severity)>,
    /// The exemptions file [default: tally.hcl's].
    pub exemptions: Option<PathBuf>,
    /// The date exemptions expire against when there is no snapshot.
    pub today: Option<NaiveDate>,
}

/// Where live data comes from: accounts, regions, credentials, Cost Explorer settings.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Regions, or `all`; empty is the configured region.
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
    pub role: Option<String>,
    pub org: bool,
    pub no_cache: bool,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub metric: Option<String>,
    /// Read AWS Config through this aggregator instead of every account and region.
    pub config_aggregator: Option<String>,
    /// Invisible never-tagged resources make the run partial.
    pub require_visibility: bool,
    /// Ceiling of account-region units at once; `None`: tally.hcl's, else the default.
    pub concurrency: Option<usize>,
    /// Skip the Cloud Control API.
    pub no_cloud_control: bool,
    /// Progress bars on stderr while collecting.
    pub progress: bool,
}

impl AwsOptions {
    /// True when the user named something only live AWS can answer: accounts, regions, an
    /// organization, a role, a profile or a region.
    pub fn asks_for_live(&self) -> bool {
        !self.regions.is_empty()
            || !self.accounts.is_empty()
            || self.org
            || self.role.is_some()
            || self.profile.is_some()
            || self.region.is_some()
    }
}

/// Where a run's data comes from. Set values override `tally.hcl`; `state` adds to it.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub code: Option<PathBuf>,
    pub state: Vec<String>,
    pub plan: Option<PathBuf>,
    pub snapshot: Option<PathBuf>,
    /// Without a snapshot, read no live AWS data at all.
    pub offline: bool,
    pub costs: Option<String>,
    pub cost_basis: CostBasis,
    pub policy: PolicyOptions,
    pub aws: AwsOptions,
}

/// `tally collect`.
#[derive(Debug, Clone, Default)]
pub struct CollectRequest {
    /// Project directory; its tally.hcl gives owner_tag, required_tags and budgets.
    pub dir: Option<PathBuf>,
    pub aws: AwsOptions,
    /// The day the data describes [default: today, UTC].
    pub as_of: Option<NaiveDate>,
    pub owner_tag: Option<String>,
    pub required_tags: Vec<String>,
    /// Record AWS list prices of every collected region in the snapshot.
    pub list_prices: ListPriceOptions,
}

/// Whether and where to ask the AWS Price List (`--list-prices`, `--price-list-region`).
#[derive(Debug, Clone, Default)]
pub struct ListPriceOptions {
    /// Ask the AWS Price List for what the bill has no rate for (the network is used).
    pub enabled: bool,
    /// Endpoint region [default: tally.hcl's `price_list_region`, else us-east-1].
    pub endpoint_region: Option<String>,
    /// Neither read nor write cached Price List answers.
    pub no_cache: bool,
    pub profile: Option<String>,
}

impl ListPriceOptions {
    /// The Price List options of a run with tally.hcl's settings (a flag wins), or `None`
    /// when the network must not be used for prices.
    fn resolve(
        &self,
        config_enabled: bool,
        config_region: Option<&str>,
    ) -> Result<Option<crate::aws::price_list::PriceListOptions>, AppError> {
        if !(self.enabled || config_enabled) {
            return Ok(None);
        }
        let endpoint_region =
            self.endpoint_region.as_deref().or(config_region).unwrap_or("us-east-1").to_string();
        crate::aws::price_list::check_endpoint_region(&endpoint_region)?;
        Ok(Some(crate::aws::price_list::PriceListOptions {
            endpoint_region,
            profile: self.profile.clone(),
            cache_dir: if self.no_cache { None } else { crate::aws::default_cache_dir() },
        }))
    }
}

/// `tally plan`.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    pub plan: PathBuf,
    /// The code the plan was made from: findings point at its file:line.
    pub code: Option<PathBuf>,
    /// Directory of the tally.hcl [default: the code directory, else the current one].
    pub config_dir: Option<PathBuf>,
    /// Recorded spend and budgets, for budget headroom.
    pub snapshot: Option<PathBuf>,
    /// CUR / FOCUS cost data: prices the plan's changes at the bill's effective rates.
    pub costs: Option<String>,
    pub policy: PolicyOptions,
    /// List prices from the AWS Price List where the bill has no rate.
    pub list_prices: ListPriceOptions,
}

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error("{0}")]
    Output(String),
}

/// A finished command: its report and the `fail_on` threshold its config asked for.
#[derive(Debug)]
pub struct Outcome {
    pub report: Report,
    pub fail_on: Option<Severity>,
}

/// `tally audit`: everything cross-referenced.
pub fn audit(dir: Option<&Path>, sources: &Sources) -> Result<Outcome, AppError> {
    let (loaded, resolved) = load_audit(dir, sources)?;
    let report = loaded.audit("audit", &resolved, Focus::Everything);
    Ok(Outcome { report, fail_on: resolved.fail_on })
}

/// Everything `audit` reads (and `report` too), loaded and resolved but not yet audited.
fn load_audit(dir: Option<&Path>, sources: &Sources) -> Result<(Loaded, load::Resolved), AppError> {
    if let Some(dir) = dir {
        check_dir(dir)?;
    }
    let dir_given = dir.is_some();
    let dir = dir.unwrap_or(Path::new("."));
    let config = load_config(dir)?;
    // Without a tally.hcl, a directory given on the command line is the Terraform code.
    let default_code =
        (dir_given && std::fs::symlink_metadata(dir.join(CONFIG_FILE)).is_err()).then(|| dir.to_path_buf());
    let mut resolved = resolve(config, sources, None)?;
    resolved.code = resolved.code.or(default_code);
    resolved.policy.report_unmatched_exemptions = true;

    let mut loaded = Loaded::default();
    loaded.inputs.config = load::config_file(dir);
    // Cost files alone answer a cost question: AWS is read only when asked for (a snapshot
    // aside, an AWS flag or no cost file), so `--costs F` works offline and never probes for
    // credentials.
    let live = !sources.offline && (resolved.costs.is_none() || sources.aws.asks_for_live());
    let mut backends = Vec::new();
    if let Some(code) = &resolved.code {
        backends = loaded.code(code, &resolved.var_files)?;
    }
    // No state named anywhere: the code's own `backend "s3"` says where it is (online only).
    if resolved.state.is_empty() && live && resolved.snapshot.is_none() {
        resolved.state = backends.iter().map(|b| format!("s3://{}/{}", b.bucket, b.key)).collect();
    }
    // The snapshot (the largest input: a million live resources are ~300 MB of JSON) is read
    // on a thread of its own while the states and the plan are read here: two cores, two
    // readers. Errors keep their order: a state's or the plan's first, then the snapshot's.
    let read = std::thread::scope(|scope| {
        let snapshot = resolved.snapshot.as_deref().map(|path| scope.spawn(move || Snapshot::load(path)));
        let others = loaded.states(&resolved.state, &sources.aws).and_then(|()| match &resolved.plan {
            Some(plan) => loaded.plan(plan, resolved.costs.is_some()),
            None => Ok(()),
        });
        let snapshot = snapshot.map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        others.map(|()| snapshot)
    })?;
    match (&resolved.snapshot, read) {
        (Some(snapshot), Some(read)) => loaded.snapshot_read(snapshot, read)?,
        (Some(snapshot), None) => loaded.snapshot(snapshot)?,
        (None, _) if live => {
            let aggregator = resolved.config_aggregator.as_deref();
            let mut options = collect_options(
                &sources.aws,
                None,
                &resolved.policy,
                &resolved.budgets,
                aggregator,
                resolved.concurrency,
            );
            // Cost files replace Cost Explorer's lines: do not pay for lines thrown away.
            options.cost_explorer = resolved.costs.is_none();
            loaded.live(&options)?
        }
        (None, _) => {}
    }
    if let Some(costs) = &resolved.costs {
        // A plan with cost files is priced at the bill's rates (BUD004 needs the deltas).
        loaded.want_usage = resolved.plan.is_some();
        loaded.costs(costs, resolved.cost_basis, resolved.exact_tag_keys, &resolved.policy, &sources.aws)?;
        if let Some(plan) = &resolved.plan {
            let asked = ListPriceOptions {
                profile: sources.aws.profile.clone(),
                no_cache: sources.aws.no_cache,
                ..ListPriceOptions::default()
            };
            loaded.price_list = asked.resolve(resolved.list_prices, resolved.price_list_region.as_deref())?;
            loaded.price_plan(plan, &resolved.policy.owner_tag)?;
        }
    }
    Ok((loaded, resolved))
}

/// `tally collect`: live inventory, costs, budgets and tag activation, as a snapshot.
pub fn collect(request: &CollectRequest) -> Result<Snapshot, AppError> {
    let dir = request.dir.as_deref().unwrap_or(Path::new("."));
    check_dir(dir)?;
    let config = load_config(dir)?;
    let policy = PolicyOptions {
        required_tags: request.required_tags.clone(),
        owner_tag: request.owner_tag.clone(),
        ..PolicyOptions::default()
    };
    let sources = Sources { policy, aws: request.aws.clone(), ..Sources::default() };
    let resolved = resolve(config, &sources, None)?;
    let mut list = request.list_prices.clone();
    list.no_cache |= request.aws.no_cache;
    list.profile = list.profile.or_else(|| request.aws.profile.clone());
    // Checked before collecting: a bad endpoint must not cost a whole collection.
    let price_list = list.resolve(false, resolved.price_list_region.as_deref())?;
    let aggregator = resolved.config_aggregator.as_deref();
    let mut snapshot = collect_live(&collect_options(
        &request.aws,
        request.as_of,
        &resolved.policy,
        &resolved.budgets,
        aggregator,
        resolved.concurrency,
    ))?;
    if let Some(options) = &price_list {
        prices::record_list_prices(&mut snapshot, options)?;
    }
    Ok(snapshot)
}

/// `tally budgets [DIR]`: budget status alone (limit, actual, forecast, pace, run-out day),
/// with only the budget findings (BUD001-BUD003).
pub fn budgets(dir: Option<&Path>, snapshot: Option<&Path>) -> Result<Outcome, AppError> {
    let dir = dir.unwrap_or(Path::new("."));
    check_dir(dir)?;
    let config = load_config(dir)?;
    let sources = Sources { snapshot: snapshot.map(Path::to_path_buf), ..Sources::default() };
    let resolved = resolve(config, &sources, None)?;
    let mut loaded = Loaded::default();
    loaded.inputs.config = load::config_file(dir);
    match &resolved.snapshot {
        Some(path) => loaded.snapshot(path)?,
        None => {
            return Err(InputError::Usage(
                "budgets need spend data: give --snapshot FILE or set snapshot in tally.hcl".into(),
            )
            .into())
        }
    }
    let report = loaded.audit("budgets", &resolved, Focus::Budgets);
    Ok(Outcome { report, fail_on: resolved.fail_on })
}

/// `tally plan PLAN.json [--code DIR]`: tag policies on what a plan creates or updates. With
/// `--code`, findings point at the resource's file:line in the HCL.
///
/// With `--snapshot`, the report also carries budget headroom for every owner the plan touches
/// (budgets scoped to one of their owner tag values, and budgets with no tag scope). Budgets
/// are information here: the gate fails on the plan's own findings, never on spend.
pub fn plan(request: &PlanRequest) -> Result<Outcome, AppError> {
    // tally.hcl from --config-dir, else the code directory, else the current directory.
    let config_dir = request.config_dir.as_deref().or(request.code.as_deref()).unwrap_or(Path::new("."));
    check_dir(config_dir)?;
    let config = load_config(config_dir)?;
    // The plan gate reads the snapshot only when asked on the command line: a tally.hcl written
    // for audits must not slow down or change every pull request.
    let sources = Sources { policy: request.policy.clone(), ..Sources::default() };
    let mut resolved = resolve(config, &sources, Some(Severity::Warning))?;
    resolved.snapshot = request.snapshot.clone();

    let mut loaded = Loaded::default();
    loaded.inputs.config = load::config_file(config_dir);
    loaded.price_list =
        request.list_prices.resolve(resolved.list_prices, resolved.price_list_region.as_deref())?;
    // The plan reader keeps what pricing needs only when something may price the plan: a bill,
    // the Price List, or a snapshot (it may hold recorded list prices).
    let priced = request.costs.is_some() || loaded.price_list.is_some() || resolved.snapshot.is_some();
    loaded.plan(&request.plan, priced)?;
    if let Some(code) = &request.code {
        check_dir(code)?;
        loaded.code(code, &resolved.var_files)?;
        if let (Some(plan), Some(code)) = (loaded.plan.as_mut(), loaded.code.take()) {
            terraform::link_to_code(plan, &code);
        }
    }
    if let Some(path) = &resolved.snapshot {
        loaded.snapshot(path)?;
    }
    if let Some(source) = &request.costs {
        // Effective rates: commitments and discounts are in the price of an hour.
        loaded.want_usage = true;
        let aws = AwsOptions::default();
        loaded.costs(source, CostBasis::Effective, resolved.exact_tag_keys, &resolved.policy, &aws)?;
        loaded.price_plan(&request.plan, &resolved.policy.owner_tag)?;
    } else if loaded.price_list.is_some()
        || loaded.snapshot.as_ref().is_some_and(|s| !s.list_prices.is_empty())
    {
        // No bill: list prices alone (recorded, or asked when allowed).
        loaded.price_plan(&request.plan, &resolved.policy.owner_tag)?;
    }
    let changes = plan_changes(loaded.plan.as_deref().unwrap_or_default(), &resolved.policy.owner_tag);
    let mut report = loaded.audit("plan", &resolved, Focus::Plan);
    report.plan_changes = changes;
    if let Some(code) = &request.code {
        crate::fix::annotate(&mut report, &resolved.policy, code);
    }
    Ok(Outcome { report, fail_on: resolved.fail_on })
}

/// What a plan does per owner tag value, for the pull-request comment: reviewers see whose
/// resources change. Reads and no-ops are not changes.
fn plan_changes(plan: &[crate::model::TfResource], owner_tag: &str) -> Vec<crate::report::PlanChanges> {
    use crate::model::{PlanAction, TagPresence, TagValue};
    let mut by_owner: std::collections::BTreeMap<Option<String>, crate::report::PlanChanges> =
        std::collections::BTreeMap::new();
    for r in plan {
        let Some(action) = r.action else { continue };
        if matches!(action, PlanAction::NoOp | PlanAction::Read) {
            continue;
        }
        let owner = match r.tags.presence(owner_tag) {
            TagPresence::Present(TagValue::Known(v)) => Some(v.clone()),
            TagPresence::Present(TagValue::Unknown) | TagPresence::Unknown => {
                Some("(known after apply)".to_string())
            }
            TagPresence::Missing => None,
        };
        let entry = by_owner
            .entry(owner.clone())
            .or_insert_with(|| crate::report::PlanChanges { owner, ..Default::default() });
        match action {
            PlanAction::Create => entry.create += 1,
            PlanAction::Update => entry.update += 1,
            PlanAction::Replace => entry.replace += 1,
            PlanAction::Delete => entry.delete += 1,
            PlanAction::NoOp | PlanAction::Read => {}
        }
    }
    by_owner.into_values().collect()
}
