//! `link/hot-text.txt`, the layout hint `build.rs` gives the release linker: one symbol per
//! line, made by `bench/hot-text.sh`. The linker reads it as it is, so a damaged list would
//! quietly lose the win: it must stay a list of the binary's own functions, the lint path in it.

use std::collections::BTreeSet;

use crate::support::repo;

#[test]
fn the_hot_text_list_names_the_lint_path_one_symbol_a_line() {
    let text = std::fs::read_to_string(repo().join("link/hot-text.txt")).expect("link/hot-text.txt");
    let names: Vec<&str> = text.lines().collect();
    assert!(names.len() > 1000, "{} names: regenerate with bench/hot-text.sh", names.len());
    for (n, name) in names.iter().enumerate() {
        assert!(!name.is_empty() && !name.contains(char::is_whitespace), "line {}: {name:?}", n + 1);
    }
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "a symbol listed twice");
    // Mangled paths (legacy `_ZN` and v0 `_R` manglings): the lint entry point, the HCL parser
    // and the start-up of every run must be among the functions laid out first.
    for part in ["3app4lint4lint", "8hcl_edit6parser", "3cli4main"] {
        assert!(names.iter().any(|n| n.contains(part)), "no function of {part} listed");
    }
}
