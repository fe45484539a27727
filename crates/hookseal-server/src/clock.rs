//! The server's clock: wall time in Unix milliseconds, which every module
//! (store, delivery, gateway, API) reads, so none of them depends on another
//! for it.

/// Unix time in milliseconds (0 if the system clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
