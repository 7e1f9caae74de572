//! Commands as library functions: resolve inputs (tally.hcl + flags), load them with the
//! readers, run the audit, and return the finished [`Report`]. Nothing here prints.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;
use thiserror::Error;

use crate::audit::{self, AuditInput, Policy};
use crate::aws::{self, AwsError, CollectOptions};
use crate::config::{Config, ConfigErrors, CONFIG_FILE};
use crate::error::InputError;
use crate::model::{Diagnostic, TfResource};
use crate::report::{self, Report, Severity, Summary, Tool, REPORT_VERSION};
use crate::snapshot::Snapshot;
use crate::terraform::{hcl, plan, state};

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

    /// Extra variable files for the root module, after terraform.tfvars and *.auto.tfvars.
    #[arg(long, value_name = "FILE")]
    pub var_file: Vec<PathBuf>,

    /// A tag key every taggable resource must carry (repeatable; adds to tally.hcl).
    #[arg(long, value_name = "KEY")]
    pub required_tag: Vec<String>,

    /// The tag key that names a resource's owner [default: tally.hcl's owner_tag, else "owner"].
    #[arg(long, value_name = "KEY")]
    pub owner_tag: Option<String>,

    /// Without --snapshot, read no live AWS data at all (Terraform inputs only).
    #[arg(long, conflicts_with = "snapshot")]
    pub offline: bool,

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
#[derive(Debug, Default)]
struct Resolved {
    code: Option<PathBuf>,
    state: Vec<String>,
    plan: Option<PathBuf>,
    snapshot: Option<PathBuf>,
    var_files: Vec<PathBuf>,
    policy: Option<Policy>,
    budgets: Vec<crate::model::Budget>,
    fail_on: Option<Severity>,
}

fn resolve(dir: Option<&Path>, args: &SourceArgs) -> Result<Resolved, AppError> {
    let dir_given = dir.is_some();
    let dir = dir.unwrap_or(Path::new("."));
    if dir_given && !dir.is_dir() {
        return Err(InputError::Usage(format!("{}: not a directory", dir.display())).into());
    }
    let config_path = dir.join(CONFIG_FILE);
    let config = if config_path.is_file() {
        tracing::debug!(path = %config_path.display(), "reading config");
        Config::load(&config_path)?
    } else {
        Config::default()
    };
    // Without a tally.hcl, a directory given on the command line is the Terraform code.
    let default_code = (dir_given && !config_path.is_file()).then(|| dir.to_path_buf());
    let mut state = config.state;
    state.extend(args.state.iter().cloned());
    let mut required = config.required_tags;
    for key in &args.required_tag {
        if !required.contains(key) {
            required.push(key.clone());
        }
    }
    let owner_tag = args.owner_tag.clone().or(config.owner_tag).unwrap_or_else(|| "owner".to_string());
    Ok(Resolved {
        code: args.code.clone().or(config.code).or(default_code),
        state,
        plan: args.plan.clone().or(config.plan),
        snapshot: args.snapshot.clone().or(config.snapshot),
        var_files: args.var_file.clone(),
        policy: Some(Policy { required_tags: required, owner_tag }),
        budgets: config.budgets,
        fail_on: config.fail_on.unwrap_or(Some(Severity::Error)),
    })
}

