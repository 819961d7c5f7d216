//! Auto-pagination: streams of pages and of items, one page in memory at a
//! time.

use std::hash::{DefaultHasher, Hasher};

use futures_util::Stream;
use futures_util::stream;

use crate::decode::decode_plain_output;
use crate::error::Error;
use crate::operation::{Paginated, Pagination};
use crate::pipeline::Caller;
use crate::response::Response;

/// Walks the pages of a list operation.
///
/// Stopping rules (so that a misbehaving server can never cause an endless
/// loop):
/// - [`Pagination::SinglePage`]: after the first page.
/// - [`Pagination::PageNumber`]: starts at `op.page()` (default 1); stops
///   after an empty page, when the page number reaches `total_pages` (when
///   the metadata has it), or when a page's body is identical to the
///   previous page's (the server ignored the page number).
/// - [`Pagination::Cursor`]: stops when the next cursor is missing, empty, or
///   equal to the cursor just sent.
/// - After any error.
pub(crate) struct Pager<O> {
    caller: Caller,
    next: Option<O>,
    /// Fingerprint of the previous page's body (page-number paging).
    previous_body: Option<u64>,
    /// The cursor sent with the current request.
    sent_cursor: Option<String>,
    /// Pages yielded so far.
    pages: u64,
}

/// One fetched page, with the operation that asked for it.
struct Page<O: Paginated> {
    operation: O,
    response: Response<O::Output, O::Meta>,
    body: Vec<u8>,
}

impl<O: Paginated> Pager<O> {
    fn new(mut operation: O, caller: Caller) -> Self {
        if O::PAGINATION == Pagination::PageNumber && operation.page().is_none() {
            operation.set_page(1);
        }
        Pager {
            caller,
            next: Some(operation),
            previous_body: None,
            sent_cursor: None,
            pages: 0,
        }
    }

    /// Fetches the next page; `None` when paging is over.
    async fn fetch(&mut self) -> Option<Result<Page<O>, Error>> {
        let operation = self.next.take()?;
        let (response, body) = match self.caller.fetch(&operation).await {
            Ok(ok) => ok,
            Err(e) => return Some(Err(e)),
        };
        if O::PAGINATION == Pagination::PageNumber {
            let mut hasher = DefaultHasher::new();
            hasher.write(&body);
            let fingerprint = hasher.finish();
            if self.previous_body == Some(fingerprint) {
                tracing::debug!(
                    operation_id = O::INFO.operation_id,
                    "stopping pagination: the server returned the same page twice"
                );
                return None;
            }
            self.previous_body = Some(fingerprint);
        }
        Some(Ok(Page {
            operation,
            response,
            body,
        }))
    }

    /// Prepares the request for the page after the one `operation` asked
    /// for, or ends paging.
    fn plan_next(
        &mut self,
        operation: O,
        cursor: Option<String>,
        total_pages: Option<u64>,
        empty: bool,
    ) {
        self.pages += 1;
        self.next = match O::PAGINATION {
            Pagination::SinglePage => None,
            Pagination::PageNumber => {
                let current = operation.page().unwrap_or(1);
                if empty || total_pages.is_some_and(|total| current >= total) {
                    None
                } else {
                    current.checked_add(1).map(|page| {
                        let mut next = operation;
                        next.set_page(page);
                        next
                    })
                }
            }
            Pagination::Cursor => match cursor {
                Some(cursor)
                    if !cursor.is_empty() && self.sent_cursor.as_ref() != Some(&cursor) =>
                {
                    let mut next = operation;
                    next.set_cursor(cursor.clone());
                    self.sent_cursor = Some(cursor);
                    Some(next)
                }
                _ => None,
            },
        };
    }
}

/// The pages of a list, starting with the page `first` asks for.
pub(crate) fn pages<O>(
    first: O,
    caller: Caller,
) -> impl Stream<Item = Result<Response<O::Output, O::Meta>, Error>> + Unpin + use<O>
where
    O: Paginated,
{
    // Boxed so the stream is `Unpin`: callers can use `next()` and
    // `try_next()` on it without pinning it themselves.
    Box::pin(stream::unfold(
        Pager::new(first, caller),
        |mut pager| async move {
            let page = match pager.fetch().await? {
                Ok(page) => page,
                Err(e) => return Some((Err(e), pager)),
            };
            let Page {
                operation,
                response,
                body,
            } = page;
            let cursor = match O::PAGINATION {
                Pagination::Cursor => O::next_cursor(&response),
                _ => None,
            };
            let total_pages = response.meta().and_then(O::total_pages);
            // Whether the page is empty matters only for page-number paging
            // without a known page count. The output is handed to the caller,
            // so its items are counted on a second decode of the same bytes.
            let empty = O::PAGINATION == Pagination::PageNumber
                && total_pages.is_none()
                && decode_plain_output::<O>(&body)
                    .is_some_and(|output| O::into_items(output).is_empty());
            drop(body);
            let first = pager.pages == 0;
            pager.plan_next(operation, cursor, total_pages, empty);
            if empty && !first {
                // An empty page past the first carries nothing: end here.
                return None;
            }
            Some((Ok(response), pager))
        },
    ))
}

/// The items of a list across its pages, starting with the page `first`
/// asks for.
pub(crate) fn items<O>(
    first: O,
    caller: Caller,
) -> impl Stream<Item = Result<O::Item, Error>> + Unpin + use<O>
where
    O: Paginated,
{
    let state = (Pager::new(first, caller), Vec::new().into_iter());
    Box::pin(stream::unfold(state, |(mut pager, mut items)| async move {
        loop {
            if let Some(item) = items.next() {
                return Some((Ok(item), (pager, items)));
            }
            let Page {
                operation,
                response,
                body,
            } = match pager.fetch().await? {
                Ok(page) => page,
                Err(e) => return Some((Err(e), (pager, Vec::new().into_iter()))),
            };
            drop(body);
            let cursor = match O::PAGINATION {
                Pagination::Cursor => O::next_cursor(&response),
                _ => None,
            };
            let total_pages = response.meta().and_then(O::total_pages);
            let page_items = O::into_items(response.into_inner());
            pager.plan_next(operation, cursor, total_pages, page_items.is_empty());
            items = page_items.into_iter();
        }
    }))
}
