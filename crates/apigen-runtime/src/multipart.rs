//! `multipart/form-data` request bodies (RFC 7578): typed fields and file
//! parts.
//!
//! Generated code fills a [`Multipart`] field by field: [`Multipart::field`]
//! for values (a string, number or boolean as its text without a
//! `Content-Type`; an object as JSON with `Content-Type: application/json`;
//! a list as one part per item) and [`Multipart::file`] for [`FilePart`]s.
//! The `encoding` object's `contentType` of a property is passed to both.
//!
//! The boundary is derived from the parts' bytes (`apigen-` and 16 hex
//! digits) and checked not to occur in any of them, so the same request
//! always gives the same bytes.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;

/// A file sent as one part of a `multipart/form-data` body: its bytes, and
/// optionally the file name and content type sent in the part's headers.
///
/// ```
/// use apigen_runtime::FilePart;
///
/// let part = FilePart::new(b"%PDF-1.7".to_vec())
///     .with_file_name("report.pdf")
///     .with_content_type("application/pdf");
/// assert_eq!(part.len(), 8);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    data: Vec<u8>,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file part holding `data`, with no file name and the default
    /// content type (the spec's `encoding.contentType`, else
    /// `application/octet-stream`).
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Self {
            data: data.into(),
            file_name: None,
            content_type: None,
        }
    }

    /// A file part holding everything `reader` yields (a file, a socket, a
    /// decompressor); read at once, so that a retry can resend it.
    pub fn from_reader(mut reader: impl std::io::Read) -> std::io::Result<Self> {
        let mut data = Vec::new();
        reader.read_to_end(&mut data)?;
        Ok(Self::new(data))
    }

    /// Sets the file name sent in `Content-Disposition` (`filename="…"`).
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's `Content-Type`, overriding the spec's default.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The file's bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The file name, if set.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The content type, if set.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl fmt::Debug for FilePart {
    // The bytes may be large or private: only their count is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("len", &self.data.len())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// The file parts a body field holds: one [`FilePart`], an optional one, or
/// a list. Implemented for the field types generated code uses.
pub trait FileParts {
    /// The parts, in order.
    fn file_parts(&self) -> Vec<&FilePart>;
}

impl FileParts for FilePart {
    fn file_parts(&self) -> Vec<&FilePart> {
        vec![self]
    }
}

impl<T: FileParts> FileParts for Option<T> {
    fn file_parts(&self) -> Vec<&FilePart> {
        self.as_ref().map(FileParts::file_parts).unwrap_or_default()
    }
}

impl<T: FileParts> FileParts for Vec<T> {
    fn file_parts(&self) -> Vec<&FilePart> {
        self.iter().flat_map(FileParts::file_parts).collect()
    }
}

impl<T: FileParts> FileParts for Box<T> {
    fn file_parts(&self) -> Vec<&FilePart> {
        (**self).file_parts()
    }
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

/// A `multipart/form-data` body under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Multipart {
    parts: Vec<Part>,
}

impl Multipart {
    /// An empty body.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the value of field `name`: nothing for null, one part per item
    /// of a list, a text part for a scalar, a JSON part for an object.
    /// `content_type` is the spec's `encoding.contentType` for the field.
    pub fn field(
        &mut self,
        name: &str,
        value: &impl Serialize,
        content_type: Option<&str>,
    ) -> Result<(), Error> {
        let value = serde_json::to_value(value).map_err(|e| {
            Error::invalid_request(format!(
                "multipart field `{name}` cannot be serialized: {e}"
            ))
        })?;
        match value {
            Value::Array(items) => {
                for item in &items {
                    self.value(name, item, content_type);
                }
            }
            other => self.value(name, &other, content_type),
        }
        Ok(())
    }

