//! Operations lowered on two threads, to the result of one.
//!
//! The first half of the operations is lowered on this thread, the second
//! on a [`TypeSpace::fork`] on the other core. What the fork made is kept
//! operation by operation, in document order, only where it is what this
//! thread would have made:
//! - inline types are named by one namer in document order, so the fork's
//!   names are replayed on this space's namer ([`TypeSpace::replay_names`]).
//!   An operation whose names come out different (both halves asked for
//!   the same title: Microsoft Graph's `CollectionOfEvent`, 169 times in
//!   graph-beta) is lowered again here;
//! - an operation that looked at a type made before the fork which this
//!   thread has changed since (a multipart body's fields become files) is
//!   lowered again here. When the fork changes such a type, it stops there;
//! - everything else an operation reads is the same in both spaces, unless
//!   an `allOf` cycle was cut (a view inside a cycle depends on where it
//!   was first asked for). Then the fork's work is dropped, and the second
//!   half is lowered here as well.
//!
//! Warnings are sorted when collected, so which thread found one does not
//! matter. This rests on an operation reading nothing another operation
//! made: its inline types are its own (lowering never reuses one across
//! operations), and the fork hands each operation's types over with it.

use std::collections::BTreeSet;
use std::path::Path;

use super::operation::{Pending, lower_operation};
use super::schema::TypeSpace;
use crate::codegen::diagnostics::{Diagnostic, Warnings};
use crate::codegen::ir::{Envelope, Operation, TypeDef};
use crate::codegen::{threads, timings};

/// Where the operations are cut between the two threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// In half, for specs big enough to gain from a second thread.
    Auto,
    /// Not at all: one thread lowers every operation (tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Never,
    /// Before operation `n` (tests).
    #[cfg_attr(not(test), allow(dead_code))]
    At(usize),
}

/// Fewest operations lowered on two threads: a second thread starts with
/// empty caches, which smaller specs do not earn back.
const MIN_OPERATIONS: usize = 1024;

/// An operation the fork lowered, with what it made and the names asked
/// for, in order.
struct Ahead {
    operation: Operation,
    names: Vec<(String, String)>,
    types: Vec<TypeDef>,
    /// Types made before the fork that the operation looked at.
    read: BTreeSet<String>,
    warnings: Warnings,
}

/// Lowers `pending` in document order into `space`, as one thread would.
pub fn lower_all<'a>(
    file: &Path,
    pending: &[Pending<'a>],
    envelope: Option<&Envelope>,
    space: &mut TypeSpace<'a>,
    split: Split,
) -> Result<Vec<Operation>, Diagnostic> {
    let at = match split {
        Split::Auto if pending.len() >= MIN_OPERATIONS => pending.len() / 2,
        Split::At(at) => at.min(pending.len()),
        Split::Auto | Split::Never => pending.len(),
    };
    if at == pending.len() || space.cut_cycle || space.too_deep().is_some() {
        return pending
            .iter()
            .map(|p| lower_operation(file, p, envelope, space))
            .collect();
    }
    let (first, second) = pending.split_at(at);
    let mut fork_warnings = space.warnings.fork();
    let fork = space.fork(&mut fork_warnings);
    let mut ahead = Vec::new();
    let mut lowered = Ok(Vec::new());
    threads::both(
        || {
            // Dropped there too: its copy of the namer is thousands of names.
            let mut fork = fork;
            ahead = lower_ahead(file, second, envelope, &mut fork);
        },
        || {
            lowered = first
                .iter()
                .map(|p| lower_operation(file, p, envelope, space))
                .collect::<Result<Vec<_>, _>>();
        },
    );
    let mut operations = lowered?;
    operations.reserve(second.len());
    if space.cut_cycle || space.too_deep().is_some() {
        ahead.clear();
    }
    let (forked, mut kept) = (ahead.len(), 0);
    let mut ahead = ahead.into_iter();
    for p in second {
        match ahead.next() {
            Some(done)
                if done.read.is_disjoint(&space.changed_settled)
                    && space.replay_names(&done.names) =>
            {
                for def in done.types {
                    space.adopt(def);
                }
                space.warnings.absorb(done.warnings);
                operations.push(done.operation);
                kept += 1;
            }
            _ => operations.push(lower_operation(file, p, envelope, space)?),
        }
    }
    #[cfg(test)]
    tests::KEPT.set(kept);
    timings::note("operations", || {
        format!(
            "{} here, {forked} on the other thread, {kept} of them kept",
            first.len()
        )
    });
    Ok(operations)
}

