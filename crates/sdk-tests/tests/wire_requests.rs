//! Request wire forms (issue 12, request side), through the generated
//! `wireforms-requests` clients (`spec/wireforms-requests.yaml`).
//!
//! Every case is written once and runs against both the async and the
//! blocking client ([`flavored_cases!`]). The server is the scripted
//! [`TestServer`], which records each request as it came off the socket:
//! the raw request target (so each query style's exact encoding is seen),
//! every header (`Content-Type`, `Cookie`, header parameters) and the body's
//! bytes (form encoding, multipart boundary, part headers and part bodies).

mod support;

use serde_json::{Value, json};
use support::flavored::{Env, Flavor, Flavored, flavored_cases, send};
use support::{Reply, Request, TOKEN, TestServer, test_config};
use wireforms_requests_client::Error;
use wireforms_requests_client::FilePart;
use wireforms_requests_client::operations::{CommentsAddBody, DocumentsListParams};
use wireforms_requests_client::types::{
    ClientInfo, DateWindow, DocumentFilter, DocumentStatus, NewComment, Paging, SearchForm,
    UploadForm, UploadMetadata,
};

type Wireforms = Flavored<wireforms_requests_client::Client, wireforms_requests_blocking::Client>;

fn document() -> Value {
    json!({"id": 12, "title": "Tax return 2026", "status": "final", "size": 48213})
}

fn list() -> Value {
    json!({"items": [document()]})
}

/// A client of the case's flavour on `server`.
fn client(env: &Env, server: &TestServer) -> Wireforms {
    let config = test_config(&server.url(), &env.sleeper);
    match env.flavor {
        Flavor::Async => Flavored::Async(
            wireforms_requests_client::Client::new(config).expect("async client"),
            env.runtime().handle().clone(),
        ),
        Flavor::Blocking => Flavored::Blocking(
            wireforms_requests_blocking::Client::new(config).expect("blocking client"),
        ),
    }
}

/// The one request the server received.
/// Lists the documents of workspace `ws_acme` with `params`.
fn list_documents(
    client: &Wireforms,
    params: &DocumentsListParams,
) -> Result<wireforms_requests_client::types::DocumentList, Error> {
    send!(client, |c| c
        .documents()
        .list("ws_acme")
        .params(params.clone()))
    .map(|page| page.into_inner())
}

fn only_request(server: &TestServer) -> Request {
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    requests.into_iter().next().unwrap()
}

fn text(body: &[u8]) -> &str {
    std::str::from_utf8(body).expect("a UTF-8 body")
}

/// The boundary of a multipart request, from its `Content-Type`.
fn boundary(request: &Request) -> String {
    let content_type = request.header("content-type").expect("a content type");
    content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"))
        .to_owned()
}

flavored_cases!(
    query_header_and_cookie_styles,
    optional_parameters_unset_send_nothing,
    delimiters_and_reserved_characters_in_values_are_escaped,
    cookie_values_cannot_add_cookies,
    header_value_with_a_line_break_is_refused,
    form_body_with_encoding_styles,
    form_body_defaults,
    multipart_fields_and_file_parts,
    multipart_minimal_and_retried_byte_for_byte,
    multipart_streamed_file_part,
    streamed_upload_is_sent_once_and_not_retried,
    octet_stream_body,
    octet_stream_body_streamed_with_its_own_content_type,
    text_body,
    several_media_types_the_caller_picks,
);

/// Every style of the list operation at once: `form` exploded (a scalar,
/// an array and an object), `form` not exploded (an array and an object),
/// `spaceDelimited`, `pipeDelimited` and `deepObject`; a `simple` header
/// array and an exploded `simple` header object; a required and a
/// non-exploded array cookie in one `Cookie` header.
fn query_header_and_cookie_styles(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    // Every parameter: the set Prism can read, plus the spaceDelimited `ids`.
    let params = prism_list_params().ids(vec![12, 13]);
    let page = list_documents(&client, &params).expect("list");
    assert_eq!(page.items[0].id, 12);

    let request = only_request(&server);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.target,
        "/documents?status=final\
         &tag=tax&tag=2026\
         &fields=id,title\
         &ids=12%2013\
         &owners=ana%7Cbo\
         &filter%5Bkind%5D=pdf&filter%5Bmin_size%5D=1024\
         &window=after,2026-01-01,before,2026-02-01\
         &limit=10&offset=20"
    );
    assert_eq!(request.header("x-request-tags"), Some("batch,nightly"));
    assert_eq!(
        request.header("x-client-info"),
        Some("name=paperctl,version=1.2")
    );
    assert_eq!(
        request.header("cookie"),
        Some("workspace=ws_acme; recent=12,7")
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(request.header("content-type"), None);
    assert!(request.body.is_empty());
}

