//! Commands as library functions: resolve inputs (tally.hcl + flags), load them with the
//! readers, run the audit, and return the finished [`Report`]. Nothing here prints.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;
use thiserror::Error;

use crate::audit::{self, AuditInput, AuditOutput, Policy};
use crate::aws::{self, AwsError, CollectOptions};
use crate::config::{Config, ConfigErrors, CONFIG_FILE};
use crate::costs::{self, CostBasis};
use crate::error::InputError;
use crate::export::write::ExportFormat;
use crate::export::{Allocation, Export, ExportOptions};
use crate::model::{Diagnostic, TfResource};
use crate::report::{self, Report, Severity, Summary, Tool, REPORT_VERSION};
use crate::snapshot::Snapshot;
use crate::terraform::{self, hcl, plan, state};

mod coverage;
mod review;
pub use review::{report, ReviewArgs, ReviewFormat};

/// Tag policy flags, shared by every command that checks tags. They add to `tally.hcl`.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// A tag key every taggable resource must carry (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "KEY")]
    pub required_tag: Vec<String>,

    /// The tag key that names a resource's owner [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// Severity for required tags that cannot be known before apply (error, warning, info, or
    /// ignore). `plan` and `lint` default to warning; `audit` ignores them because state and
    /// live data answer the question.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_unknown)]
    pub unknown_tags: Option<UnknownTags>,

    /// Extra variable files for the root module, after terraform.tfvars and *.auto.tfvars.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,

    /// A policy file: HCL tag policies, or an AWS Organizations tag policy (JSON) (repeatable;
    /// adds to tally.hcl's `policy`).
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,

    /// Override a rule's severity, e.g. TAG003=error (repeatable; wins over tally.hcl).
    #[arg(long, value_name = "RULE=SEVERITY", value_parser = parse_severity_override)]
    pub severity: Vec<(String, Severity)>,

    /// Written exemptions file [default: tally.hcl's `exemptions`].
    #[arg(long, value_name = "FILE")]
    pub exemptions: Option<PathBuf>,

    /// The date exemptions expire against when there is no snapshot [default: today].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<chrono::NaiveDate>,
}

fn parse_severity_override(s: &str) -> Result<(String, Severity), String> {
    let (id, level) =
        s.split_once('=').ok_or_else(|| format!("\"{s}\" is not RULE=SEVERITY, like TAG003=error"))?;
    if !crate::rules::catalog().contains_key(id) {
        return Err(format!("unknown rule \"{id}\" (see `tally rules list`)"));
    }
    let severity =
        Severity::parse(level).ok_or_else(|| format!("\"{level}\" is not one of error, warning, info"))?;
    Ok((id.to_string(), severity))
}

/// `--unknown-tags`: a severity, or `ignore` (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownTags(pub Option<Severity>);

fn parse_unknown(s: &str) -> Result<UnknownTags, String> {
    match s {
        "ignore" => Ok(UnknownTags(None)),
        other => Severity::parse(other)
            .map(|s| UnknownTags(Some(s)))
            .ok_or_else(|| format!("\"{other}\" is not one of error, warning, info, ignore")),
    }
}

/// Where the data comes from. Flags override `tally.hcl`; `--state` adds to it.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// Terraform code directory (root module).
    #[arg(long, value_name = "DIR")]
    pub code: Option<PathBuf>,

    /// Terraform state: a file, a directory or a glob (repeatable).
    #[arg(long, value_name = "FILE|GLOB")]
    pub state: Vec<String>,

    /// `terraform show -json` plan output.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Live inventory, costs and budgets recorded by `tally collect` (offline run).
    #[arg(long, value_name = "FILE")]
    pub snapshot: Option<PathBuf>,

    /// Without --snapshot, read no live AWS data at all (Terraform inputs only).
    #[arg(long, conflicts_with = "snapshot")]
    pub offline: bool,

    /// CUR or FOCUS cost data: a file or directory (CSV, gzip CSV, Parquet), an S3 export
    /// (s3://bucket/prefix, read through its manifests) or an Athena table
    /// (athena://WORKGROUP/DATABASE.TABLE?format=cur2|cur|focus). Its lines replace the
    /// snapshot's, and a live run does not ask Cost Explorer; with neither a snapshot nor a live
    /// run, "today" is the last charge period end.
    #[arg(long, value_name = "FILE|DIR|s3://..|athena://..")]
    pub costs: Option<String>,

    /// Amount of cost files to use: effective (amortized, for showback) or billed (invoice).
    #[arg(long, value_enum, value_name = "BASIS", default_value_t = CostBasis::Effective, hide_possible_values = true)]
    pub cost_basis: CostBasis,

    #[command(flatten)]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Live AWS (without --snapshot)")]
    pub aws: AwsArgs,
}

