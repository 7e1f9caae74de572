//! Commands as library functions: resolve inputs (tally.hcl + flags), load them with the
//! readers, run the audit, and return the finished [`Report`]. Nothing here prints.

use std::path::{Path, PathBuf};

use clap::Args;
use thiserror::Error;

use crate::audit::{self, AuditInput, AuditOutput, Policy};
use crate::config::{Config, ConfigErrors, CONFIG_FILE};
use crate::costs::{self, CostBasis};
use crate::error::InputError;
use crate::export::write::ExportFormat;
use crate::export::{Allocation, Export, ExportOptions};
use crate::model::{Diagnostic, TfResource};
use crate::report::{self, Report, Severity, Summary, Tool, REPORT_VERSION};
use crate::snapshot::Snapshot;
use crate::terraform::{self, hcl, plan, state};

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

    /// CUR or FOCUS cost files (CSV, gzip CSV, Parquet): a file or a directory. Their lines
    /// replace the snapshot's; without a snapshot, "today" is the last charge period end.
    #[arg(long, value_name = "FILE|DIR")]
    pub costs: Option<PathBuf>,

    /// Amount of cost files to use: effective (amortized, for showback) or billed (invoice).
    #[arg(long, value_enum, value_name = "BASIS", default_value_t = CostBasis::Effective, hide_possible_values = true)]
    pub cost_basis: CostBasis,

    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Config(#[from] ConfigErrors),
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
    costs: Option<PathBuf>,
    cost_basis: CostBasis,
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
fn resolve(config: Config, args: &SourceArgs, default_unknown: Option<Severity>) -> Resolved {
    let mut state = config.state;
    state.extend(args.state.iter().cloned());
    let mut required = config.required_tags;
    for key in &args.policy.required_tag {
        if !required.contains(key) {
            required.push(key.clone());
        }
    }
    let owner_tag = args.policy.owner_tag.clone().or(config.owner_tag).unwrap_or_else(|| "owner".to_string());
    let unknown = args.policy.unknown_tags.map(|u| u.0).unwrap_or(default_unknown);
    Resolved {
        code: args.code.clone().or(config.code),
        state,
        plan: args.plan.clone().or(config.plan),
        snapshot: args.snapshot.clone().or(config.snapshot),
        costs: args.costs.clone(),
        cost_basis: args.cost_basis,
        var_files: args.policy.var_file.clone(),
        policy: Policy { required_tags: required, owner_tag, unknown_tags: unknown },
        budgets: config.budgets,
        fail_on: config.fail_on.unwrap_or(Some(Severity::Error)),
    }
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
}

impl Loaded {
    fn code(&mut self, dir: &Path, var_files: &[PathBuf]) -> Result<(), AppError> {
        let model = hcl::load_code(dir, &hcl::CodeOptions { var_files: var_files.to_vec() })?;
        tracing::info!(resources = model.resources.len(), dir = %dir.display(), "loaded code");
        self.diagnostics.extend(model.diagnostics);
        self.inputs.code = Some(display(dir));
        self.code = Some(model.resources);
        Ok(())
    }

    fn states(&mut self, patterns: &[String]) -> Result<(), AppError> {
        for path in state::expand_state_inputs(patterns)? {
            let file = state::load_state(&path)?;
            tracing::info!(resources = file.resources.len(), path = %path.display(), "loaded state");
            self.inputs.states.push(display(&path));
            self.states.extend(file.resources);
        }
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
    fn costs(&mut self, path: &Path, basis: CostBasis, policy: &Policy) -> Result<(), AppError> {
        let mut tag_keys = policy.required_tags.clone();
        tag_keys.push(policy.owner_tag.clone());
        let opts = costs::ReadOptions { tag_keys, ..costs::ReadOptions::default() };
        let data = costs::read_costs(path, &opts)?;
        tracing::info!(
            files = data.files.len(),
            rows = data.rows,
            records = data.records.len(),
            "loaded costs"
        );
        for (kind, n) in &data.unknown_line_item_types {
            tracing::warn!(line_item_type = %kind, lines = n, "unknown line item type, counted as a fee");
        }
        let lines = data.lines(basis);
        let snapshot = match self.snapshot.take() {
            Some(s) => s,
            None => {
                let as_of = data.as_of().ok_or_else(|| {
                    InputError::Usage(format!("{}: no cost lines, so no date to audit as of", path.display()))
                })?;
                Snapshot::empty(as_of)
            }
        };
        self.snapshot = Some(crate::snapshot::Snapshot {
            costs: crate::snapshot::Costs { metric: basis.metric().to_string(), lines },
            ..snapshot
        });
        self.inputs.costs = Some(report::CostsInput {
            path: display(path),
            files: data.files.len(),
            rows: data.rows,
            basis: match basis {
                CostBasis::Billed => "billed",
                CostBasis::Effective => "effective",
            }
            .to_string(),
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
        };
        let output = audit::run(&input);
        let as_of = self.snapshot.as_ref().map(|s| s.as_of);
        let report = build_report(command, as_of, self.inputs, output, self.diagnostics);
        Outcome { report, fail_on: resolved.fail_on }
    }
}

/// `tally audit`: everything cross-referenced.
pub fn audit(dir: Option<&Path>, args: &SourceArgs) -> Result<Outcome, AppError> {
    if let Some(dir) = dir {
        check_dir(dir)?;
    }
    let dir_given = dir.is_some();
    let dir = dir.unwrap_or(Path::new("."));
    let config = load_config(dir)?;
    // Without a tally.hcl, a directory given on the command line is the Terraform code.
    let default_code = (dir_given && !dir.join(CONFIG_FILE).is_file()).then(|| dir.to_path_buf());
    let mut resolved = resolve(config, args, None);
    resolved.code = resolved.code.or(default_code);

    let mut loaded = Loaded::default();
    if let Some(code) = &resolved.code {
        loaded.code(code, &resolved.var_files)?;
    }
    loaded.states(&resolved.state)?;
    if let Some(plan) = &resolved.plan {
        loaded.plan(plan)?;
    }
    if let Some(snapshot) = &resolved.snapshot {
        loaded.snapshot(snapshot)?;
    }
    if let Some(costs) = &resolved.costs {
        loaded.costs(costs, resolved.cost_basis, &resolved.policy)?;
    }
    Ok(loaded.finish("audit", &resolved))
}

/// `tally lint DIR`: tag policies on Terraform code alone. No state, plan or AWS.
pub fn lint(dir: &Path, policy: &PolicyArgs) -> Result<Outcome, AppError> {
    check_dir(dir)?;
    let config = load_config(dir)?;
    let args = SourceArgs { policy: policy.clone(), ..SourceArgs::default() };
    let mut resolved = resolve(config, &args, Some(Severity::Warning));
    let code = resolved.code.take().unwrap_or_else(|| dir.to_path_buf());
    let mut loaded = Loaded::default();
    loaded.code(&code, &resolved.var_files)?;
    resolved.budgets.clear();
    Ok(loaded.finish("lint", &resolved))
}

/// `tally plan PLAN.json [--code DIR]`: tag policies on what a plan creates or updates. With
/// `--code`, findings point at the resource's file:line in the HCL.
pub fn plan(
    plan_path: &Path,
    code: Option<&Path>,
    config_dir: Option<&Path>,
    policy: &PolicyArgs,
) -> Result<Outcome, AppError> {
    // tally.hcl from --config-dir, else the code directory, else the current directory.
    let config_dir = config_dir.or(code).unwrap_or(Path::new("."));
    check_dir(config_dir)?;
    let config = load_config(config_dir)?;
    let args = SourceArgs { policy: policy.clone(), ..SourceArgs::default() };
    let resolved = resolve(config, &args, Some(Severity::Warning));

    let mut loaded = Loaded::default();
    loaded.plan(plan_path)?;
    if let Some(code) = code {
        check_dir(code)?;
        loaded.code(code, &resolved.var_files)?;
        if let (Some(plan), Some(code)) = (loaded.plan.as_mut(), loaded.code.take()) {
            terraform::link_to_code(plan, &code);
        }
    }
    Ok(loaded.finish("plan", &resolved))
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

    /// CUR or FOCUS cost files (CSV, gzip CSV, Parquet): a file or a directory.
    #[arg(long, value_name = "FILE|DIR", help_heading = "Inputs")]
    pub costs: PathBuf,

    /// Terraform state, for x_TerraformManaged and x_TerraformAddress (repeatable).
    #[arg(long, value_name = "FILE|GLOB", help_heading = "Inputs")]
    pub state: Vec<String>,

    /// Billing month to export [default: the latest in the data].
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub month: Option<chrono::NaiveDate>,

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

    /// Replace the local part of e-mail addresses in owner and tag values by a stable hash.
    #[arg(long)]
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
        loaded.states(&states)?;
        Some(loaded.states)
    };
    let mut tag_keys = config.required_tags.clone();
    tag_keys.push(owner_tag.clone());
    let opts = costs::ReadOptions {
        tag_keys,
        keep_resource_ids: args.by_resource || terraform.is_some(),
        threads: None,
    };
    let data = costs::read_costs(&args.costs, &opts)?;
    tracing::info!(files = data.files.len(), rows = data.rows, records = data.records.len(), "loaded costs");
    let month =
        match args.month {
            Some(m) => m,
            None => data.records.iter().map(|r| r.billing_month()).max().ok_or_else(|| {
                InputError::Usage(format!("{}: no cost lines to export", args.costs.display()))
            })?,
        };
    let opts = ExportOptions {
        month,
        owner_tag,
        by_resource: args.by_resource,
        allocation: args.allocate,
        redact: args.redact,
        terraform,
    };
    let export = crate::export::build(&data.records, &opts);
    let input_billed: rust_decimal::Decimal =
        data.records.iter().filter(|r| r.billing_month() == month).map(|r| r.billed).sum();
    if export.total_billed() != input_billed {
        // Cannot happen: every record lands in rows and splits are exact. Said loudly if it does.
        return Err(AppError::Output(format!(
            "internal error: export total {} does not reconcile with input {input_billed}",
            export.total_billed()
        )));
    }
    tracing::info!(rows = export.rows.len(), billed = %export.total_billed(), effective = %export.total_effective(), "export");
    Ok(export)
}