/// Unset optional parameters, empty lists and objects with no property set
/// add nothing: no `fields=`, no `filter`, no header, only the required
/// cookie.
fn optional_parameters_unset_send_nothing(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    let params = DocumentsListParams::new()
        .fields(Vec::new())
        .ids(Vec::new())
        .owners(Vec::new())
        .filter(DocumentFilter::default())
        .window(DateWindow::default())
        .x_request_tags(Vec::new())
        .recent(Vec::new());
    list_documents(&client, &params).expect("list");
    let request = only_request(&server);
    assert_eq!(request.target, "/documents");
    assert_eq!(request.header("cookie"), Some("workspace=ws_acme"));
    assert_eq!(request.header("x-request-tags"), None);
    assert_eq!(request.header("x-client-info"), None);
}

/// A value that holds a style's own delimiter, or `&`, `=`, `#`, `[`, `%`
/// or a space, is percent-encoded, so the delimiters the style adds stay the
/// only ones.
fn delimiters_and_reserved_characters_in_values_are_escaped(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    let params = DocumentsListParams::new()
        .tag(vec!["a&b=c".into(), "x y#z".into()])
        .fields(vec!["id,title".into(), "size".into()])
        .owners(vec!["ana|bo".into(), "100%".into()])
        .filter(DocumentFilter::new().kind("pdf]&[x"))
        .window(DateWindow::new().after("2026,01"));
    list_documents(&client, &params).expect("list");
    let request = only_request(&server);
    assert_eq!(
        request.target,
        "/documents?tag=a%26b%3Dc&tag=x%20y%23z\
         &fields=id%2Ctitle,size\
         &owners=ana%7Cbo%7C100%25\
         &filter%5Bkind%5D=pdf%5D%26%5Bx\
         &window=after,2026%2C01"
    );
}

/// A cookie value cannot end its cookie or add another: `;`, `,`, `=` and
/// spaces are percent-encoded.
fn cookie_values_cannot_add_cookies(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    send!(client, |c| c.documents().list("ws; admin=1,x")).expect("list");
    let request = only_request(&server);
    assert_eq!(
        request.header("cookie"),
        Some("workspace=ws%3B%20admin%3D1%2Cx")
    );
}

/// A header parameter with CR/LF is refused before anything is sent, and
/// the error does not echo the value.
fn header_value_with_a_line_break_is_refused(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    let params = DocumentsListParams::new().x_request_tags(vec!["a\r\nx-admin: 1".into()]);
    let error = list_documents(&client, &params).expect_err("refused");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(!error.to_string().contains("x-admin"), "{error}");
    assert_eq!(server.request_count(), 0);
}

/// `application/x-www-form-urlencoded` with the spec's `encoding`: `tag`
/// exploded, `fields` in `form` style not exploded (its comma escaped, as
/// in any form body), `filter` as a deepObject. Properties in name order,
/// RFC 3986 percent-encoding (a space is `%20`).
fn form_body_with_encoding_styles(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    let form = SearchForm::new("tax return & notes")
        .tag(vec!["a".into(), "b c".into()])
        .fields(vec!["id".into(), "title".into()])
        .filter(DocumentFilter::new().kind("pdf").min_size(1024))
        .limit(5);
    let found = send!(client, |c| c.documents().search(form.clone())).expect("search");
    assert_eq!(found.items.len(), 1);
    let request = only_request(&server);
    assert_eq!(request.method, "POST");
    assert_eq!(request.target, "/documents/search");
    assert_eq!(
        request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        text(&request.body),
        "fields=id%2Ctitle\
         &filter%5Bkind%5D=pdf&filter%5Bmin_size%5D=1024\
         &limit=5\
         &q=tax%20return%20%26%20notes\
         &tag=a&tag=b%20c"
    );
    assert_eq!(
        request.header("content-length"),
        Some(request.body.len().to_string().as_str())
    );
}