/// Where live data comes from: accounts, regions, credentials, Cost Explorer settings.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// Regions to read, comma-separated, or `all` (every default-enabled commercial region)
    /// [default: the configured region].
    #[arg(long, value_name = "REGION,..|all", value_delimiter = ',')]
    pub regions: Vec<String>,

    /// Accounts to read, comma-separated, assuming --role in each.
    #[arg(long, value_name = "ID,..", value_delimiter = ',', conflicts_with = "org")]
    pub accounts: Vec<String>,

    /// Role to assume in each account of --accounts or --org.
    #[arg(long, value_name = "NAME")]
    pub role: Option<String>,

    /// Every active account of the organization (Organizations ListAccounts), assuming --role.
    #[arg(long)]
    pub org: bool,

    /// Send every Cost Explorer request (USD 0.01 each) even when a cached answer is fresh.
    #[arg(long)]
    pub no_cache: bool,

    /// AWS profile [default: AWS_PROFILE, else the default credential chain].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region of the configuration [default: AWS_REGION, else the profile's].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Cost Explorer metric the amounts are in [default: UnblendedCost].
    #[arg(long, value_name = "METRIC", value_parser = clap::builder::PossibleValuesParser::new(aws::METRICS))]
    pub metric: Option<String>,

    /// Progress bars on stderr while collecting; the binary sets it (a TTY, not `--quiet`).
    #[arg(skip)]
    pub progress: bool,
}

/// `tally collect` settings besides the AWS ones.
#[derive(Debug, Clone, Default, Args)]
pub struct CollectArgs {
    #[command(flatten, next_help_heading = "Live AWS")]
    pub aws: AwsArgs,

    /// The day the data describes, YYYY-MM-DD [default: today, UTC].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<NaiveDate>,

    /// The tag key spend is grouped by [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// A tag key whose cost-allocation activation is checked (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "KEY")]
    pub required_tag: Vec<String>,
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

/// The inputs of a run after merging `tally.hcl` and flags.
#[derive(Debug)]
struct Resolved {
    code: Option<PathBuf>,
    state: Vec<String>,
    plan: Option<PathBuf>,
    snapshot: Option<PathBuf>,
    costs: Option<String>,
    cost_basis: CostBasis,
    /// tally.hcl's `tag_key_match = "exact"`.
    exact_tag_keys: bool,
    var_files: Vec<PathBuf>,
    policy: Policy,
    budgets: Vec<crate::model::Budget>,
    fail_on: Option<Severity>,
}

/// Read `dir/tally.hcl` when it exists.
fn load_config(dir: &Path) -> Result<Config, AppError> {
    let path = dir.join(CONFIG_FILE);
    if path.is_file() {
        tracing::debug!(path = %path.display(), "reading config");
        Ok(Config::load(&path)?)
    } else {
        Ok(Config::default())
    }
}

fn check_dir(dir: &Path) -> Result<(), AppError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(InputError::Usage(format!("{}: not a directory", dir.display())).into())
    }
}

/// Merge config and flags. `default_unknown` is the command's default for unknown tags.
/// Policy files and the exemptions file are read here: a mistake in them is an input error.
fn resolve(
    config: Config,
    args: &SourceArgs,
    default_unknown: Option<Severity>,
) -> Result<Resolved, AppError> {
    // Policy files first, then tally.hcl's own settings, then flags: the nearer, the stronger.
    let mut rules = crate::rules::policy::PolicySet::default();
    for path in config.policy.iter().chain(&args.policy.policy) {
        rules.merge(crate::rules::policy::load(path)?);
    }
    rules.merge(config.rules);
    rules.severity.extend(args.policy.severity.iter().cloned());
    let exemptions = match args.policy.exemptions.as_ref().or(config.exemptions.as_ref()) {
        Some(path) => crate::rules::exemptions::load(path)?,
        None => Vec::new(),
    };
    let mut state = config.state;
    state.extend(args.state.iter().cloned());
    let mut required = config.required_tags;
    for key in rules.required_tags.drain(..).chain(args.policy.required_tag.iter().cloned()) {
        if !required.contains(&key) {
            required.push(key);
        }
    }
    let owner_tag = args.policy.owner_tag.clone().or(config.owner_tag).unwrap_or_else(|| "owner".to_string());
    let unknown = args.policy.unknown_tags.map(|u| u.0).unwrap_or(default_unknown);
    Ok(Resolved {
        code: args.code.clone().or(config.code),
        state,
        plan: args.plan.clone().or(config.plan),
        snapshot: args.snapshot.clone().or(config.snapshot),
        costs: args.costs.clone(),
        cost_basis: args.cost_basis,
        exact_tag_keys: config.exact_tag_keys,
        var_files: args.policy.var_file.clone(),
        policy: Policy {
            required_tags: required,
            owner_tag,
            unknown_tags: unknown,
            rules,
            budgets: config.budget_settings,
            exemptions,
            today: args.policy.today,
            report_unmatched_exemptions: false,
            movers: config.movers.unwrap_or_default(),
        },
        budgets: config.budgets,
        fail_on: config.fail_on.unwrap_or(Some(Severity::Error)),
    })
}

