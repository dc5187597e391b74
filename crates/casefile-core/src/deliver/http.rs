//! PLACEHOLDER: shared HTTP plumbing.
