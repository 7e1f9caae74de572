//! Printing a command's result: rendering where asked (a file, else stdout), the exit code,
//! error messages and the stderr log.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use super::{
    exit, Cli, CollectCmd, Color, ExportArgs, FixArgs, ImportArgs, LogFormat, OutputArgs, ReviewArgs,
    ReviewFormat,
};
use crate::app::{self, AppError, ExportRequest};
use crate::export::write::{write_csv, write_parquet, ExportFormat};
use crate::policy::Severity;
use crate::report::markdown::Links;
use crate::report::place::RepoPaths;
use crate::report::{self, Format, RenderOptions, Report};

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Note when the run began, for JUnit's `time`.
pub(super) fn started() {
    let _ = STARTED.set(Instant::now());
}

/// Write what `render` produces to `path`, else to stdout, streamed through a buffer either way:
/// stdout is line-buffered, so a pretty-printed JSON report of a large estate would otherwise
/// cost one `write` per line. A file is written to a temporary file beside it and renamed into
/// place once complete, so a failure leaves no partial file and a large report is never held in
/// memory; a path that is not a regular file (`/dev/stdout`, a FIFO) is written directly. A
/// closed pipe (`tally audit | head`) is the reader's choice, not our failure. The error names
/// where the write failed. `capacity` is the expected size, if known: it sizes the buffer.
pub(super) fn emit(
    path: Option<&Path>,
    capacity: usize,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    let buffer = capacity.clamp(64 << 10, 1 << 20);
    match path {
        Some(path) => write_file(path, buffer, render).map_err(|e| format!("{}: {e}", path.display())),
        None => {
            let mut out = io::BufWriter::with_capacity(buffer, io::stdout().lock());
            match render(&mut out).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("stdout: {e}")),
            }
        }
    }
}

/// Stream `render` into `path` through a temporary file in the same directory (same file
/// system, so the rename is atomic).
fn write_file(
    path: &Path,
    buffer: usize,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
    if special {
        let mut out =
            io::BufWriter::with_capacity(buffer, std::fs::OpenOptions::new().write(true).open(path)?);
        render(&mut out)?;
        return out.flush();
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".tally-output-");
    // A temporary file is private (0600) by default; the output is an ordinary file, so ask
    // for what `File::create` asks for and let the umask decide.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let tmp = builder.tempfile_in(dir)?;
    let mut out = io::BufWriter::with_capacity(buffer, tmp);
    render(&mut out)?;
    let tmp = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Render a command's report, or its error, and return the exit code.
pub(super) fn reported(cli: &Cli, result: Result<app::Outcome, AppError>, output: &OutputArgs) -> u8 {
    match result {
        Ok(mut outcome) => {
            let fail_on = output.fail_on.map(|f| f.0).unwrap_or(outcome.fail_on);
            if cli.redact {
                outcome.report.redact();
            }
            let code = finish(cli, output, &outcome.report, fail_on);
            // The process ends next: the operating system takes the memory back at once, where
            // dropping a large report frees its findings one allocation at a time.
            std::mem::forget(outcome);
            code
        }
        Err(e) => report_error(&e),
    }
}

/// Render the report where asked, then decide the exit code: partial data wins over findings
/// (the gate cannot vouch for what it did not see), findings at or above `fail_on` give 1.
fn finish(cli: &Cli, output: &OutputArgs, report: &Report, fail_on: Option<Severity>) -> u8 {
    let color = match (&output.output, cli.color) {
        (_, Color::Always) => true,
        (Some(_), _) | (None, Color::Never) => false,
        (None, Color::Auto) => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let env = |name: &str| std::env::var(name).ok();
    let opts = RenderOptions {
        color,
        width: terminal_width(output.output.is_none()),
        repo: repo_paths(cli.repo_root.as_deref()),
        fail_on,
        elapsed: STARTED.get().map(Instant::elapsed),
        links: Links::github(env("GITHUB_SERVER_URL"), env("GITHUB_REPOSITORY"), env("GITHUB_SHA")),
    };
    let rendered =
        emit(output.output.as_deref(), 0, |out| report::render(report, output.format, opts.clone(), out));
    if let Err(message) = rendered {
        return report_error(&AppError::Output(message));
    }
    if output.format == Format::Github {
        step_summary(report, &opts);
    }
    partial_or(report, || match (fail_on, report.max_severity()) {
        (Some(threshold), Some(max)) if max >= threshold => exit::FINDINGS,
        _ => exit::OK,
    })
}

/// In GitHub Actions, `--format github` also writes the Markdown report to the job summary
/// (`$GITHUB_STEP_SUMMARY`), where the findings beyond the runner's 10 annotations stay readable.
/// A summary that cannot be written is a warning: the annotations already went out.
fn step_summary(report: &Report, opts: &RenderOptions) {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return;
    };
    let text = report::markdown::to_string(report, opts);
    let written = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .and_then(|mut file| file.write_all(text.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(path = %Path::new(&path).display(), error = %e, "could not write the step summary");
    }
}

/// The terminal's width when stdout is one (and `COLUMNS` when set, as shells export it).
fn terminal_width(to_stdout: bool) -> Option<usize> {
    if !to_stdout || !io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).filter(|&c| c > 0);
    columns.or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
}

/// Where the run is in its repository: `--repo-root` (or `TALLY_REPO_ROOT`), else the nearest
/// directory holding `.git` (a directory, or a file in a worktree or submodule). Outside any
/// repository, paths stay relative to the working directory.
pub(super) fn repo_paths(flag: Option<&Path>) -> RepoPaths {
    let Ok(cwd) = std::env::current_dir() else {
        return RepoPaths::default();
    };
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let root: Option<PathBuf> = match flag {
        Some(root) => Some(cwd.join(root)),
        None => cwd.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf),
    };
    let Some(root) = root.map(|r| r.canonicalize().unwrap_or(r)) else {
        return RepoPaths::default();
    };
    let slashes = |p: &Path| p.to_string_lossy().replace('\\', "/");
    RepoPaths { cwd: Some(slashes(&cwd)), root: Some(slashes(&root)) }
}