/// Everything loaded for one run.
#[derive(Default)]
struct Loaded {
    code: Option<Vec<TfResource>>,
    states: Vec<TfResource>,
    plan: Option<Vec<TfResource>>,
    snapshot: Option<Snapshot>,
    diagnostics: Vec<Diagnostic>,
    inputs: report::Inputs,
    /// The audit window `[start, end)`; `None` is the month to date (see `AuditInput::window`).
    window: Option<crate::model::Period>,
    /// First and last day of usage in the cost files, when read from files.
    cost_coverage: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Charge start, billing month, amount and currency of each cost record read from files.
    billing_of_lines: Vec<coverage::BillingOfLine>,
}

impl Loaded {
    /// Load the code; returns its `backend "s3"` blocks.
    fn code(&mut self, dir: &Path, var_files: &[PathBuf]) -> Result<Vec<hcl::S3Backend>, AppError> {
        let model = hcl::load_code(dir, &hcl::CodeOptions { var_files: var_files.to_vec() })?;
        tracing::info!(resources = model.resources.len(), dir = %dir.display(), "loaded code");
        self.diagnostics.extend(model.diagnostics);
        self.inputs.code = Some(display(dir));
        self.code = Some(model.resources);
        Ok(model.s3_backends)
    }

    fn states(&mut self, patterns: &[String], aws_args: &AwsArgs) -> Result<(), AppError> {
        let (remote, local): (Vec<String>, Vec<String>) =
            patterns.iter().cloned().partition(|p| p.starts_with("s3://"));
        for path in state::expand_state_inputs(&local)? {
            let file = state::load_state(&path)?;
            tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded state");
            self.inputs.states.push(display(&path));
            self.states.extend(file.resources);
        }
        if !remote.is_empty() {
            for (url, bytes) in fetch_s3_states(&remote, aws_args)? {
                let file = state::parse_state(Path::new(&url), &bytes)?;
                tracing::info!(resources = file.resources.len(), url = %url, "loaded state");
                self.inputs.states.push(url);
                self.states.extend(file.resources);
            }
        }
        Ok(())
    }

    /// Live data collected now, in memory, instead of a snapshot file.
    fn live(&mut self, options: &CollectOptions) -> Result<(), AppError> {
        let snap = collect_live(options)?;
        for attempt in snap.failed_attempts() {
            self.diagnostics.push(Diagnostic {
                source: attempt.source.clone(),
                location: None,
                account: Some(attempt.account.clone()),
                region: Some(attempt.region.clone()),
                message: attempt.error.clone().unwrap_or_else(|| "collection failed".to_string()),
            });
        }
        self.snapshot = Some(snap);
        Ok(())
    }

    fn plan(&mut self, path: &Path) -> Result<(), AppError> {
        let file = plan::load_plan(path)?;
        tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded plan");
        self.inputs.plan = Some(display(path));
        self.plan = Some(file.resources);
        Ok(())
    }

    fn snapshot(&mut self, path: &Path) -> Result<(), AppError> {
        let snap = Snapshot::load(path)?;
        coverage::check_range(&display(path), &snap.costs.lines)?;
        for attempt in snap.failed_attempts() {
            self.diagnostics.push(Diagnostic {
                source: attempt.source.clone(),
                location: Some(crate::model::SourceLocation::file(display(path))),
                account: Some(attempt.account.clone()),
                region: Some(attempt.region.clone()),
                message: attempt.error.clone().unwrap_or_else(|| "collection failed".to_string()),
            });
        }
        self.inputs.snapshot = Some(display(path));
        self.snapshot = Some(snap);
        Ok(())
    }