/// Only the required field: the optional ones are left out, not sent empty.
fn form_body_defaults(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &list())]);
    let client = client(env, &server);
    let form = SearchForm::new("lease");
    send!(client, |c| c.documents().search(form.clone())).expect("search");
    assert_eq!(text(&only_request(&server).body), "q=lease");
}

/// `multipart/form-data`: a text field, the required file (its content type
/// from the spec's `encoding`: `application/pdf`), two attachments (one
/// with its own content type, one with the default
/// `application/octet-stream`), a list of strings as one part per item,
/// and an object as a JSON part. Every byte of the body is checked,
/// boundary included.
fn multipart_fields_and_file_parts(env: &Env) {
    let server = TestServer::script(vec![Reply::json(
        201,
        &json!({"id": 14, "title": "Lease", "status": "draft", "size": 8}),
    )]);
    let client = client(env, &server);
    let pdf = b"%PDF-1.7\n\x00\xff\r\n".to_vec();
    let upload = UploadForm::new(
        "Lease \"2026\"",
        FilePart::new(pdf.clone()).with_file_name("lease.pdf"),
    )
    .attachments(vec![
        FilePart::new(b"\x89PNG".to_vec())
            .with_file_name("scan.png")
            .with_content_type("image/png"),
        FilePart::new(b"raw".to_vec()),
    ])
    .tags(vec!["home".into(), "2026".into()])
    .metadata(UploadMetadata::new().source("scanner").pages(2));
    let created = send!(client, |c| c.documents().upload(upload.clone())).expect("upload");
    assert_eq!(created.id, 14);

    let request = only_request(&server);
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/documents")
    );
    let b = boundary(&request);
    assert!(b.starts_with("apigen-") && b.len() == 23, "{b}");
    let mut expected = Vec::new();
    let mut part = |headers: &str, body: &[u8]| {
        expected.extend_from_slice(format!("--{b}\r\n{headers}\r\n\r\n").as_bytes());
        expected.extend_from_slice(body);
        expected.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"title\"",
        b"Lease \"2026\"",
    );
    part(
        "Content-Disposition: form-data; name=\"file\"; filename=\"lease.pdf\"\r\nContent-Type: application/pdf",
        &pdf,
    );
    part(
        "Content-Disposition: form-data; name=\"attachments\"; filename=\"scan.png\"\r\nContent-Type: image/png",
        b"\x89PNG",
    );
    part(
        "Content-Disposition: form-data; name=\"attachments\"\r\nContent-Type: application/octet-stream",
        b"raw",
    );
    part("Content-Disposition: form-data; name=\"tags\"", b"home");
    part("Content-Disposition: form-data; name=\"tags\"", b"2026");
    part(
        "Content-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json",
        br#"{"pages":2,"source":"scanner"}"#,
    );
    expected.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(request.body, expected);
}

/// Only the required parts; a 503 is retried and the retry sends the same
/// bytes (same boundary).
fn multipart_minimal_and_retried_byte_for_byte(env: &Env) {
    let server = TestServer::script(vec![
        Reply::json(503, &json!({"message": "busy"})),
        Reply::json(
            201,
            &json!({"id": 15, "title": "Note", "status": "draft", "size": 2}),
        ),
    ]);
    let client = client(env, &server);
    let upload = UploadForm::new("Note", FilePart::new(b"hi".to_vec()));
    send!(client, |c| c.documents().upload(upload.clone())).expect("upload");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(
        requests[0].header("content-type"),
        requests[1].header("content-type")
    );
    let b = boundary(&requests[1]);
    assert_eq!(
        text(&requests[1].body),
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nNote\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Type: application/pdf\r\n\r\nhi\r\n\
             --{b}--\r\n"
        )
    );
}

