//! Located errors and warnings about a spec.
//!
//! Every problem names the spec file and an RFC 6901 JSON pointer into it,
//! plus the line when the parser knows it, so a user can jump straight to
//! the offending node.

use std::fmt;
use std::path::{Path, PathBuf};

/// Escapes one reference token of a JSON pointer (RFC 6901 §3).
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
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
        Pointer(format!("{}/{}", self.0, escape_token(token.as_ref())))
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
