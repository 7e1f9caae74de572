//! Placeholder until the plan reader lands.
use crate::error::InputError;
use crate::model::TfResource;
use std::path::Path;
pub struct PlanFile {
    pub resources: Vec<TfResource>,
}
pub fn load_plan(_path: &Path) -> Result<PlanFile, InputError> {
    Ok(PlanFile { resources: Vec::new() })
}