/// A file part from a stream: its chunks are forwarded while the request
/// is sent, between the other parts' bytes, with a `Content-Length` (the
/// declared length), not chunked.
fn multipart_streamed_file_part(env: &Env) {
    let server = TestServer::script(vec![Reply::json(
        201,
        &json!({"id": 16, "title": "Big", "status": "draft", "size": 11}),
    )]);
    let client = client(env, &server);
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(b"hello ".to_vec()),
        Ok(b"world".to_vec()),
    ]);
    let upload = UploadForm::new(
        "Big",
        FilePart::from_stream(11, chunks).with_file_name("big.pdf"),
    )
    .attachments(vec![FilePart::new(b"tail".to_vec())]);
    assert!(upload.file.is_streamed() && upload.file.len() == 11);
    send!(client, |c| c.documents().upload(upload.clone())).expect("upload");
    let request = only_request(&server);
    let b = boundary(&request);
    let expected = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBig\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\nhello world\r\n\
         --{b}\r\nContent-Disposition: form-data; name=\"attachments\"\r\nContent-Type: application/octet-stream\r\n\r\ntail\r\n\
         --{b}--\r\n"
    );
    assert_eq!(text(&request.body), expected);
    assert_eq!(
        request.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
    assert_eq!(request.header("transfer-encoding"), None);
}

/// A streamed body cannot be replayed: a 503 is not retried (one request,
/// the error returned), and sending the same operation again is refused
/// before anything is sent.
fn streamed_upload_is_sent_once_and_not_retried(env: &Env) {
    let server = TestServer::script(vec![Reply::json(503, &json!({"message": "busy"}))]);
    let client = client(env, &server);
    let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(b"x".to_vec())]);
    let upload = UploadForm::new("Once", FilePart::from_stream(1, chunks));
    let error = send!(client, |c| c.documents().upload(upload.clone())).expect_err("503");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503), "{error:?}");
    assert_eq!(server.request_count(), 1);
    assert!(
        env.sleeper.sleeps().is_empty(),
        "{:?}",
        env.sleeper.sleeps()
    );
    let again = send!(client, |c| c.documents().upload(upload.clone())).expect_err("sent");
    assert!(matches!(again, Error::InvalidRequest { .. }), "{again:?}");
    assert_eq!(server.request_count(), 1);
}

/// `application/octet-stream`: the bytes as they are.
fn octet_stream_body(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &document())]);
    let client = client(env, &server);
    let bytes: Vec<u8> = (0..=255).collect();
    send!(client, |c| c
        .documents()
        .content()
        .replace(12, bytes.clone()))
    .expect("replace");
    let request = only_request(&server);
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("PUT", "/documents/12/content")
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(request.body, bytes);
}

/// A binary body from a stream: its chunks forwarded with the declared
/// `Content-Length`; the part's own content type replaces the spec's.
fn octet_stream_body_streamed_with_its_own_content_type(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &document())]);
    let client = client(env, &server);
    let chunks = futures_util::stream::iter(vec![
        Ok::<_, std::io::Error>(b"%PDF-".to_vec()),
        Ok(vec![0, 255]),
        Ok(b"1.7".to_vec()),
    ]);
    let file = FilePart::from_stream(10, chunks).with_content_type("application/pdf");
    send!(client, |c| c
        .documents()
        .content()
        .replace(12, file.clone()))
    .expect("replace");
    let request = only_request(&server);
    assert_eq!(request.header("content-type"), Some("application/pdf"));
    assert_eq!(request.header("content-length"), Some("10"));
    assert_eq!(request.body, b"%PDF-\x00\xff1.7");
}

/// `text/plain`: the string's UTF-8 bytes.
fn text_body(env: &Env) {
    let server = TestServer::script(vec![Reply::json(200, &document())]);
    let client = client(env, &server);
    let notes = "Signed copy is in the safe.\nÜbersetzung: ✓";
    send!(client, |c| c.documents().notes().set(12, notes.to_owned())).expect("set");
    let request = only_request(&server);
    assert_eq!(request.target, "/documents/12/notes");
    assert_eq!(request.header("content-type"), Some("text/plain"));
    assert_eq!(request.body, notes.as_bytes());
}

