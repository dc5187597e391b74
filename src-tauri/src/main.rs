//! The `casefile-desktop` binary; everything lives in the library so tests can drive it.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    casefile_desktop::run();
}
