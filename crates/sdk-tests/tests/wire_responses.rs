//! Behaviour tests of the response forms and security schemes of issue 12,
//! through the generated render-farm clients (`wireforms-responses-client`
//! and `-blocking`, from `spec/wireforms-responses.yaml`) against a local
//! wiremock server: several successful responses as an enum, text, binary
//! (whole and streamed), 204, the typed `default` error; HTTP basic, bearer,
//! API keys in a cookie, the query or a header, access tokens (given, or
//! from a provider that is asked again after a 401), security alternatives
//! and per-operation security, `security: []` included.
//!
//! Each case in the table runs twice, once per flavour (see
//! `support/flavored.rs`), and asserts the exact request sent and the
//! decoded response.

mod support;

use std::sync::{Arc, Mutex};

use apigen_runtime::{Bytes, TokenRequest};
use serde_json::json;
use wireforms_responses_client::operations::{
    JobsCreate, JobsCreateResponse, JobsExportResponse, JobsGet, ReportsGetResponse,
};
use wireforms_responses_client::types::{
    Job, JobRequest, JobState, JobTicket, Problem, ReportProgress,
};
use wiremock::matchers::{header as header_is, method, path};
use wiremock::{Mock, ResponseTemplate};

use support::flavored::*;

support::flavored::flavored_cases! {
    // Responses.
    several_successes_decode_into_their_variants,
    binary_json_and_empty_variants_are_told_apart_by_status,
    an_undeclared_success_status_is_a_decode_error,
    text_responses_are_strings,
    text_and_json_variants_of_a_report,
    binary_responses_are_bytes,
    large_binary_responses_stream_past_the_body_limit,
    no_content_is_unit,
    default_response_types_the_error_body,
    test_doubles_reply_with_each_variant_and_form,
    // Security.
    basic_auth_is_sent_as_an_authorization_header,
    cookie_api_key_is_sent_in_the_cookie_header,
    the_first_configured_alternative_of_the_operation_is_used,
    per_operation_security_sends_only_that_schemes_credentials,
    security_none_sends_no_credentials,
    access_tokens_go_to_oauth_and_openid_operations_only,
    a_token_provider_is_asked_again_after_a_401,
    from_env_reads_every_scheme_and_each_call_picks_its_own,
}

const JOB_PATH: &str = "/jobs/job_1";

fn job_json(state: &str) -> serde_json::Value {
    json!({"id": "job_1", "scene": "teapot", "state": state})
}

fn job(state: JobState) -> Job {
    Job::new("job_1", "teapot", state)
}

fn bearer() -> Credentials {
    Credentials::bearer("tok_render_1")
}

/// Every request carries no credentials other than those named: checks
/// the `Authorization` and `Cookie` headers, `X-Node-Key` and the query.
fn assert_credentials(
    request: &wiremock::Request,
    authorization: Option<&str>,
    cookie: Option<&str>,
    query_key: Option<&str>,
    node_key: Option<&str>,
) {
    assert_eq!(
        header(request, "authorization"),
        authorization,
        "Authorization"
    );
    assert_eq!(header(request, "cookie"), cookie, "Cookie");
    assert_eq!(header(request, "x-node-key"), node_key, "X-Node-Key");
    let keys = query_values(request, "report_key");
    assert_eq!(keys.first().map(String::as_str), query_key, "report_key");
    assert!(keys.len() <= 1, "{keys:?}");
}

// ---- Responses --------------------------------------------------------------

