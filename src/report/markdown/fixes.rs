//! The comment's suggested fixes: the edits `tally fix --write` would make, as one diff.

use std::collections::BTreeMap;

use super::cells::thousands;
use crate::report::Report;

/// How much of the comment suggested fixes may take: a fixed slice, so the rows of findings
/// are what the length budget trims.
const FIXES_BUDGET: usize = 8_000;

/// The edits `tally fix --write` would make for the findings (their `details.fix`), as one
/// diff per file, each edit once.
pub(super) fn suggested_fixes(report: &Report, md: &mut String) {
    // (file, line) -> (deleted, inserted), in file and line order.
    let mut edits: BTreeMap<(String, u64), (String, String)> = BTreeMap::new();
    for f in &report.findings {
        let Some(changes) = f.details.get("fix").and_then(|fix| fix["changes"].as_array()) else { continue };
        for c in changes {
            let (Some(file), Some(line)) = (c["file"].as_str(), c["start_line"].as_u64()) else { continue };
            let deleted = c["deleted"].as_str().unwrap_or_default().to_string();
            let inserted = c["inserted"].as_str().unwrap_or_default().to_string();
            edits.entry((file.to_string(), line)).or_insert((deleted, inserted));
        }
    }
    if edits.is_empty() {
        return;
    }
    let mut body = String::new();
    let mut shown = 0;
    let mut last_file = "";
    for ((file, line), (deleted, inserted)) in &edits {
        let mut hunk = String::new();
        if file != last_file {
            hunk.push_str(&format!("--- a/{file}\n+++ b/{file}\n"));
        }
        hunk.push_str(&format!("@@ line {line} @@\n"));
        for l in deleted.lines() {
            hunk.push_str(&format!("-{l}\n"));
        }
        for l in inserted.lines() {
            hunk.push_str(&format!("+{l}\n"));
        }
        if body.len() + hunk.len() > FIXES_BUDGET {
            break;
        }
        body.push_str(&hunk);
        last_file = file;
        shown += 1;
    }
    md.push_str(&format!(
        "<details>\n<summary>🔧 Suggested fixes ({}): `tally fix --write` applies them</summary>\n\n",
        thousands(edits.len())
    ));
    md.push_str(&format!("~~~~diff\n{}~~~~\n\n", body.replace("~~~~", "~ ~ ")));
    if shown < edits.len() {
        md.push_str(&format!(
            "*{} more: run `tally fix` to see them all.*\n\n",
            thousands(edits.len() - shown)
        ));
    }
    md.push_str("</details>\n\n");
}
