//! Command-line interface: argument definitions, logging set-up, and the mapping from results
//! to exit codes. The only place (with `main.rs`) that touches stdout and stderr.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{self, AppError, CollectArgs, PolicyArgs, SourceArgs};
use crate::report::{self, Format, RenderOptions, Report, Severity};

/// Exit codes, as documented in the README.
pub mod exit {
    pub const OK: u8 = 0;
    pub const FINDINGS: u8 = 1;
    pub const INPUT_ERROR: u8 = 2;
    pub const PARTIAL: u8 = 3;
}

#[derive(Debug, Parser)]
#[command(
    name = "tally",
    version,
    about = "Audit AWS cost and tagging against Terraform",
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// More diagnostics on stderr (-v debug, -vv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = "Global options")]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose", help_heading = "Global options")]
    pub quiet: bool,

    /// Format of diagnostics on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true, help_heading = "Global options")]
    pub log_format: LogFormat,

    /// When to colour terminal output.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true, help_heading = "Global options")]
    pub color: Color,

    /// Hide personal data in every output: e-mail addresses lose their local part (stable
    /// hash), owner tag values that look like a person's name become a pseudonym.
    #[arg(long, global = true, help_heading = "Global options")]
    pub redact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Cross-reference Terraform, live resources and spend: untagged, unmanaged, missing,
    /// drift, spend by owner, budgets.
    Audit(Box<AuditArgs>),
    /// Check tag policies on what a Terraform plan creates or updates (CI gate).
    Plan(PlanArgs),
    /// Check tag policies on Terraform code alone: no state, plan or AWS needed.
    Lint(LintArgs),
    /// Budget status: limit, actual month to date, forecast, daily pace and the day the budget
    /// runs out.
    Budgets(BudgetsArgs),
    /// Record live inventory, costs, budgets and tag activation into one snapshot file for
    /// offline runs (`--snapshot FILE`).
    Collect(CollectCmd),
    /// The rule catalog: `rules list`, `rules explain ID`.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Finance export of one billing month from CUR/FOCUS files: CSV or Parquet, FOCUS
    /// column names, allocation of untagged and shared cost, totals that reconcile.
    Export(app::ExportArgs),
    /// Weekly cost review: a self-contained HTML page with charts (daily spend by owner,
    /// week-over-week movers, budget burn), or a short Markdown summary for chat.
    Report(Box<app::ReviewArgs>),
    /// Fix tag findings in Terraform code (TAG001-TAG003): print a diff, or apply it with
    /// --write. Exit 1 while anything is left to do.
    Fix(Box<app::FixArgs>),
    /// Write Terraform `import {}` blocks for live resources no state manages (IAC001),
    /// grouped by owner, ready for `terraform plan -generate-config-out`.
    Import(Box<app::ImportArgs>),
}

#[derive(Debug, Args)]
pub struct CollectCmd {
    /// Project directory; its `tally.hcl` gives owner_tag and required_tags when present.
    pub dir: Option<PathBuf>,

    #[command(flatten)]
    pub collect: CollectArgs,

    /// Write the snapshot to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BudgetsArgs {
    /// Project directory; its `tally.hcl` (budgets, snapshot) is read when present.
    pub dir: Option<PathBuf>,

