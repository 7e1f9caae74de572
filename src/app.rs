//! Commands as library functions: resolve inputs (tally.hcl + flags), load them with the
//! readers, run the audit, and return the finished [`Report`]. Nothing here prints.

use std::path::{Path, PathBuf};

use clap::Args;
use thiserror::Error;

use crate::audit::{self, AuditInput, AuditOutput, Policy};
use crate::config::{Config, ConfigErrors, CONFIG_FILE};
use crate::error::InputError;
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
    let mut resolved = resolve(config, args, None)?;
    resolved.code = resolved.code.or(default_code);
    resolved.policy.report_unmatched_exemptions = true;

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
    Ok(loaded.finish("audit", &resolved))
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
    let resolved = resolve(config, &args, Some(Severity::Warning))?;

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
