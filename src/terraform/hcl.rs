//! Placeholder until the HCL reader lands.
use crate::error::InputError;
use crate::model::{Diagnostic, TfResource};
use std::path::{Path, PathBuf};
pub struct CodeOptions {
    pub var_files: Vec<PathBuf>,
}
pub struct CodeModel {
    pub resources: Vec<TfResource>,
    pub diagnostics: Vec<Diagnostic>,
}
pub fn load_code(_dir: &Path, _opts: &CodeOptions) -> Result<CodeModel, InputError> {
    Ok(CodeModel { resources: Vec::new(), diagnostics: Vec::new() })
}
