//! Spec prose → rustdoc attributes that build without warnings.
//!
//! Spec descriptions are CommonMark written for web pages. Rustdoc would
//! read `[x]` as an intra-doc link, `<id>` as an HTML tag, bare URLs as
//! lint-worthy and fenced or indented blocks as doctests, so those are
//! neutralised here.

use std::borrow::Cow;

use proc_macro2::TokenStream;
use quote::quote;

/// Derive macros of the prelude: a generated type of the same name (a
/// schema called `Hash`) makes a bare intra-doc link to it ambiguous.
const PRELUDE_DERIVES: &[&str] = &[
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Eq",
    "Hash",
    "Ord",
    "PartialEq",
    "PartialOrd",
];

/// An intra-doc link to the generated type `name`, in scope where the doc
/// is: ``[`Name`]``, or ``[`Hash`](type@Hash)`` for a name the prelude also
/// has as a derive macro (`rustdoc::broken_intra_doc_links` otherwise).
pub fn type_link(name: &str) -> String {
    if PRELUDE_DERIVES.contains(&name) {
        format!("[`{name}`](type@{name})")
    } else {
        format!("[`{name}`]")
    }
}

/// `#![doc = " …"]` attributes, one per line, for spec prose `text` that
/// documents the enclosing module.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    attrs(&sanitize(text), Placement::Inner)
}

/// Spec prose, if any, then a blank line and `facts`: lines the generator
/// states itself (where a thing comes from, how it is sent). Without prose,
/// the facts alone, so no item carries a sentence that says nothing.
pub fn prose_and_facts(prose: Option<&str>, facts: &[String]) -> TokenStream {
    attrs(&prose_and_facts_lines(prose, facts), Placement::Outer)
}

/// The lines of [`prose_and_facts`], for items printed as text.
pub fn prose_and_facts_lines(prose: Option<&str>, facts: &[String]) -> Vec<String> {
    let mut lines = prose.map(sanitize).unwrap_or_default();
    for fact in facts {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(fact.clone());
    }
    lines
}

/// Lines written by the generator itself (already valid rustdoc).
pub fn raw_doc_attrs(lines: &[String]) -> TokenStream {
    attrs(lines, Placement::Outer)
}

/// The same as `raw_doc_attrs`, but for inner (`//!`) docs.
pub fn raw_inner_doc_attrs<S: AsRef<str>>(lines: &[S]) -> TokenStream {
    attrs(lines, Placement::Inner)
}

/// Where doc attributes go: on the next item (`///`) or on the enclosing
/// module (`//!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Outer,
    Inner,
}

/// One attribute per line, each line after a space so it prints as
/// `/// text` rather than `///text`.
fn attrs<S: AsRef<str>>(lines: &[S], placement: Placement) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        let line = single_line(line.as_ref());
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        match placement {
            Placement::Inner => quote!(#![doc = #line]),
            Placement::Outer => quote!(#[doc = #line]),
        }
    });
    quote!(#(#attrs)*)
}

/// `line` with any line break in it (a generator-written line can quote a
/// wire name or value that has one) turned into a space, so that it stays
/// one `///` line.
pub fn single_line(line: &str) -> Cow<'_, str> {
    if line.contains(['\n', '\r']) {
        Cow::Owned(line.replace(['\n', '\r'], " "))
    } else {
        Cow::Borrowed(line)
    }
}

fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fence = Fence::default();
    let mut list_indent = None;
    // A carriage return is a line break too, alone or after a line feed
    // (both in vtex.local's Orders API): left in a `///` comment, rustc
    // rejects it ("bare CR").
    let text = if text.contains('\r') {
        let text = text.replace("\r\n", "\n").replace("\n\r", "\n");
        Cow::Owned(text.replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    for raw in text.trim().lines() {
        // Tabs (GitHub's Markdown tables) trip clippy::tabs_in_doc_comments.
        let expanded = raw.replace('\t', "    ");
        let line = expanded.trim_end();
        let trimmed = line.trim_start();
        match fence.read(trimmed) {
            // Keep code blocks, but never as doctests.
            FenceLine::Opens(run) => out.push(format!("{run}text")),
            FenceLine::Closes(run) => out.push(run.to_string()),
            FenceLine::Inside => out.push(line.to_owned()),
            FenceLine::Outside => {
                // Spec prose often wraps list items without indenting the
                // continuation; rustdoc (and clippy) want it indented.
                if trimmed.is_empty() {
                    list_indent = None;
                } else if let Some(marker) = list_marker(trimmed) {
                    list_indent = Some(marker);
                } else if let Some(indent) = list_indent {
                    out.push(format!("{}{}", " ".repeat(indent), escape_line(trimmed)));
                    continue;
                }
                out.push(escape_line(trimmed));
            }
        }
    }
    if let Some(run) = fence.open {
        out.push(run.to_string());
    }
    // Collapse runs of blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
    out
}

/// Where a line stands against Markdown code fences (CommonMark's: three
/// or more backticks or tildes, closed by a run of the same character at
/// least as long with nothing after it). A block opened with `~~~` is a
/// code block too, and rustdoc would compile its contents as a doctest;
/// a ```` ```json ```` line inside a block does not close it.
#[derive(Debug, Default)]
struct Fence {
    /// The fence of the open block, if one is open.
    open: Option<FenceRun>,
}

/// A fence: `len` times `char` (a backtick or a tilde), printed as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FenceRun {
    char: char,
    len: usize,
}

impl std::fmt::Display for FenceRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (0..self.len).try_for_each(|_| std::fmt::Write::write_char(f, self.char))
    }
}

/// What [`Fence::read`] makes of a line.
#[derive(Debug, PartialEq, Eq)]
enum FenceLine {
    /// Opens a code block with this fence (and maybe an info string).
    Opens(FenceRun),
    /// Closes the open block, whose fence this is.
    Closes(FenceRun),
    Inside,
    Outside,
}

impl Fence {
    /// Reads the next line, `trimmed` of its indentation.
    fn read(&mut self, trimmed: &str) -> FenceLine {
        // Both fence characters are ASCII: lengths are byte offsets.
        let run = trimmed
            .chars()
            .next()
            .filter(|c| matches!(c, '`' | '~'))
            .map(|char| FenceRun {
                char,
                len: trimmed
                    .bytes()
                    .take_while(|&b| char::from(b) == char)
                    .count(),
            })
            // After a run of backticks, another backtick makes it a code
            // span (```` ```x``` ````), not a fence.
            .filter(|run| run.len >= 3 && !(run.char == '`' && trimmed[run.len..].contains('`')));
        match (self.open, run) {
            (None, Some(run)) => {
                self.open = Some(run);
                FenceLine::Opens(run)
            }
            (None, None) => FenceLine::Outside,
            (Some(open), Some(run))
                if run.char == open.char
                    && run.len >= open.len
                    && trimmed[run.len..].trim().is_empty() =>
            {
                self.open = None;
                FenceLine::Closes(open)
            }
            (Some(_), _) => FenceLine::Inside,
        }
    }
}

/// The content indent of a Markdown list item (`- `, `* `, `+ `, `1. `,
/// `1) `) starting `line`: the marker plus the spaces after it, as
/// CommonMark counts them (`*  x` continues at column 3, not 2).
fn list_marker(line: &str) -> Option<usize> {
    let marker = if line.starts_with(['-', '*', '+']) {
        1
    } else {
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || !line[digits..].starts_with(['.', ')']) {
            return None;
        }
        digits + 1
    };
    let spaces = line[marker..].chars().take_while(|c| *c == ' ').count();
    match spaces {
        0 => None,
        // Five or more: one space, then an indented code block.
        1..=4 => Some(marker + spaces),
        _ => Some(marker + 1),
    }
}

