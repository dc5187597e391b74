//! Integration tests of the core, one binary with a module per area.

mod collect;
mod confine;
mod impact;
mod profiles;
mod redaction_corpus;
mod sla;
mod validate;
mod zip;

use casefile_core::profile::{Catalog, schema::Profile};

/// A built-in profile by id.
fn builtin(id: &str) -> Profile {
    let catalog = Catalog::load(None);
    assert!(
        catalog.problems.is_empty(),
        "built-in profiles have problems: {:?}",
        catalog.problems
    );
    catalog
        .get(id)
        .unwrap_or_else(|| panic!("no built-in profile {id}"))
        .profile
        .clone()
}
