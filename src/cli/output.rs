//! Printing a command's result: rendering where asked (a file, else stdout), the exit code,
//! error messages and the stderr log.

use std::io::{self, IsTerminal, Write};
use std::path::Path;

use super::{exit, Cli, CollectCmd, Color, ExportArgs, LogFormat, OutputArgs, ReviewArgs, ReviewFormat};
use crate::app::{self, AppError, ExportRequest};
use crate::export::write::{write_csv, write_parquet, ExportFormat};
use crate::policy::Severity;
use crate::report::{self, RenderOptions, Report};

/// Write what `render` produces to `path`, else to stdout. A file is rendered in memory first
/// (`capacity` bytes reserved), so a failure leaves no partial file; stdout is streamed. A
/// closed pipe (`tally audit | head`) is the reader's choice, not our failure. The error names
/// where the write failed.
pub(super) fn emit(
    path: Option<&Path>,
    capacity: usize,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    match path {
        Some(path) => {
            let mut buf = Vec::with_capacity(capacity);
            render(&mut buf)
                .and_then(|()| std::fs::write(path, &buf))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let mut lock = io::stdout().lock();
            match render(&mut lock).and_then(|()| lock.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("stdout: {e}")),
            }
        }
    }
}

/// Render a command's report, or its error, and return the exit code.
pub(super) fn reported(cli: &Cli, result: Result<app::Outcome, AppError>, output: &OutputArgs) -> u8 {
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

/// Render the report where asked, then decide the exit code: partial data wins over findings
/// (the gate cannot vouch for what it did not see), findings at or above `fail_on` give 1.
fn finish(cli: &Cli, output: &OutputArgs, report: &Report, fail_on: Option<Severity>) -> u8 {
    let color = match (&output.output, cli.color) {
        (_, Color::Always) => true,
        (Some(_), _) | (None, Color::Never) => false,
        (None, Color::Auto) => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = emit(output.output.as_deref(), 0, |out| {
        report::render(report, output.format, RenderOptions { color }, out)
    });
    if let Err(message) = rendered {
        return report_error(&AppError::Output(message));
    }
    partial_or(report, || match (fail_on, report.max_severity()) {
        (Some(threshold), Some(max)) if max >= threshold => exit::FINDINGS,
        _ => exit::OK,
    })
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
    let failed = snapshot.failed_attempts().count();
    if failed > 0 {
        tracing::warn!(failed, "snapshot is partial: some accounts, regions or sources could not be read");
        return exit::PARTIAL;
    }
    exit::OK
}

/// `tally export`: build the rows, write them where asked. Exit 0, or 2 on bad input.
pub(super) fn export(request: &ExportRequest, args: &ExportArgs) -> u8 {
    if args.output.is_none() && args.format == ExportFormat::Parquet {
        return report_error(&AppError::Input(crate::error::InputError::Usage(
            "--format parquet needs --output FILE".to_string(),
        )));
    }
    let export = match app::export(request) {
        Ok(e) => e,
        Err(e) => return report_error(&e),
    };
    // A CSV row is about 250 bytes: sized up front instead of doubling a large buffer.
    let capacity = export.rows.len().saturating_mul(256);
    let written = emit(args.output.as_deref(), capacity, |out| match args.format {
        ExportFormat::Csv => write_csv(&export, out),
        ExportFormat::Parquet => {
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

/// `tally report`: render the review where asked. Not a gate: exit 0, or 3 when the data is
/// partial, or 2 on bad input.
pub(super) fn review(cli: &Cli, args: &ReviewArgs) -> u8 {
    let mut review = match app::report(&args.request()) {
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

#[allow(clippy::print_stderr)]
pub(super) fn report_error(e: &AppError) -> u8 {
    eprintln!("error: {e}");
    exit::INPUT_ERROR
}

/// Diagnostics on stderr. `-v`/`-vv` raise tally's own level; other crates stay at `info`
/// (the SDK's retry decisions follow up to `debug`), because the SDK's debug and trace events
/// print resolved identities and signed requests: the access key id would reach the log.
pub(super) fn init_logging(cli: &Cli) {
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
        .with_target("aws_smithy_runtime::client::retries", level.min(LevelFilter::DEBUG))
        // The credential providers' INFO events name the credentials they loaded, access key id
        // included (profile files, SSO, assume-role): warnings only, at every verbosity.
        .with_target("aws_config", level.min(LevelFilter::WARN))
        .with_target("aws_credential_types", level.min(LevelFilter::WARN))
        .with_target("aws_sdk_sts", level.min(LevelFilter::WARN))
        .with_target("aws_sdk_sso", level.min(LevelFilter::WARN))
        .with_target("aws_sdk_ssooidc", level.min(LevelFilter::WARN));
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