    /// Cost lines from CUR/FOCUS files replace the snapshot's. Without a snapshot, one is made
    /// for them with `as_of` = the day of the last charge period end in the data.
    fn costs(
        &mut self,
        source: &str,
        basis: CostBasis,
        exact_tag_keys: bool,
        policy: &Policy,
        aws_args: &AwsArgs,
    ) -> Result<(), AppError> {
        let mut tag_keys = policy.required_tags.clone();
        tag_keys.push(policy.owner_tag.clone());
        let opts = costs::ReadOptions { tag_keys, exact_tag_keys, ..costs::ReadOptions::default() };
        let data = load_costs(source, &opts, aws_args, None)?;
        let lines = data.lines(basis);
        coverage::check_range(source, &lines)?;
        let snapshot = match self.snapshot.take() {
            Some(s) => s,
            None => {
                let as_of = data.as_of().ok_or_else(|| {
                    InputError::Usage(format!("{source}: no cost lines, so no date to audit as of"))
                })?;
                self.diagnostics.extend(crate::app::coverage::as_of_diagnostics(source, &data, as_of));
                Snapshot::empty(as_of)
            }
        };
        self.cost_coverage = data.usage_days();
        self.billing_of_lines = data
            .records
            .iter()
            .map(|r| (r.period.start, r.billing_month(), r.amount(basis), r.currency.clone()))
            .collect();
        self.snapshot = Some(crate::snapshot::Snapshot {
            costs: crate::snapshot::Costs { metric: basis.metric().to_string(), lines },
            ..snapshot
        });
        self.inputs.costs = Some(report::CostsInput {
            path: display(Path::new(source)),
            files: data.files.len(),
            rows: data.rows,
            basis: match basis {
                CostBasis::Billed => "billed",
                CostBasis::Effective => "effective",
            }
            .to_string(),
            period_basis: "charge_period".to_string(),
        });
        Ok(())
    }

    /// Run the audit over what was loaded and wrap it into the canonical report.
    fn finish(mut self, command: &str, resolved: &Resolved) -> Outcome {
        self.inputs.terraform_resources = self.code.as_ref().map_or(0, Vec::len)
            + self.plan.as_ref().map_or(0, Vec::len)
            + self.states.len();
        self.inputs.live_resources = self.snapshot.as_ref().map_or(0, |s| s.resources.len());
        self.inputs.cost_lines = self.snapshot.as_ref().map_or(0, |s| s.costs.lines.len());
        let input = AuditInput {
            code: self.code.as_deref(),
            plan: self.plan.as_deref(),
            state: &self.states,
            snapshot: self.snapshot.as_ref(),
            policy: &resolved.policy,
            budgets: &resolved.budgets,
            window: self.window,
        };
        let mut output = audit::run(&input);
        let as_of = self.snapshot.as_ref().map(|s| s.as_of);
        if let Some(as_of) = as_of.filter(|_| !self.billing_of_lines.is_empty()) {
            let window = self.window.unwrap_or_else(|| {
                let w = crate::audit::Window::month_to_date(as_of);
                crate::model::Period { start: w.start, end: w.end }
            });
            if let Some(asked) = self.window {
                self.diagnostics.extend(coverage::window_diagnostics(asked, self.cost_coverage));
            }
            if let Some(spend) = output.spend.as_mut() {
                spend.invoiced_in_other_periods =
                    coverage::invoiced_elsewhere(window, &self.billing_of_lines, &spend.currency)
                        .map(|d| crate::model::Money::new(d, spend.currency.clone()));
            }
        }
        let report = build_report(command, as_of, self.inputs, output, self.diagnostics);
        Outcome { report, fail_on: resolved.fail_on }
    }
}

/// `tally audit`: everything cross-referenced.
pub fn audit(dir: Option<&Path>, args: &SourceArgs) -> Result<Outcome, AppError> {
    let (loaded, resolved) = load_audit(dir, args)?;
    Ok(loaded.finish("audit", &resolved))
}