    /// Live costs and AWS Budgets recorded by `tally collect`.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub snapshot: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule: id, name, default severity, summary.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// A rule's documentation: what it checks, why it matters, an example, how to fix.
    Explain {
        /// Rule id, like TAG001 (or its name, like missing-required-tag).
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Markdown,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// `terraform show -json PLANFILE` output.
    pub plan: PathBuf,

    /// The Terraform code the plan was made from: findings point at its file:line.
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub code: Option<PathBuf>,

    /// Directory of the tally.hcl to use [default: the --code directory, else the current one].
    #[arg(long, value_name = "DIR", help_heading = "Inputs")]
    pub config_dir: Option<PathBuf>,

    /// Recorded spend and budgets: adds budget headroom for the owners the plan touches.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    pub snapshot: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Policy")]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Terraform root module directory; its `tally.hcl` is read when present.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    #[command(flatten, next_help_heading = "Policy")]
    pub policy: PolicyArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Project directory; its `tally.hcl` is read when present.
    pub dir: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Inputs")]
    pub sources: SourceArgs,

    #[command(flatten, next_help_heading = "Output")]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Write the result to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit 1 when a finding is at or above this severity: error, warning, info or never.
    /// Default: `fail_on` in tally.hcl, else error.
    #[arg(long, value_name = "SEVERITY", value_parser = parse_fail_on)]
    pub fail_on: Option<FailOn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailOn(pub Option<Severity>);

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    Severity::from_fail_on(s).map(FailOn)
}

/// Parse arguments, run, print, and return the documented exit code.
pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { exit::INPUT_ERROR } else { exit::OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(&cli);
    // The one place the clock is read: exemptions expire against the snapshot's date, else
    // `--today`, else this.
    let policy = match &mut cli.command {
        Command::Audit(args) => Some(&mut args.sources.policy),
        Command::Plan(args) => Some(&mut args.policy),
        Command::Lint(args) => Some(&mut args.policy),
        Command::Report(args) => Some(&mut args.sources.policy),
        Command::Fix(args) => Some(&mut args.policy),
        Command::Import(args) => Some(&mut args.sources.policy),
        Command::Rules(_) | Command::Budgets(_) | Command::Collect(_) | Command::Export(_) => None,
    };
    if let Some(policy) = policy {
        policy.today = policy.today.or_else(system_date);
    }
    // Progress bars are for a person watching: stderr is a terminal, not --quiet, text logs.
    let progress = !cli.quiet && cli.log_format == LogFormat::Text && io::stderr().is_terminal();
    match &mut cli.command {
        Command::Audit(args) => args.sources.aws.progress = progress,
        Command::Collect(args) => args.collect.aws.progress = progress,
        _ => {}
    }
    let code = match &cli.command {
        Command::Rules(command) => rules(command),
        Command::Audit(args) => reported(&cli, app::audit(args.dir.as_deref(), &args.sources), &args.output),
        Command::Plan(args) => {
            let result = app::plan(
                &args.plan,
                args.code.as_deref(),
                args.config_dir.as_deref(),
                args.snapshot.as_deref(),
                &args.policy,
            );
            reported(&cli, result, &args.output)
        }
        Command::Lint(args) => reported(&cli, app::lint(&args.dir, &args.policy), &args.output),
        Command::Budgets(args) => {
            reported(&cli, app::budgets(args.dir.as_deref(), args.snapshot.as_deref()), &args.output)
        }
        Command::Collect(args) => run_collect(args),
        Command::Export(args) => export(&app::ExportArgs { redact: cli.redact, ..args.clone() }),
        Command::Report(args) => review(&cli, args),
        Command::Fix(args) => fix(args),
        Command::Import(args) => import(args),
    };
    ExitCode::from(code)
}

/// Render a command's report, or its error, and return the exit code.
fn reported(cli: &Cli, result: Result<app::Outcome, AppError>, output: &OutputArgs) -> u8 {
    match result {
        Ok(mut outcome) => {
            let fail_on = output.fail_on.map(|f| f.0).unwrap_or(outcome.fail_on);
            if cli.redact {
                outcome.report.redact();
            }
            finish(cli, output, &outcome.report, fail_on)
        }
        Err(e) => report_error(&e),
    }
}

fn run_collect(args: &CollectCmd) -> u8 {
    let snapshot = match app::collect(args.dir.as_deref(), &args.collect) {
        Ok(s) => s,
        Err(e) => return report_error(&e),
    };
    let mut text = match serde_json::to_string_pretty(&snapshot) {
        Ok(t) => t,
        Err(e) => return report_error(&AppError::Output(format!("snapshot: {e}"))),
    };
    text.push('\n');
    let written = match &args.output {
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut lock = io::stdout().lock();
            match lock.write_all(text.as_bytes()).and_then(|()| lock.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
                _ => Ok(()),
            }
        }
    };
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    let failed = snapshot.failed_attempts().count();
    if failed > 0 {
        tracing::warn!(failed, "snapshot is partial: some accounts, regions or sources could not be read");
        return exit::PARTIAL;
    }
    exit::OK
}