fn several_successes_decode_into_their_variants(env: &Env) {
    env.mount_script(
        "POST",
        vec![ResponseTemplate::new(201).set_body_json(job_json("done"))],
        ResponseTemplate::new(202).set_body_json(json!({"ticket": "tkt_1", "position": 3})),
    );
    let client = env.wireforms(env.config(bearer()));
    let body = JobRequest::new("teapot", 1);

    let created = send!(client, |c| c.jobs().create(body.clone())).unwrap();
    assert_eq!(created.status(), 201);
    assert_eq!(
        created.into_inner(),
        JobsCreateResponse::Created(job(JobState::Done))
    );
    let queued = send!(client, |c| c.jobs().create(body.clone())).unwrap();
    assert_eq!(queued.status(), 202);
    match queued.into_inner() {
        JobsCreateResponse::Accepted(JobTicket {
            ticket, position, ..
        }) => {
            assert_eq!((ticket.as_str(), position), ("tkt_1", 3));
        }
        other => panic!("expected Accepted, got {other:?}"),
    }

    let requests = env.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.url.path(), "/jobs");
        assert_eq!(request.body, br#"{"scene":"teapot","frames":1}"#);
        assert_common_headers(request, "wireforms-responses", true);
        assert_credentials(request, Some("Bearer tok_render_1"), None, None, None);
    }
}

fn binary_json_and_empty_variants_are_told_apart_by_status(env: &Env) {
    let scene = b"\x00\x01scene\xff\xfe".to_vec();
    env.mount_script(
        "GET",
        vec![
            ResponseTemplate::new(200).set_body_raw(scene.clone(), "application/octet-stream"),
            ResponseTemplate::new(202).set_body_json(json!({"ticket": "tkt_2", "position": 1})),
        ],
        ResponseTemplate::new(204),
    );
    let client = env.wireforms(env.config(bearer()));

    let ready = send!(client, |c| c.jobs().export("job_1")).unwrap();
    assert_eq!(
        ready.into_inner(),
        JobsExportResponse::Ok(Bytes::from(scene))
    );
    let preparing = send!(client, |c| c.jobs().export("job_1")).unwrap();
    assert_eq!(
        preparing.into_inner(),
        JobsExportResponse::Accepted(JobTicket::new("tkt_2", 1))
    );
    let nothing = send!(client, |c| c.jobs().export("job_1")).unwrap();
    assert_eq!(nothing.status(), 204);
    assert_eq!(nothing.into_inner(), JobsExportResponse::NoContent);

    for request in env.requests() {
        assert_eq!(request.url.path(), "/jobs/job_1/export");
        // The media types the output decodes, then JSON for errors.
        assert_eq!(
            header(&request, "accept"),
            Some("application/octet-stream, application/json")
        );
    }
}