/// Everything `audit` reads (and `report` too), loaded and resolved but not yet audited.
fn load_audit(dir: Option<&Path>, args: &SourceArgs) -> Result<(Loaded, Resolved), AppError> {
    if let Some(dir) = dir {
        check_dir(dir)?;
    }
    let dir_given = dir.is_some();
    let dir = dir.unwrap_or(Path::new("."));
    let config = load_config(dir)?;
    // Without a tally.hcl, a directory given on the command line is the Terraform code.
    let default_code = (dir_given && !dir.join(CONFIG_FILE).is_file()).then(|| dir.to_path_buf());
    let mut resolved = resolve(config, args, None)?;
    resolved.code = resolved.code.or(default_code);
    resolved.policy.report_unmatched_exemptions = true;

    let mut loaded = Loaded::default();
    let mut backends = Vec::new();
    if let Some(code) = &resolved.code {
        backends = loaded.code(code, &resolved.var_files)?;
    }
    // No state named anywhere: the code's own `backend "s3"` says where it is (online only).
    if resolved.state.is_empty() && !args.offline && resolved.snapshot.is_none() {
        resolved.state = backends.iter().map(|b| format!("s3://{}/{}", b.bucket, b.key)).collect();
    }
    loaded.states(&resolved.state, &args.aws)?;
    if let Some(plan) = &resolved.plan {
        loaded.plan(plan)?;
    }
    match &resolved.snapshot {
        Some(snapshot) => loaded.snapshot(snapshot)?,
        None if !args.offline => {
            let mut options = collect_options(&args.aws, None, &resolved.policy, &resolved.budgets);
            // Cost files replace Cost Explorer's lines: do not pay for lines thrown away.
            options.cost_explorer = resolved.costs.is_none();
            loaded.live(&options)?
        }
        None => {}
    }
    if let Some(costs) = &resolved.costs {
        loaded.costs(costs, resolved.cost_basis, resolved.exact_tag_keys, &resolved.policy, &args.aws)?;
    }
    Ok((loaded, resolved))
}

/// `tally collect`: live inventory, costs, budgets and tag activation, as a snapshot.
pub fn collect(dir: Option<&Path>, args: &CollectArgs) -> Result<Snapshot, AppError> {
    let dir = dir.unwrap_or(Path::new("."));
    check_dir(dir)?;
    let config = load_config(dir)?;
    let policy = PolicyArgs {
        required_tag: args.required_tag.clone(),
        owner_tag: args.owner_tag.clone(),
        ..PolicyArgs::default()
    };
    let sources = SourceArgs { policy, ..SourceArgs::default() };
    let resolved = resolve(config, &sources, None)?;
    collect_live(&collect_options(&args.aws, args.as_of, &resolved.policy, &resolved.budgets))
}

fn collect_options(
    args: &AwsArgs,
    as_of: Option<NaiveDate>,
    policy: &Policy,
    budgets: &[crate::model::Budget],
) -> CollectOptions {
    // Budgets linked to an AWS Budget (`aws_budget = "name"`) take AWS Budgets' own forecast.
    let budgets = budgets
        .iter()
        .filter(|b| policy.budgets.get(&b.name).and_then(|s| s.aws_budget.as_ref()).is_none())
        .cloned()
        .collect();
    CollectOptions {
        regions: args.regions.clone(),
        accounts: args.accounts.clone(),
        role: args.role.clone(),
        org: args.org,
        profile: args.profile.clone(),
        region: args.region.clone(),
        metric: args.metric.clone().unwrap_or_else(|| "UnblendedCost".to_string()),
        owner_tag: policy.owner_tag.clone(),
        required_tags: policy.required_tags.clone(),
        as_of,
        cache_dir: if args.no_cache { None } else { aws::default_cache_dir() },
        cache_ttl: aws::DEFAULT_TTL,
        concurrency: aws::DEFAULT_CONCURRENCY,
        budgets,
        progress: args.progress,
        cost_explorer: true,
    }
}

/// The SDK is async; the rest of tally is not. A runtime lives for one collection.
fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AppError::Output(format!("cannot start the async runtime: {e}")))
}

fn collect_live(options: &CollectOptions) -> Result<Snapshot, AppError> {
    Ok(runtime()?.block_on(aws::collect(options))?)
}

/// Every `s3://bucket/key` state object, in the order given.
fn fetch_s3_states(urls: &[String], args: &AwsArgs) -> Result<Vec<(String, Vec<u8>)>, AppError> {
    runtime()?.block_on(async {
        let clients = aws::Clients::load(args.profile.as_deref(), args.region.as_deref()).await;
        let mut out = Vec::with_capacity(urls.len());
        for url in urls {
            let (bucket, key) = aws::s3::parse_url(url)
                .ok_or_else(|| InputError::Usage(format!("{url}: expected s3://bucket/key")))?;
            out.push((url.clone(), aws::s3::get_object(&clients, bucket, key).await?));
        }
        Ok(out)
    })
}

