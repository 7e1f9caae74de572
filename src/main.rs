//! The `tally` binary: all work happens in the library; this maps it to a process exit code.

fn main() -> std::process::ExitCode {
    tally::cli::main()
}
