//! The bundle: a streaming zip written with parallel compression, and read back.