/// One operation, three media types: the variant of `CommentsAddBody`
/// chosen is the `Content-Type` sent, and the body is encoded accordingly.
fn several_media_types_the_caller_picks(env: &Env) {
    let reply = Reply::json(201, &json!({"id": 301, "body": "Please sign page 2."}));
    let server = TestServer::script(vec![reply.clone(), reply.clone(), reply]);
    let client = client(env, &server);
    let comment = NewComment::new("Please sign page 2.").mentions(vec!["ana".into(), "bo".into()]);
    let bodies = [
        CommentsAddBody::Json(comment.clone()),
        CommentsAddBody::Form(comment),
        CommentsAddBody::Text("Please sign page 2.".into()),
    ];
    for body in &bodies {
        let created =
            send!(client, |c| c.documents().comments().add(12, body.clone())).expect("add");
        assert_eq!(created.id, 301);
    }
    let requests = server.requests();
    let sent: Vec<(Option<&str>, &str)> = requests
        .iter()
        .map(|r| (r.header("content-type"), text(&r.body)))
        .collect();
    assert_eq!(
        sent,
        vec![
            (
                Some("application/json"),
                r#"{"body":"Please sign page 2.","mentions":["ana","bo"]}"#
            ),
            (
                Some("application/x-www-form-urlencoded"),
                "body=Please%20sign%20page%202.&mentions=ana&mentions=bo"
            ),
            (Some("text/plain"), "Please sign page 2."),
        ]
    );
    assert!(
        requests
            .iter()
            .all(|r| r.target == "/documents/12/comments")
    );
}

// ---------------------------------------------------------------------------
// Conformance: Prism validates the same requests against the spec.
// ---------------------------------------------------------------------------

const SPEC: &str = "wireforms-requests.yaml";

/// Every parameter but `ids`: Prism 5.16 splits a `spaceDelimited` value on
/// the text `%20` *after* decoding the query, so it cannot read any
/// correctly encoded `spaceDelimited` list (`ids=12%2013` is reported as
/// "ids.0 must be integer"); the local tests check its bytes.
fn prism_list_params() -> DocumentsListParams {
    DocumentsListParams::new()
        .status(DocumentStatus::Final)
        .tag(vec!["tax".into(), "2026".into()])
        .fields(vec!["id".into(), "title".into()])
        .owners(vec!["ana".into(), "bo".into()])
        .filter(DocumentFilter::new().kind("pdf").min_size(1024))
        .window(DateWindow::new().after("2026-01-01").before("2026-02-01"))
        .paging(Paging::new().limit(10).offset(20))
        .x_request_tags(vec!["batch".into(), "nightly".into()])
        .x_client_info(ClientInfo::new().name("paperctl").version("1.2"))
        .recent(vec![12, 7])
}

fn full_search() -> SearchForm {
    SearchForm::new("tax return")
        .tag(vec!["a".into(), "b".into()])
        .fields(vec!["id".into(), "title".into()])
        .filter(DocumentFilter::new().kind("pdf").min_size(1024))
        .limit(5)
}

/// A text field and a file: Prism 5.16 reads each multipart part as a
/// string and keeps only the last part of a name, so it reports any list
/// (`attachments`, `tags`) or JSON part (`metadata`) as the wrong type; the
/// local tests check those parts' bytes.
fn prism_upload() -> UploadForm {
    UploadForm::new(
        "Lease",
        FilePart::new(b"%PDF-1.7".to_vec()).with_file_name("lease.pdf"),
    )
}

fn comment() -> NewComment {
    NewComment::new("Please sign page 2.").mentions(vec!["ana".into()])
}

