//! Placeholder until the state reader lands.
use crate::error::InputError;
use crate::model::TfResource;
use std::path::{Path, PathBuf};
pub struct StateFile {
    pub resources: Vec<TfResource>,
}
pub fn load_state(_path: &Path) -> Result<StateFile, InputError> {
    Ok(StateFile { resources: Vec::new() })
}
pub fn expand_state_inputs(inputs: &[String]) -> Result<Vec<PathBuf>, InputError> {
    Ok(inputs.iter().map(PathBuf::from).collect())
}
