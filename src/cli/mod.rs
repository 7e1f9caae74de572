//! Command-line interface: every clap type (`args`), the dispatch from a parsed command to the
//! library, and printing (`output`): rendering, exit codes and logging. The only room (with
//! `main.rs`) that touches the process: stdout, stderr, the clock and the environment.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

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

// `defer`: a command's arguments are added by `resolve` (see `Cli::parse_args`), so that a run
// builds only the command it runs: building all of them was a sixth of a small `tally lint`'s
// page faults. Left to clap, a deferred command would get its arguments after the global
// options and the doc comments of its flattened structs as its description.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
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
    Completions(CompletionsArgs),
    /// The manual page (roff): `tally man > /usr/local/share/man/man1/tally.1`.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl Cli {
    /// The whole command tree, every command's arguments built: what `--help`, the manual, the
    /// completions and every error message are made from.
    pub fn full_command() -> clap::Command {
        Cli::command().mut_subcommands(|sub| {
            let name = sub.get_name().to_string();
            resolve(sub, &name)
        })
    }

    /// Parse `args` (the program name first). When the command to run can be told from the
    /// arguments before them, only its arguments are built; anything but a clean parse of that
    /// command (help, version, an error, another command than expected) is parsed again on
    /// the full tree, so every message is the full tree's.
    pub fn parse_args(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
        if let Some(name) = named_command(args).and_then(|name| DEFERRED.into_iter().find(|d| *d == name)) {
            let command =
                Cli::command()
                    .mut_subcommands(|sub| if sub.get_name() == name { resolve(sub, name) } else { sub });
            if let Ok(mut matches) = command.try_get_matches_from(args) {
                if matches.subcommand_name() == Some(name) {
                    if let Ok(cli) = Cli::from_arg_matches_mut(&mut matches) {
                        return Ok(cli);
                    }
                }
            }
        }
        let mut matches = Cli::full_command().try_get_matches_from(args)?;
        Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut Cli::full_command()))
    }
}

/// The commands whose arguments `Command`'s `defer` leaves out (`rules` has subcommands, which
/// clap does not defer; `man` has no arguments).
const DEFERRED: [&str; 10] =
    ["audit", "plan", "lint", "budgets", "collect", "export", "report", "fix", "import", "completions"];

/// Add a deferred command's arguments now, before clap gives every command the global
/// options, as the derive does without `defer`; keep the command's own description (a
/// flattened struct's doc comment would replace it).
fn resolve(sub: clap::Command, name: &str) -> clap::Command {
    let augment: fn(clap::Command) -> clap::Command = match name {
        "audit" => <AuditArgs as Args>::augment_args,
        "plan" => <PlanArgs as Args>::augment_args,
        "lint" => <LintArgs as Args>::augment_args,
        "budgets" => <BudgetsArgs as Args>::augment_args,
        "collect" => <CollectCmd as Args>::augment_args,
        "export" => <ExportArgs as Args>::augment_args,
        "report" => <ReviewArgs as Args>::augment_args,
        "fix" => <FixArgs as Args>::augment_args,
        "import" => <ImportArgs as Args>::augment_args,
        "completions" => <CompletionsArgs as Args>::augment_args,
        _ => return sub,
    };
    use clap::builder::Resettable;
    let about = Resettable::from(sub.get_about().cloned());
    let long_about = Resettable::from(sub.get_long_about().cloned());
    augment(sub.defer(|sub| sub)).about(about).long_about(long_about)
}

/// The command named on the command line: the first argument that is neither a global option
/// nor its value. `None` when that cannot be told without parsing (`--help`, `--version`, an
/// unknown option, `--`, no command, arguments that are not UTF-8).
fn named_command(args: &[std::ffi::OsString]) -> Option<&str> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        let arg = arg.to_str()?;
        match arg {
            "--log-format" | "--color" | "--repo-root" => {
                rest.next()?;
            }
            "--verbose" | "--quiet" | "--redact" => {}
            _ if ["--log-format=", "--color=", "--repo-root="].iter().any(|p| arg.starts_with(p)) => {}
            _ if arg.len() > 1
                && arg.starts_with('-')
                && arg[1..].bytes().all(|b| b == b'v' || b == b'q') => {}
            _ if arg.starts_with('-') => return None,
            name => return Some(name),
        }
    }
    None
}

