//! The `tally` binary: all work happens in the library; this maps it to a process exit code.

mod allocator;

// The readers allocate many small objects from several threads; glibc's per-thread arenas
// spent more time growing (mprotect, page faults) than parsing. See bench/hcl-throughput.sh.
// mimalloc, with the options `allocator` explains.
#[global_allocator]
static GLOBAL: allocator::Allocator = allocator::Allocator;

fn main() -> std::process::ExitCode {
    tally::cli::main()
}