/// Cost data from any `--costs` source: local files, an S3 export through its manifests
/// (fetched to a temporary directory, removed after reading), or an Athena query. `month`, when
/// the command is about one billing month, restricts an Athena query to that period's
/// partition unless the URL names one (`period=`): Athena bills by the bytes it scans.
fn load_costs(
    source: &str,
    opts: &costs::ReadOptions,
    args: &AwsArgs,
    month: Option<chrono::NaiveDate>,
) -> Result<costs::CostData, AppError> {
    let data = match costs::CostSource::parse(source)? {
        costs::CostSource::Local(path) => costs::read_costs(&path, opts)?,
        costs::CostSource::S3 { bucket, prefix } => {
            let dir = TempDir::new()?;
            let files = runtime()?.block_on(async {
                let clients = aws::Clients::load(args.profile.as_deref(), args.region.as_deref()).await;
                aws::s3::fetch_cost_export(&clients, &bucket, &prefix, &dir.0).await
            })?;
            costs::read_named(&files, opts)?
        }
        costs::CostSource::Athena(mut table) => {
            table.period = table.period.or(month);
            let query = costs::athena::query(&table, opts);
            tracing::debug!(sql = %query.sql, "athena query");
            let result = runtime()?.block_on(async {
                let clients = aws::Clients::load(args.profile.as_deref(), args.region.as_deref()).await;
                aws::athena::run_query(&clients, &table, &query.sql).await
            })?;
            costs::athena::records(&query, &result.columns, &result.rows)
                .map_err(|m| InputError::invalid(Path::new(source), None, m))?
        }
    };
    tracing::info!(files = data.files.len(), rows = data.rows, records = data.records.len(), "loaded costs");
    for (kind, n) in &data.unknown_line_item_types {
        tracing::warn!(line_item_type = %kind, lines = n, "unknown line item type, counted as a fee");
    }
    Ok(data)
}

/// A private scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self, AppError> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tally-costs-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| InputError::io(&dir, e))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `tally budgets [DIR]`: budget status alone (limit, actual, forecast, pace, run-out day),
/// with only the budget findings (BUD001-BUD003).
pub fn budgets(dir: Option<&Path>, snapshot: Option<&Path>) -> Result<Outcome, AppError> {
    let dir = dir.unwrap_or(Path::new("."));
    check_dir(dir)?;
    let config = load_config(dir)?;
    let args = SourceArgs { snapshot: snapshot.map(Path::to_path_buf), ..SourceArgs::default() };
    let resolved = resolve(config, &args, None)?;
    let mut loaded = Loaded::default();
    match &resolved.snapshot {
        Some(path) => loaded.snapshot(path)?,
        None => {
            return Err(InputError::Usage(
                "budgets need spend data: give --snapshot FILE or set snapshot in tally.hcl".into(),
            )
            .into())
        }
    }
    let mut outcome = loaded.finish("budgets", &resolved);
    outcome.report.findings.retain(|f| f.rule_id.starts_with("BUD"));
    // No Terraform was read: a coverage figure here would be a false alarm.
    outcome.report.summary.coverage = Default::default();
    outcome.report.finish();
    Ok(outcome)
}

/// `tally lint DIR`: tag policies on Terraform code alone. No state, plan or AWS.
pub fn lint(dir: &Path, policy: &PolicyArgs) -> Result<Outcome, AppError> {
    check_dir(dir)?;
    let config = load_config(dir)?;
    let args = SourceArgs { policy: policy.clone(), ..SourceArgs::default() };
    let mut resolved = resolve(config, &args, Some(Severity::Warning))?;
    let code = resolved.code.take().unwrap_or_else(|| dir.to_path_buf());
    let mut loaded = Loaded::default();
    loaded.code(&code, &resolved.var_files)?;
    resolved.budgets.clear();
    Ok(loaded.finish("lint", &resolved))
}

