//! The house rule of ARCHITECTURE.md, enforced: the rooms of `src/` are layered, and a room
//! imports only rooms on a lower floor. A new upward import (say `audit` using `report`, or a
//! reader using `policy`) fails here with the file and line, before it can grow into a cycle.

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::repo;

/// Each room and its floor; a room may use rooms on lower floors only. Keep in step with the
/// map in ARCHITECTURE.md.
const FLOORS: &[(&str, u8)] = &[
    ("error", 0),
    ("source", 0),
    ("money", 0),
    ("parallel", 0),
    ("hcl_syntax", 1),
    ("model", 1),
    ("costs", 2),
    ("snapshot", 2),
    ("terraform", 2),
    ("policy", 2),
    ("aws", 3),
    ("export", 3),
    ("config", 3),
    ("pricing", 3),
    ("audit", 4),
    ("report", 5),
    ("fix", 6),
    ("import", 7),
    ("app", 8),
    ("cli", 9),
];

fn room_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

/// `crate::room` paths in the non-test part of a file, with their line numbers.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        if line.trim_start().starts_with("//") {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let room: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push((n + 1, room));
            rest = after;
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn rooms_import_only_rooms_on_lower_floors() {
    let floors: BTreeMap<&str, u8> = FLOORS.iter().copied().collect();
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for file in &files {
        let room = room_of(file, &src);
        // The library's root, and the binary's own modules (`main.rs` and the allocator it
        // declares), which stand outside the library's floors.
        if room == "lib" || room == "main" || room == "allocator" {
            continue;
        }
        let Some(&floor) = floors.get(room.as_str()) else {
            panic!(
                "{}: room `{room}` has no floor in FLOORS (add it, and to ARCHITECTURE.md)",
                file.display()
            );
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in crate_paths(&text) {
            if target == room {
                continue;
            }
            if target.is_empty() {
                let rel = file.strip_prefix(repo()).unwrap().display().to_string();
                upward.push(format!(
                    "{rel}:{line}: write one `crate::room::...` path per room, not `crate::{{...}}`"
                ));
                continue;
            }
            let target_floor =
                *floors.get(target.as_str()).unwrap_or_else(|| panic!("unknown room {target}"));
            if target_floor >= floor {
                let rel = file.strip_prefix(repo()).unwrap().display().to_string();
                upward.push(format!(
                    "{rel}:{line}: {room} (floor {floor}) uses {target} (floor {target_floor})"
                ));
            }
        }
    }
    assert!(upward.is_empty(), "imports that do not go down a floor:\n{}", upward.join("\n"));
}

#[test]
fn the_floor_check_sees_an_upward_import() {
    let paths = crate_paths("use crate::report::Finding;\n// crate::cli in a comment\nfn f() { crate::model::x(); }\n#[cfg(test)]\nuse crate::app;");
    assert_eq!(paths, vec![(1, "report".to_string()), (3, "model".to_string())]);
}
