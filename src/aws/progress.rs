//! Progress bars while collecting: one bar per account (its regions x sources, Cost Explorer,
//! Budgets) and a total when there are several, on stderr. Drawn only when the caller asks
//! (`CollectOptions::progress`: stderr is a terminal and not `--quiet`) and stderr is a
//! terminal; otherwise every call is a no-op, so tests and CI logs never see them.
//!
//! Not here: what the tasks do, or deciding whether to show bars.

use std::collections::BTreeMap;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Beyond this many accounts only the total bar is drawn: a screen of bars helps nobody.
const MAX_ACCOUNT_BARS: usize = 12;

pub(crate) struct Progress {
    /// Kept so the bars stay registered with one draw target until the end.
    _multi: MultiProgress,
    total: Option<ProgressBar>,
    accounts: BTreeMap<String, ProgressBar>,
}

impl Progress {
    /// `tasks`: account -> number of tasks that will report for it.
    pub(crate) fn new(enabled: bool, tasks: &BTreeMap<String, u64>) -> Self {
        let target = if enabled { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template("{prefix:>14} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let sum: u64 = tasks.values().sum();
        let total = (tasks.len() != 1).then(|| {
            let bar = multi.add(ProgressBar::new(sum).with_style(style.clone()).with_prefix("all accounts"));
            bar.set_message(format!("{} accounts", tasks.len()));
            bar
        });
        let accounts = if tasks.len() <= MAX_ACCOUNT_BARS {
            tasks
                .iter()
                .map(|(account, n)| {
                    let bar = multi
                        .add(ProgressBar::new(*n).with_style(style.clone()).with_prefix(account.clone()));
                    (account.clone(), bar)
                })
                .collect()
        } else {
            BTreeMap::new()
        };
        Self { _multi: multi, total, accounts }
    }

    /// One task of `account` finished; `what` says which (`eu-west-1 tagging-api`).
    pub(crate) fn done(&self, account: &str, what: &str) {
        if let Some(bar) = self.accounts.get(account) {
            bar.inc(1);
            bar.set_message(what.to_string());
        }
        if let Some(total) = &self.total {
            total.inc(1);
        }
    }

    /// Remove the bars: what stays on the terminal is the log's summary.
    pub(crate) fn finish(&self) {
        for bar in self.accounts.values().chain(self.total.iter()) {
            bar.finish_and_clear();
        }
    }

    #[cfg(test)]
    fn positions(&self) -> (Option<u64>, BTreeMap<String, u64>) {
        (
            self.total.as_ref().map(ProgressBar::position),
            self.accounts.iter().map(|(a, b)| (a.clone(), b.position())).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_account_and_in_total_without_drawing() {
        let tasks: BTreeMap<String, u64> =
            [("111111111111".to_string(), 4), ("222222222222".to_string(), 2)].into_iter().collect();
        let p = Progress::new(false, &tasks);
        p.done("111111111111", "eu-west-1 tagging-api");
        p.done("111111111111", "eu-west-1 config");
        p.done("222222222222", "costs");
        p.done("333333333333", "an account nobody announced is only counted in the total");
        assert_eq!(
            p.positions(),
            (
                Some(4),
                [("111111111111".to_string(), 2), ("222222222222".to_string(), 1)].into_iter().collect()
            )
        );
        p.finish();
    }

    #[test]
    fn one_account_has_no_total_and_many_accounts_only_a_total() {
        let one: BTreeMap<String, u64> = [("111111111111".to_string(), 3)].into_iter().collect();
        assert_eq!(Progress::new(false, &one).positions().0, None);
        let many: BTreeMap<String, u64> = (0..20).map(|i| (format!("{i:012}"), 1)).collect();
        let p = Progress::new(false, &many);
        p.done("000000000003", "x");
        assert_eq!(p.positions(), (Some(1), BTreeMap::new()));
    }
}