fn an_undeclared_success_status_is_a_decode_error(env: &Env) {
    env.mount_script(
        "GET",
        vec![],
        ResponseTemplate::new(206).set_body_raw(b"part".to_vec(), "application/octet-stream"),
    );
    let client = env.wireforms(env.config(bearer()));
    let err = expect_err(send!(client, |c| c.jobs().export("job_1")));
    match &err {
        Error::Decode {
            status, message, ..
        } => {
            assert_eq!(*status, 206);
            assert_eq!(
                message,
                "HTTP 206 is not one of the operation's successful responses (200, 202, 204)"
            );
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

fn text_responses_are_strings(env: &Env) {
    let log = "frame 1: 0.8 s\nframe 2: 0.9 s — done\n";
    env.mount(
        Mock::given(method("GET"))
            .and(path("/jobs/job_1/log"))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(log, "text/plain; charset=utf-8"),
            ),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("ok", "text/plain")),
    );
    let client = env.wireforms(env.config(bearer()));
    let text: String = send!(client, |c| c.jobs().log("job_1"))
        .unwrap()
        .into_inner();
    assert_eq!(text, log);
    let health = send!(client, |c| c.service().health()).unwrap();
    assert_eq!(*health, "ok");
    let requests = env.requests();
    assert_eq!(
        header(&requests[0], "accept"),
        Some("text/plain, application/json")
    );
}

fn text_and_json_variants_of_a_report(env: &Env) {
    let csv = "job,seconds\njob_1,0.8\n";
    env.mount_script(
        "GET",
        vec![ResponseTemplate::new(202).set_body_json(json!({"percent": 40}))],
        ResponseTemplate::new(200).set_body_raw(csv, "text/csv"),
    );
    let client = env.wireforms(env.config(Credentials::api_keys([("report_key", "rk_1")])));
    let progress = send!(client, |c| c.reports().get("rep_1")).unwrap();
    assert_eq!(
        progress.into_inner(),
        ReportsGetResponse::Accepted(ReportProgress::new(40))
    );
    let report = send!(client, |c| c.reports().get("rep_1")).unwrap();
    assert_eq!(report.into_inner(), ReportsGetResponse::Ok(csv.to_owned()));
    for request in env.requests() {
        assert_eq!(request.url.path(), "/reports/rep_1");
        assert_eq!(request.url.query(), Some("report_key=rk_1"));
        assert_eq!(
            header(&request, "accept"),
            Some("text/csv, application/json")
        );
    }
}

fn binary_responses_are_bytes(env: &Env) {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    env.mount(
        Mock::given(method("GET"))
            .and(path("/jobs/job_1/thumbnail"))
            .respond_with(ResponseTemplate::new(200).set_body_raw(png.clone(), "image/png")),
    );
    let client = env.wireforms(env.config(bearer()));
    let thumbnail: Bytes = send!(client, |c| c.jobs().thumbnail("job_1"))
        .unwrap()
        .into_inner();
    assert_eq!(thumbnail, png);
    assert_eq!(
        header(&env.requests()[0], "accept"),
        Some("image/png, application/json")
    );
}

/// A body larger than the response limit: awaited, the call fails; read
/// as a stream (async: a `Stream` of chunks; blocking: `std::io::Read`),
/// every byte arrives.
fn large_binary_responses_stream_past_the_body_limit(env: &Env) {
    let archive: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    env.mount(
        Mock::given(method("GET"))
            .and(path("/jobs/job_1/output"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(archive.clone(), "application/octet-stream"),
            ),
    );
    let client = env.wireforms(env.config(bearer()).with_max_response_bytes(64 * 1024));
    let err = expect_err(send!(client, |c| c.jobs().output("job_1")));
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 65536, .. }),
        "{err:?}"
    );

    let (status, received) = match &client {
        Flavored::Async(c, runtime) => runtime.block_on(async {
            use futures_util::StreamExt as _;
            let response = c.jobs().output("job_1").send_streaming().await.unwrap();
            let status = response.status();
            let mut stream = response.bytes_stream();
            let mut received = Vec::new();
            while let Some(chunk) = stream.next().await {
                received.extend_from_slice(&chunk.unwrap());
            }
            (status, received)
        }),
        Flavored::Blocking(c) => {
            use std::io::Read as _;
            let mut response = c.jobs().output("job_1").send_streaming().unwrap();
            let mut received = Vec::new();
            response.read_to_end(&mut received).unwrap();
            (response.status(), received)
        }
    };
    assert_eq!(status, 200);
    assert_eq!(received.len(), archive.len());
    assert!(received == archive, "the streamed bytes differ");
}

fn no_content_is_unit(env: &Env) {
    env.mount(
        Mock::given(method("DELETE"))
            .and(path(JOB_PATH))
            .respond_with(ResponseTemplate::new(204)),
    );
    let client = env.wireforms(env.config(bearer()));
    let response = send!(client, |c| c.jobs().delete("job_1")).unwrap();
    assert_eq!(response.status(), 204);
    let () = response.into_inner();
    let request = &env.requests()[0];
    assert_eq!(request.method.as_str(), "DELETE");
    assert_common_headers(request, "wireforms-responses", false);
}

fn default_response_types_the_error_body(env: &Env) {
    // Longer than the 512-byte snippet an error keeps: the typed body is
    // decoded from the whole body.
    let detail = format!("no job job_9 ({})", "x".repeat(700));
    env.mount(
        Mock::given(method("GET"))
            .and(path("/jobs/job_9"))
            .respond_with(
                ResponseTemplate::new(404)
                    .set_body_json(json!({"title": "Not found", "status": 404, "detail": detail})),
            ),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/jobs/job_8"))
            .respond_with(
                ResponseTemplate::new(502).set_body_raw("<html>bad gateway</html>", "text/html"),
            ),
    );
    let client = env.wireforms(env.config(bearer()).with_max_retries(0));
    let err = expect_err(send!(client, |c| c.jobs().get("job_9")));
    assert_eq!(api_error(&err).status, 404);
    assert_eq!(api_error(&err).kind, ErrorKind::NotFound);
    assert_eq!(
        JobsGet::error_body(&err),
        Some(Problem::new("Not found", 404).detail(detail))
    );
    // A body that is not the declared type gives `None`, not a panic.
    let err = expect_err(send!(client, |c| c.jobs().get("job_8")));
    assert_eq!(api_error(&err).status, 502);
    assert_eq!(JobsGet::error_body(&err), None);
    assert_eq!(JobsCreate::error_body(&Error::invalid_request("x")), None);
}