/// Escapes `[`, `]`, `<` and `>` outside code spans and wraps bare URLs
/// in `<…>` so rustdoc renders them as links.
fn escape_line(line: &str) -> String {
    let mut escaped = String::with_capacity(line.len() + 8);
    let mut in_code = false;
    let mut rest = line;
    loop {
        // Characters that start nothing here are copied in runs.
        let plain = rest
            .bytes()
            .position(|b| matches!(b, b'h' | b'[' | b']' | b'<' | b'>' | b'`'))
            .unwrap_or(rest.len());
        escaped.push_str(&rest[..plain]);
        rest = &rest[plain..];
        let Some(ch) = rest.chars().next() else {
            break;
        };
        if !in_code && (rest.starts_with("http://") || rest.starts_with("https://")) {
            // A URL ends where an autolink cannot go on (a space, `<`, `>`)
            // and at a quote or backtick: in `<a href="https://…">text</a>`
            // (AWS's descriptions) the URL is what the quotes hold. It ends
            // at `|` too, which splits a table's cells before links are
            // read (zuora.com's `| https://rest.apisandbox.zuora.com|`).
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '`' | '<' | '>' | '"' | '|'))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ')', ';', ':']);
            escaped.push('<');
            escaped.push_str(url);
            escaped.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code && ch == '[' {
            if let Some((label, link)) = markdown_link(rest) {
                // `[text](target)` is a real link; rustdoc renders it as
                // is, but would read `<Pay>` in its text as an HTML tag.
                escaped.push('[');
                for c in label.chars() {
                    if matches!(c, '<' | '>') {
                        escaped.push('\\');
                    }
                    escaped.push(c);
                }
                escaped.push_str(&link[label.len() + 1..]);
                rest = &rest[link.len()..];
                continue;
            }
        }
        match ch {
            '`' => in_code = !in_code,
            '[' | ']' | '<' | '>' if !in_code => escaped.push('\\'),
            _ => {}
        }
        escaped.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    if in_code {
        // An unbalanced backtick would swallow the next line into code.
        escaped.push('`');
    }
    escaped
}

/// The `[text](target)` inline link at the start of `text`, if any, to an
/// absolute URL: its text and the whole link. A relative target
/// (`errors#bad-request`, a page of the API's own site) means nothing in
/// rustdoc, which would try it as a path to an item
/// (`rustdoc::broken_intra_doc_links`): such a link is left to be escaped
/// as text.
fn markdown_link(text: &str) -> Option<(&str, &str)> {
    let close = text.find("](")?;
    let label = &text[1..close];
    if label.contains(['[', ']', '`']) {
        return None;
    }
    let end = text[close + 2..].find(')')?;
    let target = &text[close + 2..close + 2 + end];
    let absolute = ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| target.starts_with(scheme));
    if !absolute || target.contains([' ', '(', '<', '>']) {
        return None;
    }
    Some((label, &text[..close + 3 + end]))
}

/// Printed doc lines longer than this many columns are wrapped.
const WIDTH: usize = 100;

/// Wraps the `///` and `//!` lines of printed Rust source at `WIDTH`
/// columns, a line at a time, as emission passes over each printed item:
/// what it knows of the doc comment being read. Markdown stays intact:
/// code blocks, headings and table rows are left alone, list items
/// continue under their text, and no line is made to start with something
/// Markdown would read as a list, quote or heading.
#[derive(Debug, Default)]
pub struct DocWrapper {
    fence: Fence,
    list_indent: usize,
}

