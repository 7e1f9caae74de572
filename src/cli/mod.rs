//! Command-line interface: every clap type (`args`), the dispatch from a parsed command to the
//! library, and printing (`output`): rendering, exit codes and logging. The only room (with
//! `main.rs`) that touches the process: stdout, stderr, the clock and the environment.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app;

mod args;
mod output;
mod requests;

pub use args::*;
use output::{emit, export, fix, import, init_logging, report_error, reported, review, run_collect};

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
    /// hash); names of people in owner and tag values ("Jane Doe", "jane doe", "Doe, Jane",
    /// "John Smith <js@example.org>") become a pseudonym. See the README for what it cannot hide.
    #[arg(long, global = true, help_heading = "Global options")]
    pub redact: bool,

    /// The repository root that SARIF, GitHub annotations and Markdown links are relative to
    /// [default: the nearest directory above the current one holding `.git`].
    #[arg(long, value_name = "DIR", env = "TALLY_REPO_ROOT", global = true, help_heading = "Global options")]
    pub repo_root: Option<std::path::PathBuf>,
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
    Export(ExportArgs),
    /// Weekly cost review: a self-contained HTML page with charts (daily spend by owner,
    /// week-over-week movers, budget burn), or a short Markdown summary for chat.
    Report(Box<ReviewArgs>),
    /// Fix tag findings in Terraform code (TAG001-TAG003): print a diff, or apply it with
    /// --write. Exit 1 while anything is left to do.
    Fix(Box<FixArgs>),
    /// Write Terraform `import {}` blocks for live resources no state manages (IAC001),
    /// grouped by owner, ready for `terraform plan -generate-config-out`.
    Import(Box<ImportArgs>),
    /// Shell completions: `tally completions bash > /etc/bash_completion.d/tally` (also zsh,
    /// fish, elvish, powershell).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff): `tally man > /usr/local/share/man/man1/tally.1`.
    Man,
}

/// Parse arguments, run, print, and return the documented exit code.
pub fn main() -> ExitCode {
    output::started();
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
        Command::Rules(_)
        | Command::Budgets(_)
        | Command::Collect(_)
        | Command::Export(_)
        | Command::Completions { .. }
        | Command::Man => None,
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
        Command::Audit(args) => {
            reported(&cli, app::audit(args.dir.as_deref(), &args.sources.request()), &args.output)
        }
        Command::Plan(args) => reported(&cli, app::plan(&args.request()), &args.output),
        Command::Lint(args) => reported(&cli, app::lint(&args.paths, &args.policy.request()), &args.output),
        Command::Budgets(args) => {
            reported(&cli, app::budgets(args.dir.as_deref(), args.snapshot.as_deref()), &args.output)
        }
        Command::Collect(args) => run_collect(args),
        Command::Export(args) => export(&args.request(cli.redact), args),
        Command::Report(args) => review(&cli, args),
        Command::Fix(args) => fix(args),
        Command::Import(args) => import(args),
        Command::Completions { shell } => completions(*shell),
        Command::Man => man(),
    };
    ExitCode::from(code)
}

/// Today's date (UTC) from the system clock.
fn system_date() -> Option<chrono::NaiveDate> {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// `tally completions SHELL`: the script on stdout.
fn completions(shell: clap_complete::Shell) -> u8 {
    use clap::CommandFactory;
    let mut command = Cli::command();
    let written = emit(None, 0, |out| {
        clap_complete::generate(shell, &mut command, "tally", out);
        Ok(())
    });
    match written {
        Ok(()) => exit::OK,
        Err(message) => report_error(&app::AppError::Output(message)),
    }
}

/// `tally man`: the manual page of `tally` and its commands, in roff, on stdout.
fn man() -> u8 {
    use clap::CommandFactory;
    let command = Cli::command();
    let written = emit(None, 0, |out| {
        clap_mangen::Man::new(command.clone()).render(out)?;
        // One page: each command's options follow as a section of their own.
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            writeln!(out, ".SH \"TALLY {}\"", sub.get_name().to_uppercase())?;
            let page = clap_mangen::Man::new(sub.clone());
            page.render_description_section(out)?;
            page.render_options_section(out)?;
        }
        Ok(())
    });
    match written {
        Ok(()) => exit::OK,
        Err(message) => report_error(&app::AppError::Output(message)),
    }
}

/// `tally rules list | explain ID`.
#[allow(clippy::print_stderr)]
fn rules(command: &RulesCommand) -> u8 {
    let text = match command {
        RulesCommand::List { format: RulesFormat::Table } => crate::policy::render::list_table(),
        RulesCommand::List { format: RulesFormat::Markdown } => crate::policy::render::list_markdown(),
        RulesCommand::Explain { id } => match crate::policy::render::explain(id) {
            Some(text) => text,
            None => {
                eprintln!("error: unknown rule \"{id}\" (see `tally rules list`)");
                return exit::INPUT_ERROR;
            }
        },
    };
    match emit(None, 0, |out| out.write_all(text.as_bytes())) {
        Ok(()) => exit::OK,
        Err(message) => report_error(&app::AppError::Output(message)),
    }
}
