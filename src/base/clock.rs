//! Clock: the one place that reads the time. Honours `SOURCE_DATE_EPOCH`, so the same
//! inputs and clock give byte-identical outputs.

use chrono::{DateTime, Utc};

/// The generation time: `SOURCE_DATE_EPOCH` (seconds since 1970) when set, else now.
pub fn now() -> DateTime<Utc> {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
    {
        return t;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}