/// The fork's half: each operation with what it made, up to the first
/// that fails (lowered again on the other thread, which reports the
/// error) or that changes what the two threads share.
fn lower_ahead<'f>(
    file: &Path,
    pending: &[Pending<'f>],
    envelope: Option<&Envelope>,
    space: &mut TypeSpace<'f>,
) -> Vec<Ahead> {
    let mut done = Vec::with_capacity(pending.len());
    for p in pending {
        let Ok(operation) = lower_operation(file, p, envelope, space) else {
            break;
        };
        if !space.changed_settled.is_empty() || space.cut_cycle || space.too_deep().is_some() {
            // This operation and the rest are lowered again on the other
            // thread. Those before it saw no changed type, and no view
            // that a cut cycle could make differ (a view whose schemas
            // reach a cycle cuts it wherever it is computed).
            break;
        }
        let (names, types, read) = space.take_log();
        done.push(Ahead {
            operation,
            names,
            types,
            read,
            warnings: std::mem::replace(space.warnings, space.warnings.fork()),
        });
    }
    done
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use std::cell::Cell;

    use super::Split;
    use crate::codegen::load;
    use crate::codegen::lower::{Settings, lower_split};

    thread_local! {
        /// How many of the fork's operations the last cut on this thread kept.
        pub static KEPT: Cell<usize> = const { Cell::new(0) };
    }

    /// The API (or the error) of `text` with its operations cut at `split`.
    fn lowered(path: &Path, text: &str, split: Split) -> String {
        let spec = load::parse(path, text).expect("the spec parses");
        let settings = Settings {
            default_crate: "split".into(),
            source_label: "split.json".into(),
        };
        KEPT.set(0);
        format!("{:#?}", lower_split(path, &spec.openapi, &settings, split))
    }

    /// Cut anywhere, the operations lower to what one thread makes. Returns
    /// how many of the fork's operations the cut in half kept.
    fn assert_any_cut_is_serial(path: &Path, text: &str, operations: usize) -> usize {
        let serial = lowered(path, text, Split::Never);
        let half = lowered(path, text, Split::At(operations / 2));
        let kept = KEPT.get();
        assert!(
            half == serial,
            "{}: cut in half lowers differently",
            path.display()
        );
        let mut cuts = vec![
            1,
            operations / 3,
            operations / 2,
            operations.saturating_sub(1),
        ];
        cuts.dedup();
        for at in cuts {
            let split = lowered(path, text, Split::At(at));
            assert!(
                split == serial,
                "{}: cut at {at} of {operations} lowers differently",
                path.display()
            );
        }
        kept
    }

    fn operation_count(path: &Path, text: &str) -> usize {
        let spec = load::parse(path, text).expect("the spec parses");
        spec.openapi.operations().count()
    }

    #[test]
    fn every_fixture_lowers_alike_on_one_thread_and_two() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut specs: Vec<PathBuf> = ["tests/fixtures", "../spec"]
            .iter()
            .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("the directory exists"))
            .map(|entry| entry.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
            .collect();
        let cloudflare = root.join("tests/data/cloudflare-openapi-2024.json");
        specs.push(cloudflare.clone());
        specs.sort();
        assert!(specs.len() > 15, "{specs:?}");
        for path in specs {
            let text = std::fs::read_to_string(&path).expect("the spec reads");
            let operations = operation_count(&path, &text);
            if operations > 1 {
                let kept = assert_any_cut_is_serial(&path, &text, operations);
                // The fork's work is used, not merely checked and redone:
                // Cloudflare's second half asks for no name the first does.
                if path == cloudflare {
                    assert_eq!(kept, operations - operations / 2, "{}", path.display());
                }
            }
        }
    }

    /// Operations `0..count`, each with an inline response titled `Page`
    /// (so both halves ask for the same names), an inline enum parameter
    /// and a body referring to `Thing`, between the paths `before` and
    /// `after`.
    fn spec(before: &str, count: usize, after: &str) -> String {
        let paths: Vec<String> = std::iter::once(before.to_owned())
            .chain((0..count).map(|i| {
                format!(
                    r##""/things/{i}": {{"post": {{"operationId": "thing{i}",
                    "parameters": [{{"name": "sort", "in": "query",
                        "schema": {{"type": "string", "enum": ["asc", "desc"]}}}}],
                    "requestBody": {{"content": {{"application/json":
                        {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}},
                    "responses": {{"200": {{"description": "ok", "content":
                        {{"application/json": {{"schema": {{"title": "Page", "type": "object",
                        "properties": {{"items": {{"type": "array",
                        "items": {{"$ref": "#/components/schemas/Thing"}}}}}}}}}}}}}}}}}}}}"##
                )
            }))
            .chain(std::iter::once(after.to_owned()))
            .filter(|p| !p.is_empty())
            .collect();
        format!(
            r##"{{"openapi": "3.0.3", "info": {{"title": "t", "version": "1"}},
            "paths": {{{}}},
            "components": {{"schemas": {{
                "Thing": {{"type": "object", "properties": {{"name": {{"type": "string"}}}}}},
                "Upload": {{"type": "object", "properties": {{"files": {{"type": "array",
                    "items": {{"type": "string", "format": "binary"}}}}}}}}
            }}}}}}"##,
            paths.join(",\n")
        )
    }

    const MULTIPART: &str = r##""/upload": {"post": {"operationId": "upload",
        "requestBody": {"content": {"multipart/form-data":
            {"schema": {"$ref": "#/components/schemas/Upload"}}}},
        "responses": {"204": {"description": "done"}}}}"##;

    /// Reads `Upload`'s field types: files once a multipart body made them so.
    const LISTING: &str = r##""/uploads": {"get": {"operationId": "listUploads",
        "x-apigen-pagination": {"kind": "single-page", "items": "files"},
        "responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Upload"}}}}}}}"##;

    const BAD_PAGINATION: &str = r##""/broken": {"get": {"operationId": "broken",
        "x-apigen-pagination": {"kind": "sideways"},
        "responses": {"200": {"description": "ok"}}}}"##;

    #[test]
    fn what_the_fork_cannot_know_is_lowered_again() {
        let path = Path::new("split.json");
        // Names asked for by both halves (`Page`, `Page2`, …): replayed,
        // and every one of the fork's operations lowered again.
        assert_eq!(assert_any_cut_is_serial(path, &spec("", 40, ""), 40), 0);
        // A multipart body changes `Upload`, made before the fork: in the
        // second half the fork stops there; in the first, the operation of
        // the second half that reads `Upload` is lowered again.
        assert_any_cut_is_serial(path, &spec("", 40, MULTIPART), 41);
        assert_any_cut_is_serial(path, &spec(MULTIPART, 40, LISTING), 42);
        // An operation that fails in the second half fails the same way.
        let failing = spec("", 40, BAD_PAGINATION);
        assert!(lowered(path, &failing, Split::Never).starts_with("Err("));
        assert_any_cut_is_serial(path, &failing, 41);
    }
}