/// Exit 3 when the data is partial (said on stderr), else what `otherwise` decides.
fn partial_or(report: &Report, otherwise: impl FnOnce() -> u8) -> u8 {
    if report.partial {
        tracing::warn!(
            problems = report.diagnostics.len(),
            "result is partial: some inputs could not be read"
        );
        return exit::PARTIAL;
    }
    otherwise()
}

/// `tally collect`: write the snapshot where asked; exit 3 when some of it could not be read.
pub(super) fn run_collect(args: &CollectCmd) -> u8 {
    let snapshot = match app::collect(&args.request()) {
        Ok(s) => s,
        Err(e) => return report_error(&e),
    };
    let written = emit(args.output.as_deref(), 0, |out| {
        serde_json::to_writer_pretty(&mut *out, &snapshot).map_err(io::Error::from)?;
        writeln!(out)
    });
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    let gaps = visibility_gaps(&snapshot);
    if args.collect.aws.require_visibility && gaps > 0 {
        return exit::PARTIAL;
    }
    let failed = snapshot.failed_attempts().count();
    if failed > 0 {
        tracing::warn!(failed, "snapshot is partial: some accounts, regions or sources could not be read");
        return exit::PARTIAL;
    }
    exit::OK
}

/// Warn about each place never-tagged resources could not be seen; returns how many.
fn visibility_gaps(snapshot: &crate::snapshot::Snapshot) -> usize {
    let Some(v) = crate::audit::visibility_of(snapshot) else { return 0 };
    for gap in &v.gaps {
        tracing::warn!("{}", gap.message());
    }
    v.gaps.len()
}

