//! Tests of the code reader against fixture modules in `tests/fixtures/hcl/`.