/// Every operation, every form, with every parameter set, through the
/// client of `client`'s flavour against Prism; returns the violations
/// reported per call (none expected) and the number of calls.
fn every_form(client: &Wireforms, proxy: &support::SniffingProxy) -> Vec<(String, Vec<String>)> {
    let mut report = Vec::new();
    let mut check = |what: &str, result: Result<String, Error>| {
        let before: usize = report
            .iter()
            .map(|(_, v): &(String, Vec<String>)| v.len())
            .sum();
        let all = proxy.violations();
        let new: Vec<String> = all[before.min(all.len())..].to_vec();
        match result {
            Ok(summary) => report.push((format!("{what}: {summary}"), new)),
            Err(e) => report.push((format!("{what}: FAILED {e:?}"), new)),
        }
    };
    check(
        "list with every style",
        send!(client, |c| c
            .documents()
            .list("ws_acme")
            .params(prism_list_params()))
        .map(|r| format!("{} items", r.items.len())),
    );
    check(
        "search (form body)",
        send!(client, |c| c.documents().search(full_search()))
            .map(|r| format!("{} items", r.items.len())),
    );
    check(
        "upload (multipart)",
        send!(client, |c| c.documents().upload(prism_upload())).map(|r| format!("id {}", r.id)),
    );
    check(
        "replace content (octet-stream)",
        send!(client, |c| c
            .documents()
            .content()
            .replace(12, b"%PDF".to_vec()))
        .map(|r| format!("size {}", r.size)),
    );
    check(
        "set notes (text)",
        send!(client, |c| c
            .documents()
            .notes()
            .set(12, "Signed.".to_owned()))
        .map(|r| format!("id {}", r.id)),
    );
    for body in [
        CommentsAddBody::Json(comment()),
        CommentsAddBody::Form(comment()),
        CommentsAddBody::Text("Please sign page 2.".into()),
    ] {
        let what = format!("add comment ({body:?})");
        check(
            &what,
            send!(client, |c| c.documents().comments().add(12, body.clone()))
                .map(|r| format!("id {}", r.id)),
        );
    }
    report
}

#[test]
fn prism_accepts_every_request_form() {
    let prism = support::Prism::start(SPEC, support::PrismMode::Static);
    let proxy = support::SniffingProxy::start(prism.port());
    let config = || {
        wireforms_requests_client::Config::new(wireforms_requests_client::Credentials::bearer(
            TOKEN,
        ))
        .with_base_url(proxy.url())
    };
    let runtime = support::client_runtime();
    let clients: [Wireforms; 2] = [
        Flavored::Async(
            wireforms_requests_client::Client::new(config()).expect("client"),
            runtime.handle().clone(),
        ),
        Flavored::Blocking(wireforms_requests_blocking::Client::new(config()).expect("client")),
    ];
    for client in &clients {
        let report = every_form(client, &proxy);
        for (what, violations) in &report {
            eprintln!("{:?} {what}: {violations:?}", client.flavor());
        }
        for (what, violations) in &report {
            assert!(
                violations.is_empty() && !what.contains("FAILED"),
                "{:?} {what}: Prism reported {violations:?}\nPrism log:\n{}",
                client.flavor(),
                prism.log_tail()
            );
        }
    }
    // Every call reached Prism once, and no response carried a violation.
    assert_eq!(proxy.requests().len(), 2 * 8, "{:#?}", proxy.requests());
    assert!(proxy.violations().is_empty(), "{:?}", proxy.violations());

    // The check can fail: a `status` outside the enum is refused. (The
    // optional headers are set: Prism 5.16 crashes, "Cannot read
    // properties of undefined (reading 'split')", on a request without an
    // optional array or object header parameter.)
    let fresh = wireforms_requests_client::Client::new(config()).expect("client");
    let error = runtime
        .block_on(
            fresh
                .documents()
                .list("ws_acme")
                .params(
                    DocumentsListParams::new()
                        .x_request_tags(vec!["check".into()])
                        .x_client_info(ClientInfo::new().name("check")),
                )
                .query("status", "lost")
                .send(),
        )
        .expect_err("Prism refuses status=lost");
    assert_eq!(
        error.status().map(|s| s.as_u16()),
        Some(422),
        "{error:?}\n{}",
        prism.log_tail()
    );
    // Prism's problem body names the parameter.
    let debug = format!("{error:?}");
    assert!(
        debug.contains(r#"\"location\":[\"query\",\"status\"]"#),
        "{debug}"
    );
}