/// `tally export`: build the rows, write them where asked. Exit 0, or 2 on bad input.
pub(super) fn export(request: &ExportRequest, args: &ExportArgs) -> u8 {
    if args.output.is_none() && matches!(args.format, ExportFormat::Parquet | ExportFormat::FocusParquet) {
        return report_error(&AppError::Input(crate::error::InputError::Usage(
            "--format parquet needs --output FILE".to_string(),
        )));
    }
    if matches!(args.format, ExportFormat::Focus | ExportFormat::FocusParquet) {
        return focus_export(request, args);
    }
    if args.format == ExportFormat::Csv {
        return export_csv(request, args);
    }
    let export = match app::export(request) {
        Ok(e) => e,
        Err(e) => return report_error(&e),
    };
    // A CSV row is about 250 bytes: sized up front instead of doubling a large buffer.
    let capacity = export.rows.len().saturating_mul(256);
    let written = emit(args.output.as_deref(), capacity, |out| match args.format {
        ExportFormat::Csv => write_csv(&export, out),
        ExportFormat::Parquet | ExportFormat::Focus | ExportFormat::FocusParquet => {
            // The Parquet writer wants a `Send` sink; a file's bytes are in memory anyway.
            let mut buf = Vec::new();
            write_parquet(&export, &mut buf).map_err(io::Error::other)?;
            out.write_all(&buf)
        }
    });
    match written {
        Ok(()) => exit::OK,
        Err(message) => report_error(&AppError::Output(message)),
    }
}

/// `tally export --format csv`: streamed when the rows allow (`app::export_csv`), into a
/// temporary file that becomes the output only once every row was written and the totals
/// reconciled, so a failure is exit 2 with nothing written; on stdout, the temporary file is
/// copied out at the end, for the same reason.
fn export_csv(request: &ExportRequest, args: &ExportArgs) -> u8 {
    let streamed = match app::export_csv(request) {
        Ok(app::CsvExport::Streamed(s)) => s,
        Ok(app::CsvExport::Built(export)) => {
            let capacity = export.rows.len().saturating_mul(256);
            return match emit(args.output.as_deref(), capacity, |out| write_csv(&export, out)) {
                Ok(()) => exit::OK,
                Err(message) => report_error(&AppError::Output(message)),
            };
        }
        Err(e) => return report_error(&e),
    };
    spooled_export(args.output.as_deref(), |out| streamed.write(out))
}

/// [`emit`] for a render that can fail after writing: to a file, through `emit`'s temporary
/// file; to stdout, through a temporary file copied out once `render` succeeded.
fn spooled(
    path: Option<&Path>,
    render: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    match path {
        Some(_) => emit(path, 1 << 20, render),
        None => (|| {
            use std::io::Seek;
            let mut spool = io::BufWriter::new(tempfile::tempfile()?);
            render(&mut spool)?;
            let mut file = spool.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.rewind()?;
            Ok(file)
        })()
        .map_err(|e: io::Error| format!("a temporary file: {e}"))
        .and_then(|mut file| emit(None, 1 << 20, |out| io::copy(&mut file, out).map(|_| ()))),
    }
}

/// [`spooled`] for an export whose render can fail on its data ([`app::StreamError::App`]): that
/// error is the run's (exit 2, nothing written), else the output's own.
fn spooled_export(
    path: Option<&Path>,
    mut render: impl FnMut(&mut dyn Write) -> Result<(), app::StreamError>,
) -> u8 {
    let mut failed: Option<AppError> = None;
    let mut write = |out: &mut dyn Write| -> io::Result<()> {
        render(out).map_err(|e| match e {
            app::StreamError::Io(e) => e,
            app::StreamError::App(e) => {
                failed = Some(e);
                io::Error::other("the export failed")
            }
        })
    };
    let written = spooled(path, &mut write);
    if let Some(e) = failed {
        return report_error(&e);
    }
    match written {
        Ok(()) => exit::OK,
        Err(message) => report_error(&AppError::Output(message)),
    }
}

/// `tally export --format focus|focus-parquet`: the FOCUS dataset, streamed (memory does not
/// grow with the input) into a temporary file that becomes the output only when every line
/// was written, so a bad line is exit 2 with nothing written. On stdout, the temporary file is
/// copied out at the end, for the same reason.
fn focus_export(request: &ExportRequest, args: &ExportArgs) -> u8 {
    use crate::export::focus::write::{CsvSink, ParquetSink};
    let plan = match app::focus_export(request, args.focus_version) {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    spooled_export(args.output.as_deref(), |out| {
        if args.format == ExportFormat::Focus {
            CsvSink::new(&plan.columns, &mut *out).map_err(AppError::Output).and_then(|mut sink| {
                plan.write(&mut sink)?;
                sink.finish().map_err(AppError::Output)
            })
        } else {
            ParquetSink::new(&plan.columns)
                .map_err(AppError::Output)
                .and_then(|mut sink| plan.write(&mut sink).map(|_| sink))
                .and_then(|sink| sink.finish(out).map_err(AppError::Output))
        }
        .map_err(app::StreamError::App)
    })
}

/// `tally report`: render the review where asked. Not a gate: exit 0, or 3 when the data is
/// partial, or 2 on bad input.
pub(super) fn review(cli: &Cli, args: &ReviewArgs) -> u8 {
    let mut review = match app::report(&args.request(cli.redact)) {
        Ok(r) => r,
        Err(e) => return report_error(&e),
    };
    if cli.redact {
        review.redact();
    }
    let written = emit(args.output.as_deref(), 0, |out| match args.format {
        ReviewFormat::Html => report::html::render(&review, out),
        ReviewFormat::Markdown => report::review_markdown::render(&review, out),
        ReviewFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &review).map_err(io::Error::from)?;
            writeln!(out)
        }
    });
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    partial_or(&review.report, || exit::OK)
}