impl DocWrapper {
    /// Appends `line` and a newline to `out`: several lines when it is a
    /// doc line that has to be wrapped.
    pub fn push_line(&mut self, out: &mut String, line: &str) {
        if self.must_wrap(line) {
            self.push_wrapped(out, line);
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }

    /// Reads the next printed line: whether it is a doc line too wide to
    /// keep as it is. A caller that keeps the lines that are not can copy
    /// them in runs, and call [`DocWrapper::push_wrapped`] for the others.
    pub fn must_wrap(&mut self, line: &str) -> bool {
        let Some((_, text)) = doc_comment(line) else {
            self.fence = Fence::default();
            self.list_indent = 0;
            return false;
        };
        let trimmed = text.trim_start();
        let in_fence = self.fence.read(trimmed) != FenceLine::Outside;
        let indent = text.len() - trimmed.len();
        if trimmed.is_empty() {
            self.list_indent = 0;
        } else if let Some(marker) = list_marker(trimmed) {
            self.list_indent = indent + marker;
        } else if indent < self.list_indent {
            self.list_indent = 0;
        }
        !(in_fence || trimmed.starts_with(['#', '|']) || line.len() <= WIDTH)
    }

    /// Appends the doc line `line`, which [`DocWrapper::must_wrap`] has
    /// just read, wrapped, each piece with its newline.
    pub fn push_wrapped(&self, out: &mut String, line: &str) {
        let Some((prefix, text)) = doc_comment(line) else {
            out.push_str(line);
            out.push('\n');
            return;
        };
        let indent = text.len() - text.trim_start().len();
        let continuation = if self.list_indent > 0 {
            self.list_indent
        } else {
            indent
        };
        let mut first = true;
        for piece in wrap(
            &text[indent..],
            WIDTH.saturating_sub(prefix.len() + continuation).max(40),
        ) {
            let pad = if first { indent } else { continuation };
            out.push_str(prefix);
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(piece);
            out.push('\n');
            first = false;
        }
    }
}

/// Splits a printed line into its `/// ` (or `//! `) prefix, indentation
/// included, and the doc text.
fn doc_comment(line: &str) -> Option<(&str, &str)> {
    let code = line.trim_start();
    let marker = ["/// ", "//! "].into_iter().find(|m| code.starts_with(m))?;
    let at = line.len() - code.len() + marker.len();
    Some((&line[..at], &line[at..]))
}

/// Greedy word wrap of `text` at `width`, breaking only at spaces outside
/// code spans, links and autolinks, and never before a word that would
/// start a Markdown block at the start of a line.
fn wrap(text: &str, width: usize) -> Vec<&str> {
    let mut breaks = Vec::new();
    // A list marker keeps its first word: a marker alone on its line is an
    // empty item, after which clippy reads the text as a lazy continuation
    // (docusign.net's `- [a long link](…) (…)`, clippy::doc_lazy_continuation).
    let marker = list_marker(text).unwrap_or(0);
    let (mut in_code, mut in_target, mut in_angle, mut brackets) = (false, false, false, 0usize);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let escaped = i > 0 && bytes[i - 1] == b'\\';
        match b {
            b'`' => in_code = !in_code,
            _ if in_code || escaped => {}
            b'[' => brackets += 1,
            b']' => {
                brackets = brackets.saturating_sub(1);
                in_target = bytes.get(i + 1) == Some(&b'(');
            }
            b')' if in_target => in_target = false,
            b'<' => in_angle = true,
            b'>' => in_angle = false,
            // A run of spaces is one break: the piece before it ends at
            // its first space and the next one starts after its last, so
            // that no continuation starts with a space (indented a column
            // too far: clippy::doc_overindented_list_items) and no piece
            // ends with two (a hard line break).
            b' ' if brackets == 0
                && !in_target
                && !in_angle
                && i >= marker
                && (i == 0 || bytes[i - 1] != b' ') =>
            {
                let next = i + bytes[i..].iter().take_while(|&&c| c == b' ').count();
                if !starts_block(&text[next..]) {
                    breaks.push((i, next));
                }
            }
            _ => {}
        }
    }
    let mut pieces = Vec::new();
    let (mut start, mut last) = (0, None);
    for &(at, next) in &breaks {
        if at - start > width {
            // A word that fits no line stays where it is rather than
            // leaving a short line behind.
            if let Some((fit, after)) = last.take().filter(|&(_, after)| at - after <= width) {
                pieces.push(&text[start..fit]);
                start = after;
            }
        }
        if at - start > width {
            // A word wider than the line stands alone.
            pieces.push(&text[start..at]);
            start = next;
        } else {
            last = Some((at, next));
        }
    }
    let end = text.len();
    if let Some((fit, after)) =
        last.filter(|&(_, after)| end - start > width && end - after <= width)
    {
        pieces.push(&text[start..fit]);
        start = after;
    }
    pieces.push(&text[start..]);
    pieces
}

