//! The diff as terminal text, Markdown (for a pull request) and JSON.

use std::fmt::Write as _;

use super::classify::Level;
use super::semver::Bump;
use super::{ApiDiff, Change};

/// Groups of the report, most severe first: a change goes where the worse of
/// its two levels puts it.
const GROUPS: [(Level, &str); 4] = [
    (Level::Breaking, "Breaking"),
    (Level::Additive, "Additive"),
    (Level::DocsOnly, "Docs only"),
    (Level::None, "No effect on the API"),
];

fn group_of(change: &Change) -> Level {
    change.wire.max(change.rust)
}

fn counts(changes: &[Change], side: impl Fn(&Change) -> Level) -> String {
    let mut parts = Vec::new();
    for (level, _) in GROUPS {
        let n = changes.iter().filter(|c| side(c) == level).count();
        if n > 0 && level != Level::None {
            parts.push(format!("{n} {}", level.label()));
        }
    }
    if parts.is_empty() {
        "no effect".to_owned()
    } else {
        parts.join(", ")
    }
}

fn changes_count(n: usize) -> String {
    if n == 1 {
        "1 change".to_owned()
    } else {
        format!("{n} changes")
    }
}

/// The number of changes, and the counts per wire and per Rust level.
fn totals(diff: &ApiDiff) -> (String, String, String) {
    (
        changes_count(diff.changes.len()),
        counts(&diff.changes, |c| c.wire),
        counts(&diff.changes, |c| c.rust),
    )
}

/// The non-empty groups of the changes, most severe first, with their titles.
fn groups(diff: &ApiDiff) -> impl Iterator<Item = (&'static str, Vec<&Change>)> {
    GROUPS.into_iter().filter_map(|(level, title)| {
        let group: Vec<&Change> = diff
            .changes
            .iter()
            .filter(|c| group_of(c) == level)
            .collect();
        (!group.is_empty()).then_some((title, group))
    })
}

fn verdict_text(bump: Bump, current: &str, next: &str) -> String {
    match bump {
        Bump::None => format!("{current} (unchanged)"),
        _ => format!("{current} → {next} ({})", bump.label()),
    }
}

/// Plain text for the terminal.
pub fn text(diffs: &[ApiDiff]) -> String {
    let mut out = String::new();
    for diff in diffs {
        let _ = writeln!(out, "{} ({} → {})", diff.api, diff.base, diff.new);
        if diff.changes.is_empty() {
            let _ = writeln!(out, "  no API change\n");
            continue;
        }
        let (total, wire, rust) = totals(diff);
        let _ = writeln!(out, "  {total}; wire: {wire}; Rust: {rust}");
        for c in &diff.crates {
            let _ = writeln!(
                out,
                "  {}: {}",
                c.name,
                verdict_text(c.bump, &c.current, &c.next)
            );
        }
        for (title, group) in groups(diff) {
            let _ = writeln!(out, "\n  {title} ({}):", group.len());
            for c in group {
                let _ = writeln!(
                    out,
                    "    [wire {:<9} rust {:<9}] {}: {}",
                    c.wire.label(),
                    c.rust.label(),
                    c.subject,
                    c.summary
                );
                let _ = writeln!(out, "        Rust: {}", c.rust_effect);
            }
        }
        out.push('\n');
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Markdown, ready to paste into a pull request description.
pub fn markdown(diffs: &[ApiDiff]) -> String {
    let mut out = String::new();
    for diff in diffs {
        let _ = writeln!(out, "## API changes: {} (`{}`)\n", diff.title, diff.api);
        let _ = writeln!(out, "`{}` → `{}`\n", diff.base, diff.new);
        if diff.changes.is_empty() {
            let _ = writeln!(out, "No API change.\n");
            continue;
        }
        let (total, wire, rust) = totals(diff);
        let _ = writeln!(
            out,
            "{total}. **Wire** (old clients against the new server): {wire}. **Rust** (code built against the old crates): {rust}.\n",
        );
        let _ = writeln!(out, "| Crate | Version | Rust level |");
        let _ = writeln!(out, "| --- | --- | --- |");
        for c in &diff.crates {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                c.name,
                verdict_text(c.bump, &c.current, &c.next),
                c.level.map_or("no change", Level::label)
            );
        }
        out.push('\n');
        for (title, group) in groups(diff) {
            let _ = writeln!(out, "### {title} ({})\n", group.len());
            let _ = writeln!(out, "| Where | Change | Wire | Rust | Rust consequence |");
            let _ = writeln!(out, "| --- | --- | --- | --- | --- |");
            for c in group {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    cell(&format!("`{}`", c.subject)),
                    cell(&c.summary),
                    c.wire.label(),
                    c.rust.label(),
                    cell(&c.rust_effect)
                );
            }
            out.push('\n');
        }
    }
    out
}

/// JSON: the list of API diffs.
pub fn json(diffs: &[ApiDiff]) -> String {
    serde_json::to_string_pretty(diffs).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