/// `then_ok` of the typed test doubles: a variant picks its status and
/// the form of its body, through the same decoding as a real response.
fn test_doubles_reply_with_each_variant_and_form(env: &Env) {
    use apigen_runtime::test_util::Mocks;
    use wireforms_responses_client::operations::{JobsExport, JobsLog, JobsOutput};
    let mocks = Mocks::new();
    let ticket = JobTicket::new("tkt_9", 2);
    let _ = mocks
        .on::<JobsExport>()
        .then_ok(JobsExportResponse::Ok(Bytes::from_static(b"\x00scene\xff")))
        .then_ok(JobsExportResponse::Accepted(ticket.clone()))
        .then_ok(JobsExportResponse::NoContent);
    let _ = mocks.on::<JobsLog>().then_ok("line 1\n".to_owned());
    let _ = mocks
        .on::<JobsOutput>()
        .then_ok(Bytes::from_static(b"PK\x03\x04"));
    let client: Wireforms = match env.flavor {
        Flavor::Async => Flavored::Async(
            wireforms_responses_client::Client::mocked(&mocks).expect("mocked client"),
            env.runtime().handle().clone(),
        ),
        Flavor::Blocking => Flavored::Blocking(
            wireforms_responses_blocking::Client::mocked(&mocks).expect("mocked client"),
        ),
    };
    let statuses: Vec<(u16, JobsExportResponse)> = (0..3)
        .map(|_| {
            let r = send!(client, |c| c.jobs().export("job_1")).unwrap();
            (r.status().as_u16(), r.into_inner())
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (
                200,
                JobsExportResponse::Ok(Bytes::from_static(b"\x00scene\xff"))
            ),
            (202, JobsExportResponse::Accepted(ticket)),
            (204, JobsExportResponse::NoContent),
        ]
    );
    let log = send!(client, |c| c.jobs().log("job_1")).unwrap();
    assert_eq!(*log, "line 1\n");
    let output = send!(client, |c| c.jobs().output("job_1")).unwrap();
    assert_eq!(&output[..], b"PK\x03\x04");
    assert_eq!(mocks.request_count(), 5);
}

// ---- Security ---------------------------------------------------------------

fn ok_everywhere(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path(JOB_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(job_json("running"))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/reports/rep_1"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("a,b\n", "text/csv")),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/render-keys"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!(["node-a"]))),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/account"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"id": "acct_1", "name": "Studio"})),
            ),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("ok", "text/plain")),
    );
}

fn basic_auth_is_sent_as_an_authorization_header(env: &Env) {
    ok_everywhere(env);
    let client = env.wireforms(env.config(Credentials::basic("ada", "pa:ss wörd")));
    send!(client, |c| c.jobs().get("job_1")).unwrap();
    // base64("ada:pa:ss wörd"), the password's UTF-8 bytes as they are.
    assert_credentials(
        &env.requests()[0],
        Some("Basic YWRhOnBhOnNzIHfDtnJk"),
        None,
        None,
        None,
    );
}

