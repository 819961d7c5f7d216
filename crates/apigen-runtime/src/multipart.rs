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
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use futures_core::Stream;
use serde::Serialize;
use serde_json::Value;

use crate::error::{BoxError, Error};

/// The chunks of a streamed file part.
pub type ChunkStream = Pin<Box<dyn Stream<Item = Result<Vec<u8>, BoxError>> + Send>>;

/// A stream that can be sent once, shared by the clones of the value that
/// holds it (equal only to its own clones).
#[derive(Clone)]
pub(crate) struct OnceStream {
    len: u64,
    stream: Arc<Mutex<Option<ChunkStream>>>,
}

impl OnceStream {
    /// The stream, the first time; `None` once it was taken.
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    pub(crate) fn take(&self) -> Option<ChunkStream> {
        self.stream.lock().ok()?.take()
    }

    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

impl PartialEq for OnceStream {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.stream, &other.stream)
    }
}

impl Eq for OnceStream {}

impl fmt::Debug for OnceStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<stream of {} bytes>", self.len)
    }
}

/// A file part's content: bytes in memory, or a stream read while sending.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    Bytes(Vec<u8>),
    Stream(OnceStream),
}

impl Default for Data {
    fn default() -> Self {
        Data::Bytes(Vec::new())
    }
}

/// One piece of an encoded body: bytes, or a stream to forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Bytes(Vec<u8>),
    Stream(OnceStream),
}

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
    data: Data,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file part holding `data`, with no file name and the default
    /// content type (the spec's `encoding.contentType`, else
    /// `application/octet-stream`).
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Self {
            data: Data::Bytes(data.into()),
            file_name: None,
            content_type: None,
        }
    }

    /// A file part whose `len` bytes come from `stream` while the request
    /// is sent, so a large file is never held in memory. The request then
    /// has a `Content-Length` (the parts' sizes are known) and is sent
    /// once: it is not retried, since the stream cannot be replayed, and
    /// sending a clone of the operation again fails with
    /// [`Error::InvalidRequest`]. A stream that ends before (or goes on
    /// after) `len` bytes fails the call.
    ///
    /// ```
    /// use apigen_runtime::FilePart;
    ///
    /// let chunks = futures_util::stream::iter(vec![
    ///     Ok::<_, std::io::Error>(b"%PDF-".to_vec()),
    ///     Ok(b"1.7".to_vec()),
    /// ]);
    /// let part = FilePart::from_stream(8, chunks).with_file_name("big.pdf");
    /// assert_eq!(part.len(), 8);
    /// ```
    pub fn from_stream<S, C, E>(len: u64, stream: S) -> Self
    where
        S: Stream<Item = Result<C, E>> + Send + 'static,
        C: Into<Vec<u8>>,
        E: Into<BoxError>,
    {
        let stream: ChunkStream = Box::pin(MapChunks(Box::pin(stream)));
        Self {
            data: Data::Stream(OnceStream {
                len,
                stream: Arc::new(Mutex::new(Some(stream))),
            }),
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

    /// The file's bytes; empty for a streamed part.
    pub fn data(&self) -> &[u8] {
        match &self.data {
            Data::Bytes(bytes) => bytes,
            Data::Stream(_) => &[],
        }
    }

    /// Whether the content comes from a stream ([`FilePart::from_stream`]).
    pub fn is_streamed(&self) -> bool {
        matches!(self.data, Data::Stream(_))
    }

    /// The number of bytes (declared, for a streamed part).
    pub fn len(&self) -> u64 {
        match &self.data {
            Data::Bytes(bytes) => bytes.len() as u64,
            Data::Stream(stream) => stream.len,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

impl FilePart {
    /// The content as body segments: its bytes, or its stream.
    pub(crate) fn segment(&self) -> Segment {
        match &self.data {
            Data::Bytes(bytes) => Segment::Bytes(bytes.clone()),
            Data::Stream(stream) => Segment::Stream(stream.clone()),
        }
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(data: Vec<u8>) -> Self {
        FilePart::new(data)
    }
}

impl From<&[u8]> for FilePart {
    fn from(data: &[u8]) -> Self {
        FilePart::new(data.to_vec())
    }
}

impl fmt::Debug for FilePart {
    // The bytes may be large or private: only their count is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FilePart")
            .field("len", &self.len())
            .field("streamed", &self.is_streamed())
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Turns a caller's stream of chunks into a [`ChunkStream`].
struct MapChunks<S>(Pin<Box<S>>);

impl<S, C, E> Stream for MapChunks<S>
where
    S: Stream<Item = Result<C, E>>,
    C: Into<Vec<u8>>,
    E: Into<BoxError>,
{
    type Item = Result<Vec<u8>, BoxError>;

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0
            .as_mut()
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map(Into::into).map_err(Into::into)))
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
    data: Data,
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
            data: Data::Bytes(data),
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
    #[cfg(test)]
    pub(crate) fn encode(&self) -> (String, Vec<u8>) {
        let (content_type, segments) = self.encode_segments();
        let mut body = Vec::new();
        for segment in segments {
            match segment {
                Segment::Bytes(bytes) => body.extend_from_slice(&bytes),
                Segment::Stream(_) => unreachable!("no streamed part in this test"),
            }
        }
        (content_type, body)
    }

    /// The `Content-Type` header value and the encoded body: bytes, with
    /// the streams of streamed parts between them.
    pub(crate) fn encode_segments(&self) -> (String, Vec<Segment>) {
        let boundary = self.boundary();
        let mut segments = Vec::new();
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
            match &part.data {
                Data::Bytes(bytes) => body.extend_from_slice(bytes),
                Data::Stream(stream) => {
                    segments.push(Segment::Bytes(std::mem::take(&mut body)));
                    segments.push(Segment::Stream(stream.clone()));
                }
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        segments.push(Segment::Bytes(body));
        (
            format!("multipart/form-data; boundary={boundary}"),
            segments,
        )
    }

    /// A boundary that occurs in no part: FNV-1a of the parts, rehashed
    /// until it does not occur. With a streamed part, whose bytes cannot be
    /// checked, the hash also takes a per-process random seed, so the
    /// boundary cannot be guessed in advance.
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
            match &part.data {
                Data::Bytes(bytes) => mix(&mut hash, bytes),
                Data::Stream(_) => {
                    use std::hash::{BuildHasher as _, Hasher as _};
                    let mut seed = std::collections::hash_map::RandomState::new().build_hasher();
                    seed.write_u64(hash);
                    mix(&mut hash, &seed.finish().to_le_bytes());
                }
            }
        }
        loop {
            let boundary = format!("apigen-{hash:016x}");
            let clash = self.parts.iter().any(|p| {
                let data = match &p.data {
                    Data::Bytes(bytes) => bytes.as_slice(),
                    Data::Stream(_) => &[],
                };
                contains(data, boundary.as_bytes())
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
        tricky.parts[0].data = Data::Bytes(boundary.clone().into_bytes());
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