/// Whether `rest`, put at the start of a line, would begin a Markdown
/// block (a list item, quote, heading, rule or table row).
fn starts_block(rest: &str) -> bool {
    if rest.starts_with(['-', '*', '+', '>', '#', '=', '|']) || rest.is_empty() {
        return true;
    }
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(['.', ')'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `source` through a [`DocWrapper`], as emission passes it.
    fn wrap_doc_comments(source: &str) -> String {
        let mut out = String::new();
        let mut wrapper = DocWrapper::default();
        for line in source.lines() {
            wrapper.push_line(&mut out, line);
        }
        out
    }

    #[test]
    fn wraps_long_doc_lines_and_keeps_markdown() {
        let long = format!("    /// {}", ["word"; 30].join(" "));
        let list = format!("/// - {} - not an item `a b` end", ["item"; 22].join(" "));
        let fence = format!("/// ```text\n/// {}\n/// ```", ["code"; 30].join(" "));
        let source = format!("{long}\n{list}\n{fence}\nfn x() {{}}\n");
        let wrapped = wrap_doc_comments(&source);
        let lines: Vec<&str> = wrapped.lines().collect();
        assert!(
            lines.iter().all(|l| l.len() <= WIDTH || l.contains("code")),
            "{wrapped}"
        );
        assert!(lines[0].starts_with("    /// word") && lines[1].starts_with("    /// word"));
        let item = lines
            .iter()
            .position(|l| l.starts_with("/// - item"))
            .unwrap();
        assert!(lines[item + 1].starts_with("///   "), "{wrapped}");
        assert!(
            !lines.iter().skip(item + 1).any(|l| l.starts_with("/// -")),
            "{wrapped}"
        );
        assert!(wrapped.contains(&["code"; 30].join(" ")));
        assert!(wrapped.ends_with("fn x() {}\n"));
    }

    #[test]
    fn neutralises_rustdoc_hazards() {
        let lines = sanitize(
            "Use expand[]=x and <id>.\nSee https://example.com/a.\n\n\n```json\n{}\n```\nRead [the docs](https://example.com/d).\n- an item\nwrapped\n\nafter",
        );
        assert_eq!(
            lines,
            vec![
                "Use expand\\[\\]=x and \\<id\\>.",
                "See <https://example.com/a>.",
                "",
                "```text",
                "{}",
                "```",
                "Read [the docs](https://example.com/d).",
                "- an item",
                "  wrapped",
                "",
                "after",
            ]
        );
    }

    /// A `~~~` block is a code block to rustdoc too (a doctest, unless it
    /// is marked as text); a fence of another length or character inside
    /// a block is part of its text, not its end.
    #[test]
    fn every_code_fence_is_kept_as_text() {
        let lines = sanitize(
            "Run:\n~~~\nlet x = [1];\n```json\n~~~\nThen:\n````sh\n```\nmake <all>\n````\nand [x]\n~~~~\nopen",
        );
        assert_eq!(
            lines,
            vec![
                "Run:",
                "~~~text",
                "let x = [1];",
                "```json",
                "~~~",
                "Then:",
                "````text",
                "```",
                "make <all>",
                "````",
                "and \\[x\\]",
                "~~~~text",
                "open",
                "~~~~",
            ]
        );
        let mut fence = Fence::default();
        let read: Vec<FenceLine> = ["```", "~~~", "``` x", "````  ", "```a``` b", "text"]
            .iter()
            .map(|line| fence.read(line))
            .collect();
        let backticks = |len| FenceRun { char: '`', len };
        assert_eq!(
            read,
            [
                FenceLine::Opens(backticks(3)),
                FenceLine::Inside,
                FenceLine::Inside,
                FenceLine::Closes(backticks(3)),
                FenceLine::Outside,
                FenceLine::Outside,
            ]
        );
    }

    /// Corpus: bulksms.com's `[bad_request error](errors#bad-request)`.
    #[test]
    fn only_links_to_absolute_urls_stay_links() {
        assert_eq!(
            escape_line("See [errors](errors#bad-request) and [docs](https://example.com/d)."),
            "See \\[errors\\](errors#bad-request) and [docs](https://example.com/d)."
        );
        assert_eq!(
            escape_line("Write to [us](mailto:a@example.com)."),
            "Write to [us](mailto:a@example.com)."
        );
        // twilio.com: an unclosed HTML tag for rustdoc in a link's text.
        assert_eq!(
            escape_line("Learn about [<Pay> Connectors](https://example.com/pay)."),
            "Learn about [\\<Pay\\> Connectors](https://example.com/pay)."
        );
    }

    #[test]
    fn links_to_types_named_like_derive_macros_are_disambiguated() {
        assert_eq!(type_link("User"), "[`User`]");
        assert_eq!(type_link("Hash"), "[`Hash`](type@Hash)");
    }

    /// Corpus: amazonaws.com/cloudfront's `<a href="https://…">text</a>`
    /// made one "URL" of the address, the quote and the rest of the tag,
    /// which rustdoc then reported as a bare URL (`rustdoc::bare_urls`).
    #[test]
    fn a_url_ends_at_a_quote_or_an_angle_bracket() {
        assert_eq!(
            escape_line(
                r#"See <a href="https://example.com/a.html">A</a> and https://example.com/b>x"#
            ),
            r#"See \<a href="<https://example.com/a.html>"\>A\</a\> and <https://example.com/b>\>x"#
        );
        assert_eq!(
            escape_line("|Sandbox | https://example.com/api|"),
            "|Sandbox | <https://example.com/api>|"
        );
    }

    /// Corpus: openbankingproject.ch (`*  item` with two spaces) failed
    /// `clippy::doc_lazy_continuation`; continuations follow the content
    /// column, and `1)` items count as list items too.
    #[test]
    fn continuations_follow_the_item_content_column() {
        let lines = sanitize("*  two spaces\nwrapped\n\n1) paren\nwrapped\n\n10.   three\nwrapped");
        assert_eq!(
            lines,
            vec![
                "*  two spaces",
                "   wrapped",
                "",
                "1) paren",
                "   wrapped",
                "",
                "10.   three",
                "      wrapped",
            ]
        );
        assert_eq!(sanitize("| a\t| b |"), vec!["| a    | b |"]);
        assert_eq!(list_marker("-x"), None);
        assert_eq!(list_marker("2024) no"), Some(6));
        assert_eq!(list_marker("2024"), None);
    }

    /// Corpus: docusign.net's `- [Void an envelope](https://…) ([…](…))`:
    /// the link fits no line, and the wrapper left `-` alone on its line,
    /// an empty item, so clippy read the rest as a lazy continuation.
    #[test]
    fn a_list_marker_keeps_its_first_word() {
        let link = "[Void an envelope](https://www.docusign.com/blog/dsdev-common-api-tasks-void-an-envelope)";
        let tasks = "([Common API Tasks](https://www.docusign.com/blog/tags/common-api-tasks))";
        let source = format!("    /// - {link} {tasks}\n");
        assert_eq!(
            wrap_doc_comments(&source),
            format!("    /// - {link}\n    ///   {tasks}\n")
        );
    }

    /// Corpus: bulksms.com (` - item.  Two spaces after a full stop`)
    /// failed `clippy::doc_overindented_list_items`: the line was wrapped
    /// at the first of the two spaces, so the continuation started with
    /// the second one, a column right of the item's text.
    #[test]
    fn wrapping_at_a_run_of_spaces_leaves_no_space_behind() {
        // The first of the two spaces is the last break that fits.
        let words = "a ".repeat(44);
        assert_eq!(format!("- {words}end.").len(), 100 - "/// ".len() - 2);
        let source = format!("/// - {words}end.  Next sentence.  - not a list\n");
        let wrapped = wrap_doc_comments(&source);
        assert_eq!(
            wrapped,
            format!("/// - {words}end.\n///   Next sentence.  - not a list\n"),
        );
        let long = "x".repeat(60);
        assert_eq!(
            wrap(&format!("{long}  next"), 60),
            vec![long.as_str(), "next"]
        );
        assert_eq!(
            wrap(&format!("{long}   {long}  - dash"), 70),
            vec![long.as_str(), &format!("{long}  - dash")],
        );
    }
}