/// `tally plan PLAN.json [--code DIR]`: tag policies on what a plan creates or updates. With
/// `--code`, findings point at the resource's file:line in the HCL.
///
/// With `--snapshot`, the report also carries budget headroom for every owner the plan touches
/// (budgets scoped to one of their owner tag values, and budgets with no tag scope). Budgets
/// are information here: the gate fails on the plan's own findings, never on spend.
pub fn plan(
    plan_path: &Path,
    code: Option<&Path>,
    config_dir: Option<&Path>,
    snapshot: Option<&Path>,
    policy: &PolicyArgs,
) -> Result<Outcome, AppError> {
    // tally.hcl from --config-dir, else the code directory, else the current directory.
    let config_dir = config_dir.or(code).unwrap_or(Path::new("."));
    check_dir(config_dir)?;
    let config = load_config(config_dir)?;
    // The plan gate reads the snapshot only when asked on the command line: a tally.hcl written
    // for audits must not slow down or change every pull request.
    let args = SourceArgs { policy: policy.clone(), ..SourceArgs::default() };
    let mut resolved = resolve(config, &args, Some(Severity::Warning))?;
    resolved.snapshot = snapshot.map(Path::to_path_buf);

    let mut loaded = Loaded::default();
    loaded.plan(plan_path)?;
    if let Some(code) = code {
        check_dir(code)?;
        loaded.code(code, &resolved.var_files)?;
        if let (Some(plan), Some(code)) = (loaded.plan.as_mut(), loaded.code.take()) {
            terraform::link_to_code(plan, &code);
        }
    }
    if let Some(path) = &resolved.snapshot {
        loaded.snapshot(path)?;
    }
    let owner_tag = resolved.policy.owner_tag.clone();
    let touched: std::collections::BTreeSet<String> = loaded
        .plan
        .iter()
        .flatten()
        .filter(|r| {
            use crate::model::PlanAction::{Create, Replace, Update};
            matches!(r.action, Some(Create | Update | Replace))
        })
        .filter_map(|r| r.tags.tags.get(&owner_tag).and_then(|v| v.known()).map(str::to_string))
        .collect();
    let mut outcome = loaded.finish("plan", &resolved);
    let report = &mut outcome.report;
    report.findings.retain(|f| f.layer == Some(crate::model::Layer::Plan));
    report.budgets.retain(|b| match b.scope.tags.get(&owner_tag) {
        Some(values) => values.iter().any(|v| touched.contains(v)),
        None => b.scope.tags.is_empty(),
    });
    report.summary.budgets_over =
        report.budgets.iter().filter(|b| b.state == report::BudgetState::Over).count();
    report.summary.budgets_forecast_over =
        report.budgets.iter().filter(|b| b.state == report::BudgetState::ForecastOver).count();
    report.summary.coverage = Default::default();
    report.finish();
    Ok(outcome)
}

fn build_report(
    command: &str,
    as_of: Option<chrono::NaiveDate>,
    inputs: report::Inputs,
    output: AuditOutput,
    mut diagnostics: Vec<Diagnostic>,
) -> Report {
    diagnostics.extend(output.diagnostics);
    let budgets_over = output.budgets.iter().filter(|b| b.state == report::BudgetState::Over).count();
    let budgets_forecast_over =
        output.budgets.iter().filter(|b| b.state == report::BudgetState::ForecastOver).count();
    let mut report = Report {
        version: REPORT_VERSION,
        tool: Tool { name: "tally".into(), version: env!("CARGO_PKG_VERSION").into() },
        command: command.into(),
        as_of,
        partial: false,
        inputs,
        summary: Summary {
            findings: Default::default(),
            coverage: output.coverage,
            spend: output.spend,
            budgets_over,
            budgets_forecast_over,
        },
        findings: output.findings,
        budgets: output.budgets,
        diagnostics,
        exempted: output.exempted,
    };
    report.finish();
    report
}

/// Paths in reports are shown as the user gave them, with `./` dropped for readability.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// `tally export`: flags.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Project directory; its tally.hcl (owner_tag, state) is read when present.
    pub dir: Option<PathBuf>,

    /// CUR or FOCUS cost data: a file or directory (CSV, gzip CSV, Parquet), an S3 export
    /// (s3://bucket/prefix, read through its manifests) or an Athena table
    /// (athena://WORKGROUP/DATABASE.TABLE?format=cur2|cur|focus).
    #[arg(long, value_name = "FILE|DIR|s3://..|athena://..", help_heading = "Inputs")]
    pub costs: String,

    /// AWS profile for s3:// and athena:// costs [default: AWS_PROFILE, else the default chain].
    #[arg(long, value_name = "NAME", help_heading = "Inputs")]
    pub profile: Option<String>,

    /// AWS region for s3:// and athena:// costs [default: AWS_REGION, else the profile's].
    #[arg(long, value_name = "REGION", help_heading = "Inputs")]
    pub region: Option<String>,

    /// Terraform state, for x_TerraformManaged and x_TerraformAddress (repeatable).
    #[arg(long, value_name = "FILE|GLOB", help_heading = "Inputs")]
    pub state: Vec<String>,

    /// Month to export [default: the latest in the data], selected as --month-basis says.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Option<chrono::NaiveDate>,

    /// What --month selects by: billing (the invoice the charge is on, FOCUS
    /// BillingPeriodStart: what finance reconciles to the invoice) or charge (the day the
    /// charge was incurred, ChargePeriodStart: what audit and report use).
    #[arg(long, value_enum, value_name = "BASIS", default_value_t = crate::export::MonthBasis::Billing)]
    pub month_basis: crate::export::MonthBasis,

    /// The tag key that names an owner [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// One row per resource as well (ResourceId column; x_TerraformAddress with --state).
    #[arg(long)]
    pub by_resource: bool,

    /// Allocate untagged and untaggable cost to owners: none (own rows), proportional (to
    /// owners' tagged effective cost), or even.
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Allocation::None, hide_possible_values = true)]
    pub allocate: Allocation,

    /// The global `--redact`: e-mail addresses and names in owner and tag values hidden.
    #[arg(skip)]
    pub redact: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv, help_heading = "Output")]
    pub format: ExportFormat,

    /// Write to FILE instead of stdout (required for parquet).
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

