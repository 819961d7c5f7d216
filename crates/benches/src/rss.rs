//! Memory readings from `/proc/self/status` (Linux).

/// A `kB` field of `/proc/self/status`, e.g. `VmRSS` (resident now) or
/// `VmHWM` (peak resident so far); `None` where there is no such file.
pub fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

/// Resident set size now, in kB.
pub fn rss_kb() -> Option<u64> {
    status_kb("VmRSS")
}

/// Peak resident set size of the process so far, in kB.
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM")
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_rss_on_linux() {
        if cfg!(target_os = "linux") {
            let rss = super::rss_kb().unwrap();
            let peak = super::peak_rss_kb().unwrap();
            assert!(rss > 0 && peak >= rss, "{rss} {peak}");
        }
    }
}
