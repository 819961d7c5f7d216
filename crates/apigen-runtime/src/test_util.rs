//! Helpers for testing code that uses the client (feature `test-util`).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::config::Sleeper;

/// A [`Sleeper`] that records the delays the client asks for and returns at
/// once, so that retry tests run instantly and can assert the waits.
///
/// Clones share one record: keep a clone, pass the other to
/// [`Config::with_sleeper`](crate::Config::with_sleeper).
#[derive(Debug, Clone, Default)]
pub struct RecordingSleeper(Arc<Mutex<Vec<Duration>>>);

impl RecordingSleeper {
    /// The delays requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(duration);
        Box::pin(std::future::ready(()))
    }
}
