//! Located errors and warnings about a spec.
//!
//! Every problem names the spec file and an RFC 6901 JSON pointer into it,
//! plus the line when the parser knows it, so a user can jump straight to
//! the offending node.

use std::fmt;
use std::path::{Path, PathBuf};

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    let mut escaped = String::with_capacity(token.len());
    push_escaped(&mut escaped, token);
    escaped
}

/// Appends `token` to `text`, escaped as [`escape_token`] does.
fn push_escaped(text: &mut String, token: &str) {
    // Lowering joins a pointer for nearly every node it visits; tokens
    // rarely hold `~` or `/`, so they are copied in runs between those.
    let mut rest = token;
    while let Some(at) = rest.find(['~', '/']) {
        text.push_str(&rest[..at]);
        text.push_str(if rest.as_bytes()[at] == b'~' {
            "~0"
        } else {
            "~1"
        });
        rest = &rest[at + 1..];
    }
    text.push_str(rest);
}

/// A JSON pointer under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pointer(String);

impl Pointer {
    /// The document root (the empty pointer).
    pub fn root() -> Self {
        Pointer(String::new())
    }

    /// Parses a `#/a/b` reference into a pointer.
    pub fn from_fragment(reference: &str) -> Option<Self> {
        reference.strip_prefix('#').map(|p| Pointer(p.to_owned()))
    }

    /// The pointer one level down, at `token`.
    pub fn join(&self, token: impl AsRef<str>) -> Self {
        let token = token.as_ref();
        let mut pointer = String::with_capacity(self.0.len() + 1 + token.len());
        pointer.push_str(&self.0);
        pointer.push('/');
        push_escaped(&mut pointer, token);
        Pointer(pointer)
    }

    /// The pointer as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This pointer extended by a serde path (where deserialization failed).
    pub fn join_serde_path(self, path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        path.iter().fold(self, |pointer, segment| match segment {
            Segment::Seq { index } => pointer.join(index.to_string()),
            Segment::Map { key } => pointer.join(key),
            Segment::Enum { variant } => pointer.join(variant),
            Segment::Unknown => pointer,
        })
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// A problem in a spec, located by file, JSON pointer and (when known) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub pointer: Pointer,
    pub line: Option<usize>,
    pub message: String,
}

impl Diagnostic {
    pub fn new(file: &Path, pointer: Pointer, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_owned(),
            pointer,
            line: None,
            message: message.into(),
        }
    }

    pub fn with_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": at {}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Warnings collected while lowering: constructs that were degraded safely.
#[derive(Debug, Default)]
pub struct Warnings {
    file: PathBuf,
    items: Vec<Diagnostic>,
}

impl Warnings {
    pub fn new(file: &Path) -> Self {
        Warnings {
            file: file.to_owned(),
            items: Vec::new(),
        }
    }

    pub fn warn(&mut self, pointer: &Pointer, message: impl Into<String>) {
        self.items
            .push(Diagnostic::new(&self.file, pointer.clone(), message));
    }

    pub fn into_vec(mut self) -> Vec<Diagnostic> {
        self.items
            .sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
        self.items.dedup();
        self.items
    }
}

impl Warnings {
    /// An empty collection for the same file, for work done on another
    /// thread; [`Warnings::absorb`] brings its warnings back.
    pub fn fork(&self) -> Self {
        Warnings::new(&self.file)
    }

    /// Adds the warnings of a [`Warnings::fork`], after these.
    pub fn absorb(&mut self, other: Warnings) {
        self.items.extend(other.items);
    }

    /// Whether nothing has been reported yet.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Where the nodes of a converted document (Swagger 2.0, OpenAPI 3.1) came
/// from, so that problems found after conversion still point into the file
/// the user wrote: each entry maps a converted subtree to its original.
#[derive(Debug, Default, Clone)]
pub struct Origins {
    moves: Vec<(Pointer, Pointer)>,
}

impl Origins {
    /// Records that the subtree now at `now` was written at `was`.
    pub fn record(&mut self, now: Pointer, was: Pointer) {
        if now != was {
            self.moves.push((now, was));
        }
    }

    /// The original location of `pointer`: the innermost recorded subtree
    /// that contains it, re-rooted; unchanged when nothing was moved there.
    pub fn locate(&self, pointer: &Pointer) -> Pointer {
        self.moves
            .iter()
            .filter(|(now, _)| is_within(pointer, now))
            .max_by_key(|(now, _)| now.0.len())
            .map_or_else(
                || pointer.clone(),
                |(now, was)| Pointer(format!("{}{}", was.0, &pointer.0[now.0.len()..])),
            )
    }

    /// A diagnostic about the converted document, moved to the original.
    pub fn relocate(&self, mut diagnostic: Diagnostic) -> Diagnostic {
        diagnostic.pointer = self.locate(&diagnostic.pointer);
        diagnostic
    }
}

/// Whether `pointer` is `prefix` or below it (token-wise, not by text).
fn is_within(pointer: &Pointer, prefix: &Pointer) -> bool {
    pointer.0 == prefix.0
        || (pointer.0.starts_with(&prefix.0) && pointer.0[prefix.0.len()..].starts_with('/'))
}

/// Lowering warnings (relocated through `origins`) and loading warnings
/// (already located in the original document), in one sorted list.
pub fn merge_warnings(
    lowering: Vec<Diagnostic>,
    origins: &Origins,
    loading: &[Diagnostic],
) -> Vec<Diagnostic> {
    let mut all: Vec<Diagnostic> = lowering
        .into_iter()
        .map(|d| origins.relocate(d))
        .chain(loading.iter().cloned())
        .collect();
    all.sort_by(|a, b| a.pointer.cmp(&b.pointer).then(a.message.cmp(&b.message)));
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6901 §3: `~` becomes `~0` and `/` becomes `~1`, so that `~1` in
    /// a name does not read back as `/`.
    #[test]
    fn tokens_are_escaped() {
        assert_eq!(escape_token("plain"), "plain");
        assert_eq!(escape_token("/users/{id}"), "~1users~1{id}");
        assert_eq!(escape_token("a~1b"), "a~01b");
        assert_eq!(escape_token("/~"), "~1~0");
        assert_eq!(escape_token("é/~"), "é~1~0");
        let pointer = Pointer::root()
            .join("paths")
            .join("/a~b")
            .join(3.to_string());
        assert_eq!(pointer.as_str(), "/paths/~1a~0b/3");
    }
}