/// Today's date (UTC) from the system clock.
fn system_date() -> Option<chrono::NaiveDate> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// `tally rules list | explain ID`.
#[allow(clippy::print_stderr)]
fn rules(command: &RulesCommand) -> u8 {
    let text = match command {
        RulesCommand::List { format: RulesFormat::Table } => crate::rules::render::list_table(),
        RulesCommand::List { format: RulesFormat::Markdown } => crate::rules::render::list_markdown(),
        RulesCommand::Explain { id } => match crate::rules::render::explain(id) {
            Some(text) => text,
            None => {
                eprintln!("error: unknown rule \"{id}\" (see `tally rules list`)");
                return exit::INPUT_ERROR;
            }
        },
    };
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            report_error(&AppError::Output(format!("stdout: {e}")))
        }
        _ => exit::OK,
    }
}

/// Render the report where asked, then decide the exit code: partial data wins over findings
/// (the gate cannot vouch for what it did not see), findings at or above `fail_on` give 1.
fn finish(cli: &Cli, output: &OutputArgs, report: &Report, fail_on: Option<Severity>) -> u8 {
    let result = match &output.output {
        Some(path) => {
            let opts = RenderOptions { color: cli.color == Color::Always };
            let mut buf = Vec::new();
            report::render(report, output.format, opts, &mut buf)
                .and_then(|()| std::fs::write(path, &buf))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let stdout = io::stdout();
            let color = match cli.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            };
            let mut lock = stdout.lock();
            match report::render(report, output.format, RenderOptions { color }, &mut lock)
                .and_then(|()| lock.flush())
            {
                Ok(()) => Ok(()),
                // A closed pipe (`tally audit | head`) is the reader's choice, not our failure.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("stdout: {e}")),
            }
        }
    };
    if let Err(message) = result {
        return report_error(&AppError::Output(message));
    }
    if report.partial {
        tracing::warn!(
            problems = report.diagnostics.len(),
            "result is partial: some inputs could not be read"
        );
        return exit::PARTIAL;
    }
    match (fail_on, report.max_severity()) {
        (Some(threshold), Some(max)) if max >= threshold => exit::FINDINGS,
        _ => exit::OK,
    }
}

/// `tally export`: build the rows, write them where asked. Exit 0, or 2 on bad input.
fn export(args: &app::ExportArgs) -> u8 {
    use crate::export::write::{write_csv, write_parquet, ExportFormat};
    let export = match app::export(args) {
        Ok(e) => e,
        Err(e) => return report_error(&e),
    };
    let result = match (&args.output, args.format) {
        (Some(path), format) => {
            // Rendered in memory so a failure leaves no partial file; sized up front (a CSV row
            // is about 250 bytes) instead of doubling and copying a large buffer.
            let mut buf = Vec::with_capacity(export.rows.len().saturating_mul(256));
            let rendered = match format {
                ExportFormat::Csv => write_csv(&export, &mut buf).map_err(|e| e.to_string()),
                ExportFormat::Parquet => write_parquet(&export, &mut buf),
            };
            rendered
                .and_then(|()| std::fs::write(path, &buf).map_err(|e| e.to_string()))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        (None, ExportFormat::Csv) => {
            let stdout = io::stdout();
            let mut lock = stdout.lock();
            match write_csv(&export, &mut lock).and_then(|()| lock.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("stdout: {e}")),
            }
        }
        (None, ExportFormat::Parquet) => {
            return report_error(&AppError::Input(crate::error::InputError::Usage(
                "--format parquet needs --output FILE".to_string(),
            )))
        }
    };
    match result {
        Ok(()) => exit::OK,
        Err(message) => report_error(&AppError::Output(message)),
    }
}