    fn value(&mut self, name: &str, value: &Value, content_type: Option<&str>) {
        let (data, default_type) = match value {
            Value::Null => return,
            Value::String(s) => (s.clone().into_bytes(), None),
            Value::Number(_) | Value::Bool(_) => (value.to_string().into_bytes(), None),
            Value::Array(_) | Value::Object(_) => {
                (value.to_string().into_bytes(), Some("application/json"))
            }
        };
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: None,
            content_type: content_type.or(default_type).map(str::to_owned),
            data,
        });
    }

    /// Adds the file parts of field `name`. A part's own content type wins
    /// over `content_type` (the spec's `encoding.contentType`), which wins
    /// over `application/octet-stream`.
    pub fn file(&mut self, name: &str, files: &impl FileParts, content_type: Option<&str>) {
        for file in files.file_parts() {
            self.parts.push(Part {
                name: name.to_owned(),
                file_name: file.file_name.clone(),
                content_type: Some(
                    file.content_type
                        .as_deref()
                        .or(content_type)
                        .unwrap_or("application/octet-stream")
                        .to_owned(),
                ),
                data: file.data.clone(),
            });
        }
    }

    /// The `Content-Type` header value and the encoded body.
    pub(crate) fn encode(&self) -> (String, Vec<u8>) {
        let boundary = self.boundary();
        let mut body = Vec::new();
        for part in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let mut disposition = format!("form-data; name=\"{}\"", quoted(&part.name));
            if let Some(file_name) = &part.file_name {
                disposition.push_str(&format!("; filename=\"{}\"", quoted(file_name)));
            }
            body.extend_from_slice(format!("Content-Disposition: {disposition}\r\n").as_bytes());
            if let Some(content_type) = &part.content_type {
                let content_type = content_type.replace(['\r', '\n'], " ");
                body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    /// A boundary that occurs in no part: FNV-1a of the parts, rehashed
    /// until it does not occur.
    fn boundary(&self) -> String {
        fn mix(hash: &mut u64, bytes: &[u8]) {
            for &b in bytes {
                *hash ^= u64::from(b);
                *hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for part in &self.parts {
            mix(&mut hash, part.name.as_bytes());
            mix(&mut hash, &part.data);
        }
        loop {
            let boundary = format!("apigen-{hash:016x}");
            let clash = self.parts.iter().any(|p| {
                contains(&p.data, boundary.as_bytes())
                    || contains(p.name.as_bytes(), boundary.as_bytes())
                    || p.file_name
                        .as_deref()
                        .is_some_and(|f| contains(f.as_bytes(), boundary.as_bytes()))
            });
            if !clash {
                return boundary;
            }
            mix(&mut hash, boundary.as_bytes());
        }
    }
}

/// A name or file name inside a quoted header parameter: `"`, CR and LF
/// percent-encoded, as browsers do (WHATWG multipart/form-data).
fn quoted(text: &str) -> String {
    text.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_and_files() {
        let mut form = Multipart::new();
        form.field("title", &"Q3", None).unwrap();
        form.field("tags", &json!(["a", "b"]), None).unwrap();
        form.field("meta", &json!({"k": 1}), None).unwrap();
        form.field("none", &Option::<String>::None, None).unwrap();
        form.file(
            "file",
            &FilePart::new(b"x\"y".to_vec()).with_file_name("a\"b.txt"),
            Some("text/plain"),
        );
        let (content_type, body) = form.encode();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nQ3\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\na\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nb\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":1}}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.txt\"\r\nContent-Type: text/plain\r\n\r\nx\"y\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
        // Deterministic.
        assert_eq!(form.encode().0, content_type);
    }

    #[test]
    fn the_boundary_never_occurs_in_a_part() {
        let mut form = Multipart::new();
        form.file("f", &FilePart::new(b"abc".to_vec()), None);
        let (first, _) = form.encode();
        let boundary = first.rsplit('=').next().unwrap().to_owned();
        // A part holding the boundary forces another one.
        let mut form = Multipart::new();
        form.file("f", &FilePart::new(b"abc".to_vec()), None);
        let mut tricky = Multipart::new();
        tricky.parts = form.parts.clone();
        tricky.parts[0].data = boundary.clone().into_bytes();
        let (_, body) = tricky.encode();
        let (ct, _) = tricky.encode();
        let new_boundary = ct.rsplit('=').next().unwrap();
        let text = String::from_utf8(body).unwrap();
        assert_eq!(text.matches(&format!("--{new_boundary}")).count(), 2);
    }

    #[test]
    fn file_part_debug_hides_the_bytes() {
        let part = FilePart::new(b"secret".to_vec()).with_file_name("a");
        let debug = format!("{part:?}");
        assert!(
            !debug.contains("secret") && debug.contains("len: 6"),
            "{debug}"
        );
        let listed: Vec<FilePart> = vec![part.clone(), part];
        assert_eq!(listed.file_parts().len(), 2);
        assert_eq!(Some(FilePart::new(vec![])).file_parts().len(), 1);
    }
}
