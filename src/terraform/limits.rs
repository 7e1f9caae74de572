//! Size bounds on values the Terraform evaluator builds, so hostile code (a local that doubles a
//! string or a list 44 times) is an evaluation error at its line instead of an allocation abort.
//! The evaluator calls [`check`] on every value a template, function call or `for` expression
//! produces: a value can at most double per step (concatenating two checked values), so the
//! largest allocation is bounded by twice the caps.
//!
//! Not here: the bound on module and resource instances (`hcl::MAX_TOTAL_INSTANCES`).

use super::eval::{EvalError, Value};

/// Longest string an expression may produce: 16 MiB (tag values are at most 256 characters, but
/// real code builds policy documents and user data with `indent`/`join` that run to megabytes).
pub const MAX_STRING_BYTES: usize = 1 << 24;
/// Most elements of one list or map an expression may produce.
pub const MAX_COLLECTION_LEN: usize = 100_000;

/// `Ok(value)` when it is within the caps (its top level: nested values were checked when they
/// were built), else an error saying which cap.
pub(crate) fn check(value: Value) -> Result<Value, EvalError> {
    match &value {
        Value::String(s) if s.len() > MAX_STRING_BYTES => Err(EvalError::new(format!(
            "a string of {} bytes is longer than the {MAX_STRING_BYTES} bytes tally evaluates",
            s.len()
        ))),
        Value::List(items) if items.len() > MAX_COLLECTION_LEN => Err(too_many(items.len())),
        Value::Map(map) if map.entries.len() > MAX_COLLECTION_LEN => Err(too_many(map.entries.len())),
        _ => Ok(value),
    }
}

fn too_many(n: usize) -> EvalError {
    EvalError::new(format!(
        "a collection of {n} elements is larger than the {MAX_COLLECTION_LEN} tally evaluates"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps() {
        assert!(check(Value::String("x".repeat(MAX_STRING_BYTES))).is_ok());
        assert!(check(Value::String("x".repeat(MAX_STRING_BYTES + 1))).is_err());
        assert!(check(Value::List(vec![Value::Null; MAX_COLLECTION_LEN + 1])).is_err());
        assert!(check(Value::List(vec![Value::Null; 3])).is_ok());
    }
}
