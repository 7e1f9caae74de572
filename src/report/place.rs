//! Where a finding lands in the repository, for the formats another system resolves against the
//! repository root (SARIF for code scanning, GitHub annotations, Markdown links): paths as the
//! user gave them become repository-relative, and a finding with no place of its own gets the
//! file that evidences it (the plan, the state, the snapshot, the cost file, `tally.hcl`).
//!
//! Data only: `cli` finds the repository root (it owns the process and its working directory)
//! and passes it in [`RepoPaths`]; nothing here reads the file system.

use super::{Finding, Inputs};
use crate::model::{Layer, SourceLocation};

/// Where tally ran, and the repository root paths are made relative to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepoPaths {
    /// The working directory, absolute, `/`-separated. `None` when unknown.
    pub cwd: Option<String>,
    /// The repository root, absolute, `/`-separated. `None` outside any repository: relative
    /// paths then stay relative to the working directory.
    pub root: Option<String>,
}

impl RepoPaths {
    /// `path` (relative to the working directory, or absolute) relative to the repository
    /// root, `/`-separated and normalized (`.` and `..` resolved). `None` when it is outside
    /// the root.
    pub fn relative(&self, path: &str) -> Option<String> {
        let path = path.replace('\\', "/");
        let absolute = path.starts_with('/') || is_windows_drive(&path);
        let Some(root) = self.root.as_deref() else {
            return if absolute { None } else { normalize(&path) };
        };
        let full = match (absolute, self.cwd.as_deref()) {
            (true, _) => path,
            (false, Some(cwd)) => format!("{}/{path}", cwd.replace('\\', "/")),
            (false, None) => return normalize(&path),
        };
        let full = normalize(&full)?;
        let root = normalize(&root.replace('\\', "/"))?;
        if full == root {
            return Some(String::new());
        }
        full.strip_prefix(&root)?.strip_prefix('/').map(str::to_string)
    }

    /// Like [`RepoPaths::relative`], but a path outside the repository stays as given.
    pub fn display(&self, path: &str) -> String {
        self.relative(path).unwrap_or_else(|| path.replace('\\', "/"))
    }
}

fn is_windows_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// Resolve `.` and `..` without touching the disk (the parts are compared, never opened);
/// `None` when `..` climbs above the start. Absolute paths keep their leading `/`.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    let lead = if path.starts_with('/') { "/" } else { "" };
    Some(format!("{lead}{}", parts.join("/")))
}

/// The finding's own place, else the input file that evidences it. Live findings point at the
/// snapshot they were read from; spend at the cost file, else the snapshot; budgets and
/// cost-allocation status at `tally.hcl`, else the snapshot. The line is 1 when the file, not a
/// line in it, is the evidence. `None` only when the run read no file at all (a live run with
/// neither code nor `tally.hcl`).
pub fn evidence(f: &Finding, inputs: &Inputs) -> Option<SourceLocation> {
    if let Some(loc) = &f.location {
        return Some(loc.clone());
    }
    let costs = inputs.costs.as_ref().map(|c| c.path.as_str()).filter(|p| !p.contains("://"));
    let snapshot = inputs.snapshot.as_deref();
    let config = inputs.config.as_deref();
    let plan = inputs.plan.as_deref();
    let state = inputs.states.iter().map(String::as_str).find(|p| !p.contains("://"));
    let rule = &*f.rule_id;
    let chain: [Option<&str>; 4] = match f.layer {
        Some(Layer::Plan) => [plan, config, snapshot, state],
        Some(Layer::State) => [state, config, snapshot, plan],
        Some(Layer::Live) => [snapshot, costs, config, state],
        Some(Layer::Code) => [config, plan, state, snapshot],
        None if rule.starts_with("CST") => [costs, snapshot, config, state],
        None => [config, snapshot, costs, state],
    };
    let file = chain.into_iter().flatten().next().or(plan).or(config)?;
    Some(SourceLocation { file: file.to_string(), line: Some(1), column: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(cwd: &str) -> RepoPaths {
        RepoPaths { cwd: Some(format!("/repo/{cwd}")), root: Some("/repo".to_string()) }
    }

    #[test]
    fn paths_are_made_relative_to_the_repository_root() {
        assert_eq!(at("infra").relative("./app.tf").as_deref(), Some("infra/app.tf"));
        assert_eq!(at("infra").relative("app.tf").as_deref(), Some("infra/app.tf"));
        assert_eq!(at("infra/prod").relative("../modules/x.tf").as_deref(), Some("infra/modules/x.tf"));
        assert_eq!(at("").relative("infra\\a.tf").as_deref(), Some("infra/a.tf"));
        assert_eq!(at("infra").relative("/repo/infra/app.tf").as_deref(), Some("infra/app.tf"));
        assert_eq!(at("infra").relative("/repository/app.tf"), None);
        assert_eq!(at("infra").relative("/elsewhere/app.tf"), None);
        assert_eq!(at("infra").relative("../../app.tf"), None);
        assert_eq!(at("infra").display("/elsewhere/app.tf"), "/elsewhere/app.tf");
    }

    #[test]
    fn a_root_below_the_working_directory_works_too() {
        let paths = RepoPaths { cwd: Some("/repo".into()), root: Some("/repo/infra/".into()) };
        assert_eq!(paths.relative("infra/app.tf").as_deref(), Some("app.tf"));
        assert_eq!(paths.relative("other/app.tf"), None);
    }

    #[test]
    fn without_a_repository_paths_stay_relative_to_where_tally_ran() {
        let none = RepoPaths::default();
        assert_eq!(none.relative("./infra/app.tf").as_deref(), Some("infra/app.tf"));
        assert_eq!(none.relative("/abs/app.tf"), None);
    }
}