fn cookie_api_key_is_sent_in_the_cookie_header(env: &Env) {
    ok_everywhere(env);
    let client = env.wireforms(env.config(Credentials::api_keys([("rf_session", "sess_42")])));
    send!(client, |c| c.jobs().get("job_1")).unwrap();
    assert_credentials(
        &env.requests()[0],
        None,
        Some("rf_session=sess_42"),
        None,
        None,
    );

    // A value that cannot be a cookie is refused when the client is made.
    let err = wireforms_responses_client::Client::new(
        env.config(Credentials::api_keys([("rf_session", "a;b")])),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
}

fn the_first_configured_alternative_of_the_operation_is_used(env: &Env) {
    ok_everywhere(env);
    // jobs.get accepts bearer, then basic, then the session cookie: the
    // order of the spec decides, not the order the credentials were given.
    let cases: [(Credentials, Option<&str>, Option<&str>); 3] = [
        (
            Credentials::api_keys([("rf_session", "sess_1")])
                .and(Credentials::basic("ada", "pw"))
                .and(bearer()),
            Some("Bearer tok_render_1"),
            None,
        ),
        (
            Credentials::api_keys([("rf_session", "sess_1")]).and(Credentials::basic("ada", "pw")),
            Some("Basic YWRhOnB3"),
            None,
        ),
        (
            Credentials::access_token("at_1")
                .and(Credentials::api_keys([("rf_session", "sess_1")])),
            None,
            Some("rf_session=sess_1"),
        ),
    ];
    for (i, (credentials, authorization, cookie)) in cases.into_iter().enumerate() {
        let client = env.wireforms(env.config(credentials));
        send!(client, |c| c.jobs().get("job_1")).unwrap();
        let requests = env.requests();
        assert_credentials(&requests[i], authorization, cookie, None, None);
    }
}

fn per_operation_security_sends_only_that_schemes_credentials(env: &Env) {
    ok_everywhere(env);
    let credentials = bearer().and(Credentials::api_keys([
        ("report_key", "rk_1"),
        ("X-Node-Key", "nk_1"),
        ("rf_session", "sess_1"),
    ]));
    let client = env.wireforms(env.config(credentials));
    send!(client, |c| c.jobs().get("job_1")).unwrap();
    send!(client, |c| c.reports().get("rep_1")).unwrap();
    send!(client, |c| c.render_keys().list()).unwrap();
    let requests = env.requests();
    assert_credentials(&requests[0], Some("Bearer tok_render_1"), None, None, None);
    assert_credentials(&requests[1], None, None, Some("rk_1"), None);
    assert_eq!(requests[1].url.query(), Some("report_key=rk_1"));
    assert_credentials(&requests[2], None, None, None, Some("nk_1"));

    // Without credentials for an operation's schemes, it gets none.
    env.reset();
    ok_everywhere(env);
    let client = env.wireforms(env.config(bearer()));
    send!(client, |c| c.reports().get("rep_1")).unwrap();
    assert_credentials(&env.requests()[0], None, None, None, None);
}

fn security_none_sends_no_credentials(env: &Env) {
    ok_everywhere(env);
    let everything = bearer()
        .and(Credentials::basic("ada", "pw"))
        .and(Credentials::access_token("at_1"))
        .and(Credentials::api_keys([
            ("report_key", "rk_1"),
            ("X-Node-Key", "nk_1"),
            ("rf_session", "sess_1"),
        ]));
    let client = env.wireforms(env.config(everything));
    let health = send!(client, |c| c.service().health()).unwrap();
    assert_eq!(*health, "ok");
    let request = &env.requests()[0];
    assert_credentials(request, None, None, None, None);
    assert_eq!(request.url.query(), None);
}

fn access_tokens_go_to_oauth_and_openid_operations_only(env: &Env) {
    ok_everywhere(env);
    let client = env.wireforms(env.config(Credentials::access_token("at_1")));
    let account = send!(client, |c| c.account().get()).unwrap();
    assert_eq!(account.name, "Studio");
    // jobs.get does not accept an OAuth2 or OpenID Connect token.
    send!(client, |c| c.jobs().get("job_1")).unwrap();
    let requests = env.requests();
    assert_credentials(&requests[0], Some("Bearer at_1"), None, None, None);
    assert_credentials(&requests[1], None, None, None, None);
}

fn a_token_provider_is_asked_again_after_a_401(env: &Env) {
    env.mount(
        Mock::given(method("GET"))
            .and(path("/account"))
            .and(header_is("authorization", "Bearer fresh_2"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"id": "acct_1", "name": "Studio"})),
            )
            .with_priority(1),
    );
    env.mount(
        Mock::given(method("GET"))
            .and(path("/account"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(json!({"title": "Unauthorized", "status": 401})),
            )
            .with_priority(2),
    );
    let asked: Arc<Mutex<Vec<bool>>> = Arc::default();
    let token = {
        let asked = Arc::clone(&asked);
        move |request: TokenRequest| {
            let mut asked = asked.lock().unwrap();
            asked.push(request.refresh);
            if request.refresh {
                format!("fresh_{}", asked.len())
            } else {
                "stale_1".to_owned()
            }
        }
    };
    let credentials = match env.flavor {
        Flavor::Async => Credentials::token_provider(move |request| {
            let token = token(request);
            async move { Ok::<_, Error>(token) }
        }),
        Flavor::Blocking => Credentials::blocking_token_provider(move |request| Ok(token(request))),
    };
    let client = env.wireforms(env.config(credentials));
    let account = send!(client, |c| c.account().get()).unwrap();
    assert_eq!(account.id, "acct_1");
    assert_eq!(*asked.lock().unwrap(), [false, true]);
    let sent: Vec<Option<String>> = env
        .requests()
        .iter()
        .map(|r| header(r, "authorization").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            Some("Bearer stale_1".to_owned()),
            Some("Bearer fresh_2".to_owned())
        ]
    );
    // A 401 is retried once only: a provider whose fresh token is refused
    // too ends the call with the 401.
    env.reset();
    env.mount(
        Mock::given(method("GET"))
            .and(path("/account"))
            .respond_with(
                ResponseTemplate::new(401).set_body_json(json!({"title": "no", "status": 401})),
            ),
    );
    let err = expect_err(send!(client, |c| c.account().get()));
    assert_eq!(api_error(&err).status, 401);
    assert_eq!(env.requests().len(), 2);
    assert_eq!(asked.lock().unwrap().len(), 4);

    // A provider that fails fails the call, and nothing is sent.
    env.reset();
    let failing = Credentials::blocking_token_provider(|_| {
        Err(Error::config("the identity provider is down"))
    });
    let client = env.wireforms(env.config(failing));
    let err = expect_err(send!(client, |c| c.account().get()));
    assert_eq!(
        err.to_string(),
        "invalid configuration: the identity provider is down"
    );
    assert!(env.requests().is_empty());
}

