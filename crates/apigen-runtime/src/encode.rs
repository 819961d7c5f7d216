//! URL and header encoding, with the checks that keep every argument inside
//! its own path segment, query value or header.

use percent_encoding::percent_decode_str;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::Error;
use crate::params::push_encoded;

/// Renders a path template, replacing each `{name}` with its encoded value.
#[cfg(test)]
pub(crate) fn render_path(
    template: &str,
    params: &[(&'static str, String)],
) -> Result<String, Error> {
    let mut out = String::new();
    push_path(&mut out, template, params)?;
    Ok(out)
}

/// Appends the rendered path template to `out` (`/` first when the
/// template does not start with one), each `{name}` replaced with its
/// encoded value.
pub(crate) fn push_path(
    out: &mut String,
    template: &str,
    params: &[(&'static str, String)],
) -> Result<(), Error> {
    let values: usize = params.iter().map(|(_, v)| v.len()).sum();
    out.reserve(template.len() + values + 1);
    if !template.starts_with('/') {
        out.push('/');
    }
    // A plain scan of the bytes: templates are short, and `str::find`
    // would call `memchr` (with its set-up) once per brace.
    let bytes = template.as_bytes();
    let mut literal = 0;
    let mut at = 0;
    // The parameter after the last one used: the generated code records
    // them in template order, so the first comparison usually matches.
    let mut next = 0;
    while at < bytes.len() {
        if bytes[at] != b'{' {
            at += 1;
            continue;
        }
        let name_start = at + 1;
        let Some(len) = bytes[name_start..].iter().position(|&b| b == b'}') else {
            return Err(Error::invalid_request(format!(
                "path template `{template}` has an unclosed `{{`"
            )));
        };
        out.push_str(&template[literal..at]);
        let name = &template[name_start..name_start + len];
        let found = match params.get(next) {
            Some((n, _)) if *n == name => Some(next),
            _ => params.iter().position(|(n, _)| *n == name),
        };
        let Some(index) = found else {
            return Err(Error::invalid_request(format!(
                "path parameter `{name}` has no value"
            )));
        };
        let value = &params[index].1;
        check_segment(name, value)?;
        push_encoded(out, value);
        next = index + 1;
        at = name_start + len + 1;
        literal = at;
    }
    out.push_str(&template[literal..]);
    Ok(())
}

/// The longest spelling of a dot segment: `%2e%2e`.
const LONGEST_DOT_SEGMENT: usize = 6;

/// Rejects values that would not stay one path segment after URL
/// normalisation: empty, `.`, `..`, and their percent-encoded spellings
/// (`%2e%2e`), which WHATWG URL parsers treat as dot segments. No value
/// longer than [`LONGEST_DOT_SEGMENT`] bytes can spell one, so only short
/// values are decoded.
fn check_segment(name: &str, value: &str) -> Result<(), Error> {
    if value.len() > LONGEST_DOT_SEGMENT {
        return Ok(());
    }
    let decoded = percent_decode_str(value).decode_utf8_lossy();
    if value.is_empty() || matches!(&*decoded, "" | "." | "..") {
        return Err(Error::invalid_request(format!(
            "path parameter `{name}` must not be empty, `.` or `..`"
        )));
    }
    Ok(())
}

/// Appends `name=value` pairs to a query string, encoding both.
pub(crate) fn push_query<'a>(
    query: &mut String,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (name, value) in pairs {
        if !query.is_empty() {
            query.push('&');
        }
        push_encoded(query, name);
        query.push('=');
        push_encoded(query, value);
    }
}

/// Validates a header name and value; the error names the header but never
/// echoes the value.
pub(crate) fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_request(format!("`{name}` is not a valid header name")))?;
    let header_value = HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_request(format!(
            "the value of header `{name}` contains a forbidden character (CR, LF, NUL or another control character)"
        ))
    })?;
    Ok((header_name, header_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(value: &str) -> Result<String, Error> {
        render_path("/users/{id}/x", &[("id", value.to_owned())])
    }

    #[test]
    fn encodes_one_segment() {
        assert_eq!(render("a/b").unwrap(), "/users/a%2Fb/x");
        assert_eq!(render("a?b#c").unwrap(), "/users/a%3Fb%23c/x");
        assert_eq!(render("x\r\ny").unwrap(), "/users/x%0D%0Ay/x");
        assert_eq!(render("50%").unwrap(), "/users/50%25/x");
        assert_eq!(render("a b+c").unwrap(), "/users/a%20b%2Bc/x");
        assert_eq!(render("ü").unwrap(), "/users/%C3%BC/x");
        assert_eq!(render("a.b-c_d~e").unwrap(), "/users/a.b-c_d~e/x");
        assert_eq!(render("...").unwrap(), "/users/.../x");
    }

    #[test]
    fn the_encoder_agrees_with_percent_encoding() {
        // RFC 3986 unreserved characters stay, everything else is escaped.
        const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        let mut all = String::new();
        for c in (0..=0x7f_u8).map(char::from).chain(['ü', '€', '𝄞']) {
            let text = c.to_string();
            let mut ours = String::new();
            push_encoded(&mut ours, &text);
            let theirs = percent_encoding::utf8_percent_encode(&text, COMPONENT).to_string();
            assert_eq!(ours, theirs, "{c:?}");
            all.push(c);
        }
        let mut ours = String::new();
        push_encoded(&mut ours, &all);
        assert_eq!(
            ours,
            percent_encoding::utf8_percent_encode(&all, COMPONENT).to_string()
        );
    }

    #[test]
    fn long_values_that_decode_to_dots_are_one_segment() {
        assert_eq!(render("%2e%2e%2e").unwrap(), "/users/%252e%252e%252e/x");
        assert_eq!(render(".......").unwrap(), "/users/......./x");
    }

    #[test]
    fn rejects_dot_segments() {
        for bad in ["", ".", "..", "%2e", "%2e%2e", "%2E%2E", ".%2e", "%2e."] {
            assert!(
                matches!(render(bad), Err(Error::InvalidRequest { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn template_errors() {
        assert!(render_path("/a/{missing}", &[]).is_err());
        assert!(render_path("/a/{open", &[]).is_err());
        assert_eq!(render_path("a", &[]).unwrap(), "/a");
    }

    #[test]
    fn parameters_in_any_order_and_adjacent() {
        let params = [("b", "2".to_owned()), ("a", "1".to_owned())];
        assert_eq!(
            render_path("/x/{a}/y/{b}.json", &params).unwrap(),
            "/x/1/y/2.json"
        );
        assert_eq!(render_path("/{a}{b}", &params).unwrap(), "/12");
        assert_eq!(render_path("/{b}/{b}/é", &params).unwrap(), "/2/2/é");
        assert!(render_path("/{a}/{c}", &params).is_err());
    }

    #[test]
    fn query_encoding() {
        let mut q = String::new();
        push_query(&mut q, [("expand[]", "a b"), ("expand[]", "x&y=z")]);
        assert_eq!(q, "expand%5B%5D=a%20b&expand%5B%5D=x%26y%3Dz");
    }

    #[test]
    fn header_checks() {
        assert!(header("x-a", "ok").is_ok());
        for bad in ["a\rb", "a\nb", "a\0b"] {
            let err = header("x-a", bad).unwrap_err().to_string();
            assert!(!err.contains(bad));
        }
        assert!(header("bad name", "v").is_err());
    }
}
