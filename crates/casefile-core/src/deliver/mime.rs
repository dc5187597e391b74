//! PLACEHOLDER: MIME messages.
