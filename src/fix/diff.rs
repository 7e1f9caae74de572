//! Unified diffs of the files `tally fix` would change, for the dry run and the PR comment.
//! The line diff itself is the `similar` crate's (already in the build through `insta`).

use similar::TextDiff;

/// A `diff -u` of `old` and `new`, with `a/` and `b/` path prefixes as `git apply` expects.
/// Empty when the texts are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .missing_newline_hint(true)
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_has_headers_and_hunks() {
        let d = unified("main.tf", "a\nb\nc\n", "a\nb\nx = 1\nc\n");
        assert_eq!(d, "--- a/main.tf\n+++ b/main.tf\n@@ -1,3 +1,4 @@\n a\n b\n+x = 1\n c\n");
        assert_eq!(unified("main.tf", "same\n", "same\n"), "");
    }
}
