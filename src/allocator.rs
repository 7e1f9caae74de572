//! The binary's heap: mimalloc, with two of its options given before its first allocation.
//! Not the library's business: tests and other users of `tally` keep their own allocator.
//!
//! Why the options (docs/performance.md, session 7): most of a small `tally lint` is process
//! start-up and exit, and mimalloc took a share of both.
//! - `arena_reserve`: mimalloc reserves its first arena at its first allocation, 1 GiB by
//!   default, and initialises that arena's bitmaps there and then: about 40 page faults, 8% of
//!   a small root's. 64 MiB arenas cost a few; a large run takes more of them (the whole
//!   corpus peaks at ~70 MiB).
//! - `destroy_on_exit` above 1 makes mimalloc skip its exit handler, which otherwise collects
//!   every heap and gives the freed memory back page run by page run (a dozen `madvise` calls)
//!   just before the kernel takes the whole address space anyway. Kept when mimalloc is asked
//!   for statistics or verbose output (`MIMALLOC_SHOW_STATS`, `MIMALLOC_VERBOSE`), which that
//!   handler prints.
//!
//! mimalloc reads `arena_reserve` when it reserves an arena, i.e. at the first allocation, and
//! the first allocation happens in std's runtime set-up, before `main`: setting the option in
//! `main` is too late. So the allocator itself sets both, once, before it first allocates. Each
//! is only a default: the `MIMALLOC_*` environment variables still win.

// `unsafe` is denied in the crate; a global allocator cannot be written without it. Every
// block below only forwards to mimalloc under the caller's own `GlobalAlloc` contract, or calls
// mimalloc's option functions, which take plain integers and may be called at any time.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::Once;

use libmimalloc_sys::{
    mi_option_is_enabled, mi_option_set_default, mi_option_show_stats, mi_option_t, mi_option_verbose,
};
use mimalloc::MiMalloc;

/// Positions in mimalloc 3.3's `mi_option_t` that libmimalloc-sys does not name; the tests
/// check them against mimalloc's defaults and pin the version they were read from.
const DESTROY_ON_EXIT: mi_option_t = 22;
const ARENA_RESERVE: mi_option_t = 23;
/// In KiB, as mimalloc takes it.
const ARENA_RESERVE_KIB: std::ffi::c_long = 64 << 10;

/// mimalloc, its options set before its first allocation.
pub struct Allocator;

static OPTIONS: Once = Once::new();

/// Set the options on the first call; afterwards a single load. `Once` does not allocate, and
/// mimalloc's option functions never call back into this allocator.
#[inline]
fn options() {
    OPTIONS.call_once(|| {
        // SAFETY: plain integer arguments; a `Once` runs this on one thread, before any
        // allocation made through this allocator.
        unsafe {
            mi_option_set_default(ARENA_RESERVE, ARENA_RESERVE_KIB);
            if !mi_option_is_enabled(mi_option_show_stats) && !mi_option_is_enabled(mi_option_verbose) {
                mi_option_set_default(DESTROY_ON_EXIT, 2);
            }
        }
    });
}

// SAFETY: every method forwards to `MiMalloc` with the arguments it was given, under the same
// contract; `options` neither allocates nor frees.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        options();
        // SAFETY: the caller's `GlobalAlloc::alloc` contract, passed on.
        unsafe { MiMalloc.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        options();
        // SAFETY: as `alloc`.
        unsafe { MiMalloc.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc`/`alloc_zeroed`/`realloc` above, i.e. from `MiMalloc`.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `dealloc`; a block to reallocate was allocated, so the options are set.
        unsafe { MiMalloc.realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::{mi_option_get, mi_version};

    /// The test binary allocates through `Allocator` too (it is the binary's global
    /// allocator), so its options were set before the tests ran; the environment wins.
    #[test]
    fn options_are_set_before_main() {
        // SAFETY (each call): no arguments, or a valid option index.
        assert_eq!(unsafe { mi_version() }, 30302, "check DESTROY_ON_EXIT and ARENA_RESERVE again");
        let from_env = |name: &str| std::env::var_os(name).is_some();
        if !from_env("MIMALLOC_ARENA_RESERVE") {
            assert_eq!(unsafe { mi_option_get(ARENA_RESERVE) }, ARENA_RESERVE_KIB);
        }
        let stats = from_env("MIMALLOC_SHOW_STATS") || from_env("MIMALLOC_VERBOSE");
        if !from_env("MIMALLOC_DESTROY_ON_EXIT") && !stats {
            assert_eq!(unsafe { mi_option_get(DESTROY_ON_EXIT) }, 2);
        }
    }

    /// The positions are the options' named in the environment: this binary run again with
    /// `MIMALLOC_ARENA_RESERVE` and `MIMALLOC_DESTROY_ON_EXIT` reads those values there.
    #[test]
    fn option_positions_are_the_named_options() {
        let exe = std::env::current_exe().unwrap();
        let run = std::process::Command::new(exe)
            .args(["--ignored", "--exact", "allocator::tests::reads_the_environment_at_the_positions"])
            .env("MIMALLOC_ARENA_RESERVE", "3MiB")
            .env("MIMALLOC_DESTROY_ON_EXIT", "3")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
        assert!(stdout.contains("1 passed"), "{stdout}");
    }

    /// Run by `option_positions_are_the_named_options`, in a process of its own.
    #[test]
    #[ignore = "run by option_positions_are_the_named_options with the environment it needs"]
    fn reads_the_environment_at_the_positions() {
        // SAFETY: valid option indices.
        assert_eq!(unsafe { mi_option_get(ARENA_RESERVE) }, 3 << 10);
        assert_eq!(unsafe { mi_option_get(DESTROY_ON_EXIT) }, 3);
    }
}
