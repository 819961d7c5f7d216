//! Spec prose → rustdoc attributes that build without warnings.
//!
//! Spec descriptions are CommonMark written for web pages. Rustdoc would
//! read `[x]` as an intra-doc link, `<id>` as an HTML tag, bare URLs as
//! lint-worthy and fenced or indented blocks as doctests, so those are
//! neutralised here.

use proc_macro2::TokenStream;
use quote::quote;

/// `#[doc = " …"]` attributes, one per line, for spec prose `text`.
pub fn doc_attrs(text: &str) -> TokenStream {
    attrs(&sanitize(text), false)
}

/// The same as `doc_attrs`, but for inner (`//!`) docs.
pub fn inner_doc_attrs(text: &str) -> TokenStream {
    attrs(&sanitize(text), true)
}

/// Lines written by the generator itself (already valid rustdoc).
pub fn raw_doc_attrs(lines: &[String]) -> TokenStream {
    attrs(lines, false)
}

/// The same as `raw_doc_attrs`, but for inner (`//!`) docs.
pub fn raw_inner_doc_attrs<S: AsRef<str>>(lines: &[S]) -> TokenStream {
    attrs(lines, true)
}

/// One attribute per line, each line after a space so it prints as
/// `/// text` rather than `///text`.
fn attrs<S: AsRef<str>>(lines: &[S], inner: bool) -> TokenStream {
    let attrs = lines.iter().map(|line| {
        let line = line.as_ref();
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        if inner {
            quote!(#![doc = #line])
        } else {
            quote!(#[doc = #line])
        }
    });
    quote!(#(#attrs)*)
}

fn sanitize(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    let mut list_indent = None;
    for raw in text.trim().lines() {
        // Tabs (GitHub's Markdown tables) trip clippy::tabs_in_doc_comments.
        let expanded = raw.replace('\t', "    ");
        let line = expanded.trim_end();
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            // Keep code blocks, but never as doctests.
            in_fence = !in_fence;
            out.push(if in_fence {
                "```text".to_owned()
            } else {
                "```".to_owned()
            });
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
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
    if in_fence {
        out.push("```".to_owned());
    }
    // Collapse runs of blank lines.
    out.dedup_by(|a, b| a.is_empty() && b.is_empty());
    out
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
    while let Some(ch) = rest.chars().next() {
        if !in_code && (rest.starts_with("http://") || rest.starts_with("https://")) {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '`')
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ')', ';', ':']);
            escaped.push('<');
            escaped.push_str(&url.replace('>', "%3E"));
            escaped.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code && ch == '[' {
            if let Some(link) = markdown_link(rest) {
                // `[text](target)` is a real link; rustdoc renders it as is.
                escaped.push_str(link);
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

/// The `[text](target)` inline link at the start of `text`, if any.
fn markdown_link(text: &str) -> Option<&str> {
    let close = text.find("](")?;
    let label = &text[1..close];
    if label.contains(['[', ']', '`']) {
        return None;
    }
    let end = text[close + 2..].find(')')?;
    let target = &text[close + 2..close + 2 + end];
    if target.is_empty() || target.contains([' ', '(', '<', '>']) {
        return None;
    }
    Some(&text[..close + 3 + end])
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
