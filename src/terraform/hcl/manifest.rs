//! Remote modules installed by `terraform init`: `.terraform/modules/modules.json` of a root.
//!
//! Registry and git module sources cannot be read from the code alone; `terraform init`
//! downloads them under `.terraform/modules/` and writes a manifest mapping each module call
//! (its key: the call names from the root, joined by dots, e.g. `vpc` or `eks.node_groups`) to
//! the directory it installed. tflint (`--call-module-type=all`) and checkov read the same
//! manifest. With it, a remote module's resources are evaluated like a local module's; without
//! it (no `init`, or a call added since), the call is counted in the report as not read, so a
//! clean lint never hides what it could not see.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::files::{hcl_diagnostic, normalise, read_text, WalkedDir};
use crate::model::{Diagnostic, SourceLocation};

/// Where Terraform records installed modules, relative to the root module's directory.
pub(super) const MANIFEST: &str = ".terraform/modules/modules.json";

#[derive(Deserialize)]
struct File {
    #[serde(rename = "Modules", default)]
    modules: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Dir")]
    dir: String,
}

/// Installed module directories by call key (normalised paths, as [`super::files::ModuleTree`]
/// keys them).
#[derive(Debug, Default)]
pub(super) struct Manifest {
    dirs: HashMap<String, PathBuf>,
}

impl Manifest {
    /// The manifest of the root module in `root`, if `terraform init` wrote one. One that
    /// cannot be read or parsed is a diagnostic (the run is partial: remote modules unread).
    /// `walked`: the roots walk's listing of `root`, if it listed it: without a `.terraform`
    /// entry there is no manifest to look for.
    pub(super) fn load(root: &Path, walked: Option<&WalkedDir>, diagnostics: &mut Vec<Diagnostic>) -> Self {
        if walked.is_some_and(|w| !w.has(".terraform")) {
            return Self::default();
        }
        let path = root.join(MANIFEST);
        if !path.exists() {
            return Self::default();
        }
        let display = path.to_string_lossy().into_owned();
        let parsed = read_text(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<File>(&text).map_err(|e| e.to_string()));
        match parsed {
            Ok(file) => Self::from_entries(root, file.modules),
            Err(e) => {
                let message = format!("cannot read the modules `terraform init` installed: {e}");
                diagnostics.push(hcl_diagnostic(SourceLocation::file(display), message));
                Self::default()
            }
        }
    }

    fn from_entries(root: &Path, entries: Vec<Entry>) -> Self {
        let dirs = entries
            .into_iter()
            // The root itself (key "") and entries that point outside the manifest's own tree
            // through absolute paths are not module calls to resolve.
            .filter(|e| !e.key.is_empty() && !Path::new(&e.dir).is_absolute())
            .map(|e| (e.key, normalise(&root.join(&e.dir))))
            .collect();
        Self { dirs }
    }

    /// The installed directory of the module call `key`.
    pub(super) fn dir(&self, key: &str) -> Option<&Path> {
        self.dirs.get(key).map(PathBuf::as_path)
    }

    /// Every installed directory, sorted, for the module tree to read.
    pub(super) fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self.dirs.values().cloned().collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_normalised_dirs_and_the_root_entry_is_dropped() {
        let text = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},
            {"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.1.0","Dir":".terraform/modules/vpc"},
            {"Key":"eks.node","Source":"./modules/node","Dir":".terraform/modules/eks/modules/node"},
            {"Key":"abs","Source":"x","Dir":"/etc"}]}"#;
        let file: File = serde_json::from_str(text).unwrap();
        let m = Manifest::from_entries(Path::new("infra/prod"), file.modules);
        assert_eq!(m.dir("vpc"), Some(Path::new("infra/prod/.terraform/modules/vpc")));
        assert_eq!(m.dir("eks.node"), Some(Path::new("infra/prod/.terraform/modules/eks/modules/node")));
        assert_eq!(m.dir(""), None);
        assert_eq!(m.dir("abs"), None);
        assert_eq!(m.dirs().len(), 2);
    }

    #[test]
    fn a_broken_manifest_is_a_diagnostic_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".terraform/modules")).unwrap();
        std::fs::write(dir.path().join(MANIFEST), "{not json").unwrap();
        let mut diags = Vec::new();
        let m = Manifest::load(dir.path(), None, &mut diags);
        assert!(m.dirs().is_empty());
        assert_eq!(diags.len(), 1);
        let text = format!("{diags:?}");
        assert!(text.contains("modules.json"), "{text}");
    }
}
