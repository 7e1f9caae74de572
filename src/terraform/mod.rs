//! Terraform readers: HCL code, state v4 and plan JSON, each producing [`TfResource`]s of the
//! one model, plus the effective-tag evaluator and resource identity (ARN) rules.
//!
//! [`TfResource`]: crate::model::TfResource

pub mod eval;
pub mod hcl;
pub mod identity;
pub mod plan;
pub mod state;
pub mod taggable;