/// `tally audit`: everything cross-referenced.
pub fn audit(dir: Option<&Path>, args: &SourceArgs) -> Result<Outcome, AppError> {
    let resolved = resolve(dir, args)?;
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut inputs = report::Inputs::default();

    let code: Option<Vec<TfResource>> = match &resolved.code {
        Some(dir) => {
            let model = hcl::load_code(dir, &hcl::CodeOptions { var_files: resolved.var_files.clone() })?;
            tracing::info!(resources = model.resources.len(), dir = %dir.display(), "loaded code");
            diagnostics.extend(model.diagnostics);
            inputs.code = Some(display(dir));
            Some(model.resources)
        }
        None => None,
    };

    let mut states: Vec<TfResource> = Vec::new();
    for path in state::expand_state_inputs(&resolved.state)? {
        let file = state::load_state(&path)?;
        tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded state");
        inputs.states.push(display(&path));
        states.extend(file.resources);
    }

    let plan: Option<Vec<TfResource>> = match &resolved.plan {
        Some(path) => {
            let file = plan::load_plan(path)?;
            inputs.plan = Some(display(path));
            Some(file.resources)
        }
        None => None,
    };

    let snapshot = match &resolved.snapshot {
        None if !args.offline => {
            let options = collect_options(&args.aws, None, &policy_of(&resolved));
            let snap = collect_live(&options)?;
            for attempt in snap.failed_attempts() {
                diagnostics.push(Diagnostic {
                    source: attempt.source.clone(),
                    location: None,
                    account: Some(attempt.account.clone()),
                    region: Some(attempt.region.clone()),
                    message: attempt.error.clone().unwrap_or_else(|| "collection failed".to_string()),
                });
            }
            Some(snap)
        }
        Some(path) => {
            let snap = Snapshot::load(path)?;
            for attempt in snap.failed_attempts() {
                diagnostics.push(Diagnostic {
                    source: attempt.source.clone(),
                    location: Some(crate::model::SourceLocation::file(display(path))),
                    account: Some(attempt.account.clone()),
                    region: Some(attempt.region.clone()),
                    message: attempt.error.clone().unwrap_or_else(|| "collection failed".to_string()),
                });
            }
            inputs.snapshot = Some(display(path));
            Some(snap)
        }
        None => None,
    };

    let policy = resolved.policy.unwrap_or(Policy { required_tags: Vec::new(), owner_tag: "owner".into() });
    inputs.terraform_resources =
        code.as_ref().map_or(0, Vec::len) + plan.as_ref().map_or(0, Vec::len) + states.len();
    inputs.live_resources = snapshot.as_ref().map_or(0, |s| s.resources.len());
    inputs.cost_lines = snapshot.as_ref().map_or(0, |s| s.costs.lines.len());

    let input = AuditInput {
        code: code.as_deref(),
        plan: plan.as_deref(),
        state: &states,
        snapshot: snapshot.as_ref(),
        policy: &policy,
        budgets: &resolved.budgets,
    };
    let output = audit::run(&input);
    diagnostics.extend(output.diagnostics);

    let budgets_over = output.budgets.iter().filter(|b| b.state == report::BudgetState::Over).count();
    let budgets_forecast_over =
        output.budgets.iter().filter(|b| b.state == report::BudgetState::ForecastOver).count();
    let mut report = Report {
        version: REPORT_VERSION,
        tool: Tool { name: "tally".into(), version: env!("CARGO_PKG_VERSION").into() },
        command: "audit".into(),
        as_of: snapshot.as_ref().map(|s| s.as_of),
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
    };
    report.finish();
    Ok(Outcome { report, fail_on: resolved.fail_on })
}

/// `tally collect`: live inventory, costs, budgets and tag activation, as a snapshot.
pub fn collect(dir: Option<&Path>, args: &CollectArgs) -> Result<Snapshot, AppError> {
    let sources = SourceArgs {
        owner_tag: args.owner_tag.clone(),
        required_tag: args.required_tag.clone(),
        ..SourceArgs::default()
    };
    let resolved = resolve(dir, &sources)?;
    let options = collect_options(&args.aws, args.as_of, &policy_of(&resolved));
    collect_live(&options)
}

fn policy_of(resolved: &Resolved) -> Policy {
    resolved.policy.clone().unwrap_or(Policy { required_tags: Vec::new(), owner_tag: "owner".into() })
}

fn collect_options(args: &AwsArgs, as_of: Option<NaiveDate>, policy: &Policy) -> CollectOptions {
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
    }
}

/// The SDK is async; the rest of tally is not. A runtime lives for one collection.
fn collect_live(options: &CollectOptions) -> Result<Snapshot, AppError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| AppError::Output(format!("cannot start the async runtime: {e}")))?;
    Ok(runtime.block_on(aws::collect(options))?)
}

/// Paths in reports are shown as the user gave them, with `./` dropped for readability.
fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}