/// Parse arguments, run, print, and return the documented exit code.
pub fn main() -> ExitCode {
    output::started();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let mut cli = match Cli::parse_args(&args) {
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
        | Command::Completions(_)
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
        Command::Completions(args) => completions(args.shell),
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
    let mut command = Cli::full_command();
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
    let command = Cli::full_command();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<std::ffi::OsString> {
        std::iter::once("tally").chain(line.split_whitespace()).map(Into::into).collect()
    }

    #[test]
    fn the_command_is_the_first_argument_after_the_global_options() {
        let named = |line: &str| named_command(&args(line)).map(str::to_string);
        assert_eq!(named("lint ."), Some("lint".into()));
        assert_eq!(named("-vv --color never --redact lint"), Some("lint".into()));
        assert_eq!(named("--color lint plan x.json"), Some("plan".into()), "lint is --color's value");
        assert_eq!(named("--repo-root=lint -q plan"), Some("plan".into()));
        assert_eq!(named("--log-format=json --quiet --verbose audit"), Some("audit".into()));
        assert_eq!(named("nosuch lint"), Some("nosuch".into()));
        for unknown in ["", "--help lint", "-h lint", "-V", "-vx lint", "--bogus lint", "-- lint", "--color"]
        {
            assert_eq!(named(unknown), None, "{unknown:?}");
        }
    }

    /// Every command clap defers is resolved: a command added to `Command` and not to
    /// `DEFERRED` would list the global options before its own.
    #[test]
    fn every_deferred_command_is_resolved() {
        let command = Cli::command();
        let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).collect();
        let mut expected: Vec<&str> =
            names.iter().copied().filter(|n| !["rules", "man"].contains(n)).collect();
        expected.sort_unstable();
        let mut deferred = DEFERRED.to_vec();
        deferred.sort_unstable();
        assert_eq!(deferred, expected);
        let full = Cli::full_command();
        for name in DEFERRED {
            let sub = full.find_subcommand(name).unwrap();
            assert!(sub.get_arguments().next().is_some(), "{name} has its arguments before clap builds it");
            assert_eq!(sub.get_about(), command.find_subcommand(name).unwrap().get_about(), "{name}");
        }
    }

    /// Building only the command that runs parses exactly what the full tree parses.
    #[test]
    fn one_command_parses_as_the_full_tree_does() {
        let lines = [
            "lint",
            "lint a b --required-tag owner --required-tag env --format json -o x.json",
            "-v lint --color never --fail-on never .",
            "--color always -q plan plan.json --required-tag team --format sarif",
            "--repo-root /r --log-format json audit --snapshot s.json",
            "budgets --snapshot s.json",
            "completions bash",
            "export --month 2026-10 --costs c.csv",
            "fix . --write",
            "--redact import --snapshot s.json",
            "report --snapshot s.json",
            "collect -o s.json",
        ];
        for line in lines {
            let fast = Cli::parse_args(&args(line)).map(|cli| format!("{cli:?}"));
            let mut matches = Cli::full_command().try_get_matches_from(args(line));
            let full = matches.as_mut().map(|m| format!("{:?}", Cli::from_arg_matches_mut(m).unwrap()));
            assert_eq!(fast.as_ref().ok(), full.as_ref().ok(), "{line}");
            assert!(fast.is_ok(), "{line}: {fast:?}");
        }
        let bad = Cli::parse_args(&args("lint --bogus")).unwrap_err();
        assert_eq!(bad.kind(), clap::error::ErrorKind::UnknownArgument);
    }
}