fn from_env_reads_every_scheme_and_each_call_picks_its_own(env: &Env) {
    ok_everywhere(env);
    let mut vars = FakeEnv::new(&[
        ("RENDERFARM_TOKEN", "tok_env"),
        ("RENDERFARM_REPORT_KEY", "rk_env"),
        ("RENDERFARM_NODE_KEY", "nk_env"),
        ("RENDERFARM_ID_TOKEN", "idt_env"),
        ("RENDERFARM_BASE_URL", &env.uri()),
    ]);
    let config = vars.config(&wireforms_responses_client::PROFILE).unwrap();
    let client = env.wireforms(env.wire(config));
    send!(client, |c| c.jobs().get("job_1")).unwrap();
    send!(client, |c| c.reports().get("rep_1")).unwrap();
    send!(client, |c| c.render_keys().list()).unwrap();
    send!(client, |c| c.account().get()).unwrap();
    let requests = env.requests();
    assert_credentials(&requests[0], Some("Bearer tok_env"), None, None, None);
    assert_credentials(&requests[1], None, None, Some("rk_env"), None);
    assert_credentials(&requests[2], None, None, None, Some("nk_env"));
    assert_credentials(&requests[3], Some("Bearer idt_env"), None, None, None);
    // Basic needs both variables: the user alone is not enough.
    let mut vars = FakeEnv::new(&[("RENDERFARM_USER", "ada")]);
    let err = vars
        .config(&wireforms_responses_client::PROFILE)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("RENDERFARM_USER and RENDERFARM_PASSWORD"),
        "{err}"
    );
}
