//! Tracing: one span per call with the documented fields, one event per
//! retry, and no parameter value, header or body in any of them.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

type Fields = Vec<(String, String)>;

/// A minimal subscriber that keeps every span and event with its fields.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<(String, Fields)>>>,
    events: Arc<Mutex<Vec<Fields>>>,
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields::new();
        attributes.record(&mut Visitor(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push((attributes.metadata().name().to_owned(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut fields = Fields::new();
        values.record(&mut Visitor(&mut fields));
        let mut spans = self.spans.lock().unwrap();
        if let Some(span) = spans.get_mut(id.into_u64() as usize - 1) {
            span.1.extend(fields);
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        self.events.lock().unwrap().push(fields);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn get<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn one_span_per_call_and_one_event_per_retry_without_values() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_string("body-marker"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(envelope(user("body-marker"))))
        .mount(&server)
        .await;
    let (client, _) = test_client(&server);

    let capture = Capture::default();
    let guard = tracing::subscriber::set_default(capture.clone());
    client
        .call(GetUser::new("param-marker"))
        .header("x-h", "header-marker")
        .await
        .unwrap();
    drop(guard);

    let spans = capture.spans.lock().unwrap().clone();
    let calls: Vec<&Fields> = spans
        .iter()
        .filter(|(name, _)| name == "apigen_call")
        .map(|(_, f)| f)
        .collect();
    assert_eq!(calls.len(), 1, "{spans:?}");
    let call = calls[0];
    assert_eq!(get(call, "operation_id"), Some("get-user"));
    assert_eq!(get(call, "method"), Some("GET"));
    assert_eq!(
        get(call, "path"),
        Some("/accounts/{account_id}/users/{user_id}")
    );
    assert_eq!(get(call, "status"), Some("200"));
    assert_eq!(get(call, "attempt"), Some("2"));
    assert!(get(call, "elapsed_ms").is_some());

    let events = capture.events.lock().unwrap().clone();
    let retries: Vec<&Fields> = events
        .iter()
        .filter(|f| get(f, "message") == Some("retrying request"))
        .collect();
    assert_eq!(retries.len(), 1, "{events:?}");
    assert_eq!(get(retries[0], "status"), Some("503"));
    assert_eq!(get(retries[0], "delay_ms"), Some("500"));

    let everything = format!("{spans:?} {events:?}");
    for marker in ["param-marker", "header-marker", "body-marker", SECRET] {
        assert!(
            !everything.contains(marker),
            "{marker} leaked: {everything}"
        );
    }
}
