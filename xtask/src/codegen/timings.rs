//! `APIGEN_TIMINGS=1`: how long each phase of a run took, on stderr, for
//! whoever profiles the generator. Silent otherwise.

use std::time::{Duration, Instant};

/// The phases of one piece of work, timed one after the other.
#[derive(Debug)]
pub struct Phases {
    /// What the phases are part of (`render`, `lower`), or `None` when
    /// timings are off.
    what: Option<&'static str>,
    last: Instant,
    done: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Starts timing the phases of `what`, if `APIGEN_TIMINGS` is set.
    pub fn start(what: &'static str) -> Self {
        Phases {
            what: std::env::var_os("APIGEN_TIMINGS").map(|_| what),
            last: Instant::now(),
            done: Vec::new(),
        }
    }

    /// Ends `phase`, which started where the previous one ended.
    pub fn end(&mut self, phase: &'static str) {
        if self.what.is_some() {
            let now = Instant::now();
            self.done.push((phase, now - self.last));
            self.last = now;
        }
    }

    /// Prints the phases on one line: `timings: what: a 0.120 s, b …`.
    pub fn report(&self) {
        if let Some(line) = self.line() {
            eprintln!("{line}");
        }
    }

    /// `timings: what: a 0.120 s, b …`, when timings are on.
    fn line(&self) -> Option<String> {
        let what = self.what?;
        let phases: Vec<String> = self
            .done
            .iter()
            .map(|(phase, took)| format!("{phase} {:.3} s", took.as_secs_f64()))
            .collect();
        Some(format!("timings: {what}: {}", phases.join(", ")))
    }
}

/// Prints `timings: what: text` when timings are on; `text` is made only
/// then.
pub fn note(what: &str, text: impl FnOnce() -> String) {
    if std::env::var_os("APIGEN_TIMINGS").is_some() {
        eprintln!("timings: {what}: {}", text());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_reported_in_order_and_only_when_on() {
        let mut on = Phases {
            what: Some("lower"),
            last: Instant::now(),
            done: Vec::new(),
        };
        on.end("components");
        on.end("operations");
        let line = on.line().unwrap();
        assert!(line.starts_with("timings: lower: components 0.0"), "{line}");
        assert!(line.contains(" s, operations 0.0"), "{line}");
        let mut off = Phases { what: None, ..on };
        off.end("names");
        assert_eq!(off.line(), None);
        assert_eq!(off.done.len(), 2);
    }
}
