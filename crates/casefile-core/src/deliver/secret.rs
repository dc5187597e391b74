//! Where channel secrets come from: the environment (`CASEFILE_SECRET_<NAME>`, for unattended
//! use) first, then the OS keychain.

/// The environment variable that holds secret `name`: `CASEFILE_SECRET_` and the name in upper
/// case with every other character than a letter or digit turned into `_`
/// (`helpdesk-rt` → `CASEFILE_SECRET_HELPDESK_RT`).
pub fn secret_env_var(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CASEFILE_SECRET_{name}")
}