/// `tally report`: render the review where asked. Not a gate: exit 0, or 3 when the data is
/// partial, or 2 on bad input.
fn review(cli: &Cli, args: &app::ReviewArgs) -> u8 {
    let mut review = match app::report(args) {
        Ok(r) => r,
        Err(e) => return report_error(&e),
    };
    if cli.redact {
        review.redact();
    }
    let mut buf = Vec::new();
    let rendered = match args.format {
        app::ReviewFormat::Html => report::html::render(&review, &mut buf),
        app::ReviewFormat::Markdown => report::review_markdown::render(&review, &mut buf),
        app::ReviewFormat::Json => serde_json::to_writer_pretty(&mut buf, &review)
            .map_err(io::Error::from)
            .and_then(|()| writeln!(buf)),
    };
    let written = match (rendered, &args.output) {
        (Err(e), _) => Err(format!("rendering: {e}")),
        (Ok(()), Some(path)) => std::fs::write(path, &buf).map_err(|e| format!("{}: {e}", path.display())),
        (Ok(()), None) => {
            let mut lock = io::stdout().lock();
            match lock.write_all(&buf).and_then(|()| lock.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
                _ => Ok(()),
            }
        }
    };
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    if review.report.partial {
        tracing::warn!(
            problems = review.report.diagnostics.len(),
            "result is partial: some inputs could not be read"
        );
        return exit::PARTIAL;
    }
    exit::OK
}

/// `tally fix`: the diff (dry run) on stdout, the summary on stderr.
#[allow(clippy::print_stderr)]
fn fix(args: &app::FixArgs) -> u8 {
    let outcome = match app::fix(args) {
        Ok(o) => o,
        Err(e) => return report_error(&e),
    };
    if !args.write {
        if let Err(message) = write_stdout(outcome.plan.diff().as_bytes()) {
            return report_error(&AppError::Output(message));
        }
    }
    eprint!("{}", crate::fix::summary(&outcome.plan, outcome.fixable, args.write, outcome.relint.as_ref()));
    let relint_clean = outcome.relint.as_ref().is_none_or(|r| r.still_there.is_empty() && r.new.is_empty());
    let pending = !args.write && !outcome.plan.files.is_empty();
    if pending || !outcome.plan.needs_human.is_empty() || !relint_clean {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

/// `tally import`: the import files and the guide, into `--output DIR` or on stdout.
fn import(args: &app::ImportArgs) -> u8 {
    let plan = match app::import(args) {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    let written = match &args.output {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| {
                plan.files.iter().try_for_each(|f| {
                    let path = dir.join(&f.name);
                    path.parent().map_or(Ok(()), std::fs::create_dir_all)?;
                    std::fs::write(path, &f.text)
                })
            })
            .map_err(|e| format!("{}: {e}", dir.display())),
        None => write_stdout(plan.to_single_text().as_bytes()),
    };
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    exit::OK
}

fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    let mut lock = io::stdout().lock();
    match lock.write_all(bytes).and_then(|()| lock.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

#[allow(clippy::print_stderr)]
fn report_error(e: &AppError) -> u8 {
    eprintln!("error: {e}");
    exit::INPUT_ERROR
}

/// Diagnostics on stderr. `-v`/`-vv` raise tally's own level; other crates stay at `info`
/// (the SDK's retry decisions follow up to `debug`), because the SDK's debug and trace events
/// print resolved identities and signed requests: the access key id would reach the log.
fn init_logging(cli: &Cli) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer as _;
    let level = if cli.quiet {
        LevelFilter::ERROR
    } else {
        match cli.verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        }
    };
    let targets = Targets::new()
        .with_default(level.min(LevelFilter::INFO))
        .with_target("tally", level)
        .with_target("aws_smithy_runtime::client::retries", level.min(LevelFilter::DEBUG));
    let layer = tracing_subscriber::fmt::layer().with_writer(io::stderr).with_target(false);
    let registry = tracing_subscriber::registry();
    let _ = match cli.log_format {
        LogFormat::Json => {
            registry.with(layer.json().with_current_span(false).with_filter(targets)).try_init()
        }
        LogFormat::Text => registry
            .with(layer.without_time().with_ansi(io::stderr().is_terminal()).with_filter(targets))
            .try_init(),
    };
}
