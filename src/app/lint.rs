//! `tally lint [PATH]...`: tag policies on Terraform code alone, over one root module or a whole
//! repository. No state, plan or AWS.
//!
//! Paths are files (their directories are roots, as pre-commit passes them) or directories
//! (every root module under them; the rule is [`crate::terraform::roots`]'s). Each root is
//! loaded and audited on its own, roots in parallel over the cores (one root per core, its
//! files parsed on that core), and the per-root reports are merged in root order, so the
//! output does not depend on scheduling.

use std::path::{Path, PathBuf};

use super::load::{check_dir, config_file, display, load_config, resolve, Loaded, Resolved};
use super::{AppError, Outcome, PolicyOptions, Sources};
use crate::audit::Focus;
use crate::policy::Severity;
use crate::report::Report;
use crate::terraform::{hcl, roots};

/// Lint `paths` (the current directory when empty).
///
/// `tally.hcl` is read from the one directory given, else from the current directory; its
/// `code` setting, when the directory is the one given, says where to look instead.
pub fn lint(paths: &[PathBuf], policy: &PolicyOptions) -> Result<Outcome, AppError> {
    let paths: Vec<PathBuf> = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
    let config_dir = match paths.as_slice() {
        [one] if one.is_dir() => one.clone(),
        _ => PathBuf::from("."),
    };
    let config = load_config(&config_dir)?;
    let sources = Sources { policy: policy.clone(), ..Sources::default() };
    let mut resolved = resolve(config, &sources, Some(Severity::Warning))?;
    resolved.budgets.clear();
    let search = match resolved.code.take() {
        Some(code) if paths.len() == 1 && paths[0].is_dir() => {
            check_dir(&code)?;
            vec![code]
        }
        _ => paths.clone(),
    };
    let roots::Walked { roots, users, dirs } = roots::find_roots_and_users(&search)?;
    tracing::info!(roots = roots.len(), "linting");

    let shared = hcl::SharedModules::new(users).with_walked(dirs);
    let mut reports = lint_roots(&roots, &resolved, &shared)?.into_iter();
    let Some(mut report) = reports.next() else {
        // find_roots never returns nothing without an error; say so rather than pass.
        let shown: Vec<String> = search.iter().map(|p| p.display().to_string()).collect();
        return Err(
            crate::error::InputError::Usage(format!("no Terraform files in {}", shown.join(", "))).into()
        );
    };
    if roots.len() > 1 {
        for other in reports {
            report.partial |= other.partial;
            report.inputs.terraform_resources += other.inputs.terraform_resources;
            report.inputs.other_provider_resources += other.inputs.other_provider_resources;
            report.inputs.remote_modules_not_read += other.inputs.remote_modules_not_read;
            report.findings.extend(other.findings);
            report.diagnostics.extend(other.diagnostics);
            report.exempted.extend(other.exempted);
        }
        let shown: Vec<String> = search.iter().map(|p| display(p)).collect();
        report.inputs.code = Some(shown.join(", "));
        report.inputs.roots = roots.len();
        report.finish();
    }
    report.inputs.config = config_file(&config_dir);
    Ok(Outcome { report, fail_on: resolved.fail_on })
}

/// One report per root, in the order of `roots`; the first error (in that order) wins.
fn lint_roots(
    roots: &[PathBuf],
    resolved: &Resolved,
    shared: &hcl::SharedModules,
) -> Result<Vec<Report>, AppError> {
    let several = roots.len() > 1;
    let workers = crate::parallel::workers_for(roots.len());
    if workers <= 1 {
        return roots.iter().map(|root| lint_root(root, resolved, false, several, shared)).collect();
    }
    crate::parallel::map_ordered(roots, workers, |root| lint_root(root, resolved, true, several, shared))
        .into_iter()
        .collect()
}

/// One root's report; `serial`: parse its files on this thread; `several`: it is one of
/// several roots of the run, which each finding says.
fn lint_root(
    root: &Path,
    resolved: &Resolved,
    serial: bool,
    several: bool,
    shared: &hcl::SharedModules,
) -> Result<Report, AppError> {
    let mut loaded = Loaded::default();
    let opts = hcl::CodeOptions { var_files: resolved.var_files.clone(), serial };
    let (_, parsed) = loaded.code_with(root, &opts, Some(shared))?;
    let mut report = loaded.audit("lint", resolved, Focus::Everything);
    // The fixes are planned on the trees just parsed, not on the files read and parsed again.
    crate::fix::annotate_parsed(&mut report, &resolved.policy, root, parsed.as_on_disk());
    if several {
        // A module linted through several roots has the same address
        // and file:line in each: the root says which instantiation a finding is about.
        let root = serde_json::Value::String(display(root));
        for f in report.findings.iter_mut().chain(report.exempted.iter_mut().map(|e| &mut e.finding)) {
            f.details.insert("root".to_string(), root.clone());
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lint` plans its fixes on the trees the code reader parsed; the plan must be the one
    /// made by reading and parsing the files again (fixtures with literal, absent and expression
    /// tags, provider defaults, a called module, files with and without a BOM and one in JSON syntax).
    #[test]
    fn fixes_planned_on_the_parsed_trees_are_those_planned_on_the_files() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let tmp = tempfile::tempdir().unwrap();
        let odd = tmp.path().join("odd");
        std::fs::create_dir(&odd).unwrap();
        std::fs::copy(base.join("fix/shapes/tally.hcl"), odd.join("tally.hcl")).unwrap();
        let bucket = "resource \"aws_s3_bucket\" \"b\" {\n  tags = { Team = \"x\" }\n}\n";
        std::fs::write(odd.join("bom.tf"), format!("\u{feff}{}", bucket.replace("\"b\"", "\"c\""))).unwrap();
        std::fs::write(odd.join("plain.tf"), bucket).unwrap();
        std::fs::write(
            odd.join("json.tf.json"),
            r#"{"resource": {"aws_s3_bucket": {"j": {"tags": {"Team": "x"}}}}}"#,
        )
        .unwrap();
        let dirs = [base.join("fix/shapes"), base.join("fix/default-tags"), odd];
        let mut fixes = 0;
        for dir in dirs {
            let config = load_config(&dir).unwrap();
            let sources = Sources::default();
            let resolved = resolve(config, &sources, Some(Severity::Warning)).unwrap();
            let mut loaded = Loaded::default();
            let opts = hcl::CodeOptions::default();
            let (_, parsed) = loaded.code_with(&dir, &opts, None).unwrap();
            let report = loaded.audit("lint", &resolved, Focus::Everything);
            let mut read_again = report.clone();
            crate::fix::annotate(&mut read_again, &resolved.policy, &dir);
            let mut reused = report;
            crate::fix::annotate_parsed(&mut reused, &resolved.policy, &dir, parsed.as_on_disk());
            assert_eq!(reused, read_again, "{}", dir.display());
            fixes += reused.findings.iter().filter(|f| f.details.contains_key("fix")).count();
            let on_disk: Vec<&str> = parsed.as_on_disk().map(|(path, _, _)| path).collect();
            assert!(on_disk.iter().all(|p| p.ends_with(".tf") && !p.ends_with("bom.tf")), "{on_disk:?}");
        }
        assert_eq!(fixes, 4, "the fixtures have fixes to plan");
    }
}
