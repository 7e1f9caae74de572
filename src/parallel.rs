//! Work spread over the machine's cores: each worker takes the next job until none is left, and
//! the results come back in job order, so what tally prints never depends on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// How many workers `jobs` jobs can use: one per core, at most one per job.
pub(crate) fn workers_for(jobs: usize) -> usize {
    // One job needs no count of the cores: std reads it from the cgroup files, a dozen system
    // calls, each time it is asked (a small `tally lint` asked twice).
    if jobs <= 1 {
        return jobs;
    }
    static CORES: OnceLock<usize> = OnceLock::new();
    (*CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))).min(jobs)
}

/// `f` over `jobs` on `workers` threads (on this one when `workers <= 1`), results in job
/// order. A worker panics only on a bug: its panic is re-raised rather than a job lost.
pub(crate) fn map_ordered<J: Sync, R: Send>(
    jobs: &[J],
    workers: usize,
    f: impl Fn(&J) -> R + Sync,
) -> Vec<R> {
    if workers <= 1 {
        return jobs.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        out.push((i, f(job)));
                    }
                    out
                })
            })
            .collect();
        let mut all = Vec::with_capacity(jobs.len());
        for handle in handles {
            all.extend(handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        all
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// `a` on this thread and `b` on a second one where there is a second core, else `a` then `b`
/// here; both results either way. A panic in `b` is re-raised here.
pub(crate) fn join<RA, RB: Send>(a: impl FnOnce() -> RA, b: impl FnOnce() -> RB + Send) -> (RA, RB) {
    if workers_for(2) < 2 {
        let ra = a();
        return (ra, b());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let ra = a();
        (ra, other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_job_order_whatever_the_workers() {
        let jobs: Vec<u64> = (0..1000).collect();
        for workers in [0, 1, 2, 7] {
            let out = map_ordered(&jobs, workers, |n| n * 3);
            assert_eq!(out, jobs.iter().map(|n| n * 3).collect::<Vec<_>>(), "{workers} workers");
        }
        assert!(map_ordered(&[] as &[u8], 2, |b| *b).is_empty());
        assert_eq!(workers_for(0), 0);
        assert!(workers_for(1) == 1);
    }

    #[test]
    fn join_gives_both_results_and_re_raises_the_second_panic() {
        let mut seen = Vec::new();
        let (a, b) = join(
            || {
                seen.push("a");
                1
            },
            || "two",
        );
        assert_eq!((a, b, seen), (1, "two", vec!["a"]));
        let panicked = std::panic::catch_unwind(|| join(|| 1, || -> u8 { panic!("b failed") }));
        assert!(panicked.is_err());
    }
}

/// Sorts `items` exactly as a stable `sort_by(compare)` would, but sorts their positions and
/// then moves each item once. A finding is 376 bytes: sorting a million of them moved gigabytes
/// through the merges, and the stable sort's scratch buffer of half the slice was another
/// 190 MB of fresh pages; positions are 8 bytes each.
pub(crate) fn sort_moving_once<T: Sync>(
    items: &mut [T],
    compare: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
) {
    let mut order = sorted_positions(items, &compare);
    // Position `j` takes the item at `order[j]`. Follow each cycle of the permutation: the
    // item that was at the cycle's start travels along it until its own place comes up.
    const PLACED: usize = usize::MAX;
    for start in 0..order.len() {
        let mut j = start;
        while order[j] != PLACED {
            let from = order[j];
            order[j] = PLACED;
            if from == start {
                break;
            }
            items.swap(j, from);
            j = from;
        }
    }
}

/// Below this many items a sort stays on one thread (small in tests, so that they split).
const PARALLEL_SORT: usize = if cfg!(test) { 64 } else { 1 << 14 };

/// The positions of `items` in the order of a stable sort by `compare`. A long slice is sorted
/// in two halves on two threads (nothing else runs while a report is finished: ~450k findings
/// compared by their long ARNs took a tenth of an audit's CPU) and the halves merged, the
/// first half's item first on a tie: the stable order.
fn sorted_positions<T: Sync>(
    items: &[T],
    compare: &(impl Fn(&T, &T) -> std::cmp::Ordering + Sync),
) -> Vec<usize> {
    let by = |a: &usize, b: &usize| compare(&items[*a], &items[*b]);
    let n = items.len();
    if n < PARALLEL_SORT || workers_for(2) < 2 {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(by);
        return order;
    }
    let mut first: Vec<usize> = (0..n / 2).collect();
    let mut second: Vec<usize> = (n / 2..n).collect();
    std::thread::scope(|scope| {
        let other = scope.spawn(|| second.sort_by(by));
        first.sort_by(by);
        other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    });
    let mut order = Vec::with_capacity(n);
    let (mut i, mut j) = (0, 0);
    while i < first.len() && j < second.len() {
        if by(&second[j], &first[i]) == std::cmp::Ordering::Less {
            order.push(second[j]);
            j += 1;
        } else {
            order.push(first[i]);
            i += 1;
        }
    }
    order.extend_from_slice(&first[i..]);
    order.extend_from_slice(&second[j..]);
    order
}

#[cfg(test)]
mod sort_tests {
    use super::sort_moving_once;

    #[test]
    fn sorting_positions_gives_the_stable_sort() {
        // Keys with many ties, in a scrambled order: equal keys must keep their input order.
        let items: Vec<(u32, usize)> = (0..2_000).map(|i| ((i * 7_919 % 101) as u32 % 13, i)).collect();
        let mut expected = items.clone();
        expected.sort_by_key(|a| a.0);
        let mut sorted = items.clone();
        sort_moving_once(&mut sorted, |a, b| a.0.cmp(&b.0));
        assert_eq!(sorted, expected);
        for n in 0..6 {
            let mut small: Vec<(u32, usize)> = items[..n].to_vec();
            let mut want = small.clone();
            want.sort_by_key(|a| a.0);
            sort_moving_once(&mut small, |a, b| a.0.cmp(&b.0));
            assert_eq!(small, want);
        }
        // Reversed input: one long cycle and many of length two.
        let mut reversed: Vec<usize> = (0..1_001).rev().collect();
        sort_moving_once(&mut reversed, |a, b| a.cmp(b));
        assert_eq!(reversed, (0..1_001).collect::<Vec<_>>());
    }
}
