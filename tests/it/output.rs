//! `--output FILE` as a user sees it: the same bytes as stdout, written through a temporary
//! file renamed into place (nothing partial, nothing left behind), an ordinary file's mode.

use crate::support::tally;

const AUDIT: [&str; 5] = [
    "audit",
    "--state",
    "terraform-examples/acme/terraform.tfstate",
    "--snapshot",
    "terraform-examples/acme/snapshot.json",
];

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tally-output-"))
        .collect()
}

#[test]
fn output_file_holds_the_bytes_stdout_gets() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["json", "markdown", "table", "sarif"] {
        let path = dir.path().join(format!("report.{format}"));
        // An existing file is replaced, not appended to.
        std::fs::write(&path, "old content that is longer than nothing at all\n".repeat(1000)).unwrap();
        let p = path.to_str().unwrap();
        let to_file = tally(&[&AUDIT[..], &["--format", format, "-o", p]].concat());
        let to_stdout = tally(&[&AUDIT[..], &["--format", format]].concat());
        assert_eq!(to_file.code, to_stdout.code, "{format}: {}", to_file.stderr);
        assert!(to_file.stdout.is_empty(), "{format}: nothing on stdout with --output");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), to_stdout.stdout, "{format}");
    }
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn output_file_gets_an_ordinary_files_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // What `File::create` gives under this process's umask: the temporary file must not stay
    // private (0600) once renamed into place.
    let plain = dir.path().join("plain");
    std::fs::File::create(&plain).unwrap();
    let path = dir.path().join("report.json");
    let run = tally(&[&AUDIT[..], &["--format", "json", "-o", path.to_str().unwrap()]].concat());
    assert!(run.code <= 1, "{}", run.stderr);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), mode(&plain));
}

#[test]
fn output_into_a_missing_directory_names_the_path_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("report.json");
    let run = tally(&[&AUDIT[..], &["--format", "json", "-o", path.to_str().unwrap()]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("no-such-dir/report.json"), "{}", run.stderr);
    assert!(!path.exists());
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn output_to_a_device_is_written_in_place() {
    // `/dev/null` is not a regular file: it is opened and written, never replaced by a rename.
    let run = tally(&[&AUDIT[..], &["--format", "json", "-o", "/dev/null"]].concat());
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(!std::fs::metadata("/dev/null").unwrap().file_type().is_file());
}
