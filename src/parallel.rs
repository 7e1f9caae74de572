//! Work spread over the machine's cores: each worker takes the next job until none is left, and
//! the results come back in job order, so what tally prints never depends on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many workers `jobs` jobs can use: one per core, at most one per job.
pub(crate) fn workers_for(jobs: usize) -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).min(jobs)
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
}