/// `tally fix`: the diff (dry run) on stdout, the summary on stderr.
#[allow(clippy::print_stderr)]
pub(super) fn fix(args: &FixArgs) -> u8 {
    let outcome = match app::fix(&args.request()) {
        Ok(o) => o,
        Err(e) => return report_error(&e),
    };
    if !args.write {
        if let Err(message) = emit(None, 0, |out| out.write_all(outcome.plan.diff().as_bytes())) {
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
pub(super) fn import(args: &ImportArgs) -> u8 {
    let plan = match app::import(&args.request()) {
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
        None => emit(None, 0, |out| out.write_all(plan.to_single_text().as_bytes())),
    };
    if let Err(message) = written {
        return report_error(&AppError::Output(message));
    }
    exit::OK
}

#[allow(clippy::print_stderr)]
pub(super) fn report_error(e: &AppError) -> u8 {
    eprintln!("error: {e}");
    exit::INPUT_ERROR
}

/// Diagnostics on stderr. `-v`/`-vv` raise tally's own level. Other crates (the AWS SDK) are
/// silent below `-vv`: their warnings are probes tally expects to fail (the instance metadata
/// service on a laptop) and the errors that matter reach the user as tally's own, in plain
/// words. At `-vv` they stay at `info` (the SDK's retry decisions follow up to `debug`), because
/// the SDK's debug and trace events print resolved identities and signed requests: the access
/// key id would reach the log. Colour follows `--color`, then `NO_COLOR`, then whether stderr is
/// a terminal.
pub(super) fn init_logging(cli: &Cli) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::fmt;
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
    // SDK noise (IMDS probes and the like) below -vv never shows; the credential providers' INFO
    // events name the credentials they loaded, access key id included (profile files, SSO,
    // assume-role): warnings only, at every verbosity.
    let others = if cli.verbose >= 2 { LevelFilter::INFO } else { LevelFilter::OFF };
    let targets = Targets::new()
        .with_default(others)
        .with_target("tally", level)
        .with_target(
            "aws_smithy_runtime::client::retries",
            if cli.verbose >= 2 { LevelFilter::DEBUG } else { LevelFilter::OFF },
        )
        .with_target("aws_config", others.min(LevelFilter::WARN))
        .with_target("aws_credential_types", others.min(LevelFilter::WARN))
        .with_target("aws_sdk_sts", others.min(LevelFilter::WARN))
        .with_target("aws_sdk_sso", others.min(LevelFilter::WARN))
        .with_target("aws_sdk_ssooidc", others.min(LevelFilter::WARN));
    let ansi = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let layer = tracing_subscriber::fmt::layer().with_writer(io::stderr).with_target(false);
    let registry = tracing_subscriber::registry();
    let _ = match cli.log_format {
        LogFormat::Json => {
            registry.with(layer.json().with_current_span(false).with_filter(targets)).try_init()
        }
        // `-v` is asked for to see what a run did and where its time went: each line says the
        // seconds since the run started. A plain run's warnings stay one short line each.
        LogFormat::Text if cli.verbose > 0 && !cli.quiet => registry
            .with(layer.with_timer(fmt::time::Uptime::default()).with_ansi(ansi).with_filter(targets))
            .try_init(),
        LogFormat::Text => {
            registry.with(layer.without_time().with_ansi(ansi).with_filter(targets)).try_init()
        }
    };
}