fn parse_month(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .map_err(|_| format!("\"{s}\" is not a month like 2026-10"))
}

/// `tally export`: the rows of one billing month, allocated as asked. Rendering is
/// [`crate::export::write`]'s.
pub fn export(args: &ExportArgs) -> Result<Export, AppError> {
    let dir = args.dir.as_deref().unwrap_or(Path::new("."));
    if args.dir.is_some() {
        check_dir(dir)?;
    }
    let config = load_config(dir)?;
    let owner_tag =
        args.owner_tag.clone().or(config.owner_tag.clone()).unwrap_or_else(|| "owner".to_string());
    let mut states = config.state.clone();
    states.extend(args.state.iter().cloned());
    let terraform = if states.is_empty() {
        None
    } else {
        let mut loaded = Loaded::default();
        loaded.states(&states, &AwsArgs::default())?;
        Some(loaded.states)
    };
    let mut tag_keys = config.required_tags.clone();
    tag_keys.push(owner_tag.clone());
    let opts = costs::ReadOptions {
        tag_keys,
        keep_resource_ids: args.by_resource || terraform.is_some(),
        threads: None,
        exact_tag_keys: config.exact_tag_keys,
        // Rows show the owner tag only, unless they are per resource (then all its tags).
        only_tags: (!args.by_resource).then(|| vec![owner_tag.clone()]),
    };
    let aws_args =
        AwsArgs { profile: args.profile.clone(), region: args.region.clone(), ..AwsArgs::default() };
    let data = load_costs(&args.costs, &opts, &aws_args, args.month)?;
    let basis = args.month_basis;
    let month = match args.month {
        Some(m) => m,
        None => data
            .records
            .iter()
            .map(|r| basis.month_of(r))
            .max()
            .ok_or_else(|| InputError::Usage(format!("{}: no cost lines to export", args.costs)))?,
    };
    let opts = ExportOptions {
        month,
        month_basis: basis,
        owner_tag,
        by_resource: args.by_resource,
        allocation: args.allocate,
        redact: args.redact,
        terraform,
    };
    let export = crate::export::build(&data.records, &opts)
        .map_err(|m| InputError::Usage(format!("{}: {m}", args.costs)))?;
    // Reconciled by exact integer sums, not by the `Decimal` additions that built the rows: a
    // rounding anywhere in the summing path shows here.
    let selected = || data.records.iter().filter(|r| opts.selects(r));
    let input_billed: crate::costs::exact::ExactSum = selected().map(|r| r.billed).collect();
    let input_effective: crate::costs::exact::ExactSum = selected().map(|r| r.effective).collect();
    if !export.total_billed().same_as(&input_billed) || !export.total_effective().same_as(&input_effective) {
        // Cannot happen: every record lands in rows and splits are exact. Said loudly if it does.
        return Err(AppError::Output(format!(
            "internal error: export totals {} / {} do not reconcile with input {input_billed} / {input_effective}",
            export.total_billed(),
            export.total_effective()
        )));
    }
    if basis == crate::export::MonthBasis::Charge {
        let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
        let lines: Vec<coverage::BillingOfLine> = selected()
            .map(|r| (r.period.start, r.billing_month(), r.effective, r.currency.clone()))
            .collect();
        let currencies: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.3.as_str()).collect();
        for currency in currencies {
            let window = crate::model::Period { start: month, end: next };
            if let Some(other) = coverage::invoiced_elsewhere(window, &lines, currency) {
                tracing::warn!(
                    "of the charges dated in {}, {other} {currency} (effective) was invoiced in other billing periods",
                    month.format("%Y-%m")
                );
            }
        }
    }
    tracing::info!(rows = export.rows.len(), basis = basis.as_str(), billed = %export.total_billed(), effective = %export.total_effective(), "export");
    Ok(export)
}
