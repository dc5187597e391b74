//! Redaction: secrets removed, identifiers replaced by consistent keyed pseudonyms.
