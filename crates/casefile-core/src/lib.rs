//! Casefile's core: everything that is not a user interface.
//!
//! Casefile helps a customer write a complete support request for a software vendor. This crate
//! holds the request model ([`request`]) and its validation ([`validate`]), case codes
//! ([`case_code`]), drafts on disk ([`draft`], and the app's drafts folder in [`drafts`]), the
//! desktop wizard's view of a draft ([`wizard`]), vendor profiles ([`profile`]) and what the user
//! must trust before using someone else's profile or draft ([`trust`]), the impact
//! questionnaire ([`impact`]), and response-target arithmetic ([`calendar`], [`sla`]). The
//! `casefile` CLI and the desktop app are both thin layers over it; [`wire`] is the JSON they
//! share.
//!
//! The core never prints, and the pure parts take no clock, environment or file system: the
//! caller passes the instant, the paths and the randomness.
//!
//! ```
//! use casefile_core::{profile::Catalog, sla};
//!
//! let catalog = Catalog::load(None);
//! let jetpatch = &catalog.get("jetpatch").expect("built in").profile;
//! // Monday 23 November 2026, 10:00 US Eastern (15:00 UTC).
//! let submitted = "2026-11-23T15:00:00Z".parse()?;
//! let targets = sla::response_targets(jetpatch, "standard", "1", submitted)?;
//! // Four business hours later, inside the 4 am - 4 pm window: 14:00 Eastern.
//! assert_eq!(targets.targets[0].due, Some("2026-11-23T19:00:00Z".parse()?));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod bundle;
pub mod calendar;
pub mod case_code;
pub mod collection_code;
pub mod config;
pub mod deliver;
pub mod disclose;
pub mod draft;
pub mod drafts;
pub mod evidence;
pub mod impact;
pub mod pasted;
pub mod profile;
pub mod redact;
pub mod render;
pub mod request;
pub mod settings;
pub mod sla;
pub mod template;
pub mod trust;
pub mod validate;
pub mod wire;
pub mod wizard;
