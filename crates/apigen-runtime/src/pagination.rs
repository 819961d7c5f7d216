//! Pagination: streams of pages and of items, one page in memory at a
//! time, and manual paging with [`Page`].

use std::collections::HashSet;
use std::fmt;
use std::ops::{Deref, DerefMut};

use futures_util::stream;
use futures_util::{Stream, TryStreamExt as _};

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
///   one already sent (a cycle A → B → A).
/// - After the call's `max_pages` pages.
/// - After any error.
pub(crate) struct Pager<O> {
    caller: Caller,
    next: Option<O>,
    /// The previous page's body (page-number paging), kept to compare
    /// with the next: cheaper than hashing every body, and exact.
    previous_body: Option<bytes::Bytes>,
    /// Every cursor sent so far.
    sent_cursors: HashSet<String>,
    /// Pages yielded so far.
    pages: u64,
}

/// One fetched page, with the operation that asked for it.
struct Fetched<O: Paginated> {
    operation: O,
    response: Response<O::Output, O::Meta>,
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
            sent_cursors: HashSet::new(),
            pages: 0,
        }
    }

    /// Fetches the next page; `None` when paging is over.
    async fn fetch(&mut self) -> Option<Result<Fetched<O>, Error>> {
        let operation = self.next.take()?;
        let (response, body) = match self.caller.fetch(&operation).await {
            Ok(ok) => ok,
            Err(e) => return Some(Err(e)),
        };
        if O::PAGINATION == Pagination::PageNumber {
            if self.previous_body.as_deref() == Some(&body[..]) {
                tracing::debug!(
                    operation_id = O::INFO.operation_id,
                    "stopping pagination: the server returned the same page twice"
                );
                return None;
            }
            self.previous_body = Some(body);
        }
        Some(Ok(Fetched {
            operation,
            response,
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
        if self.caller.max_pages().is_some_and(|max| self.pages >= max) {
            self.next = None;
            return;
        }
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
                Some(cursor) if !cursor.is_empty() && !self.sent_cursors.contains(&cursor) => {
                    let mut next = operation;
                    next.set_cursor(cursor.clone());
                    self.sent_cursors.insert(cursor);
                    Some(next)
                }
                Some(cursor) if !cursor.is_empty() => {
                    tracing::debug!(
                        operation_id = O::INFO.operation_id,
                        "stopping pagination: the server returned a cursor already followed"
                    );
                    None
                }
                _ => None,
            },
        };
    }
}

/// Fetches the next page and plans the one after; `None` when paging is
/// over.
async fn next_response<O: Paginated>(
    pager: &mut Pager<O>,
) -> Option<Result<Response<O::Output, O::Meta>, Error>> {
    let page = match pager.fetch().await? {
        Ok(page) => page,
        Err(e) => return Some(Err(e)),
    };
    let Fetched {
        operation,
        response,
    } = page;
    let cursor = match O::PAGINATION {
        Pagination::Cursor => O::next_cursor(&response),
        _ => None,
    };
    let total_pages = response.meta().and_then(O::total_pages);
    // Whether the page is empty matters only for page-number paging
    // without a known page count. The output is handed to the caller,
    // so its items are counted on a second decode of the same bytes (for
    // page-number paging, `fetch` keeps this page's body as the previous).
    let empty = O::PAGINATION == Pagination::PageNumber
        && total_pages.is_none()
        && pager
            .previous_body
            .as_deref()
            .and_then(decode_plain_output::<O>)
            .is_some_and(|output| O::into_items(output).is_empty());
    let first = pager.pages == 0;
    pager.plan_next(operation, cursor, total_pages, empty);
    if empty && !first {
        // An empty page past the first carries nothing: end here.
        return None;
    }
    Some(Ok(response))
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
            let response = next_response(&mut pager).await?;
            Some((response, pager))
        },
    ))
}

/// One page of a list, for manual paging (from
/// [`Call::page`](crate::Call::page)): derefs to its [`Response`].
///
/// The same stopping rules as [`Call::pages`](crate::Call::pages) apply:
/// [`has_next_page`](Page::has_next_page) is `false` on the last page, after
/// a repeated cursor, or at the call's `max_pages`.
pub struct Page<O: Paginated> {
    response: Response<O::Output, O::Meta>,
    pager: Pager<O>,
}

impl<O: Paginated> Page<O> {
    /// Whether another page may follow. It may still turn out empty, in
    /// which case [`next_page`](Page::next_page) returns `Ok(None)`.
    pub fn has_next_page(&self) -> bool {
        self.pager.next.is_some()
    }

    /// Fetches the next page; `Ok(None)` when there is none.
    pub async fn next_page(mut self) -> Result<Option<Page<O>>, Error> {
        match next_response(&mut self.pager).await {
            None => Ok(None),
            Some(Err(e)) => Err(e),
            Some(Ok(response)) => Ok(Some(Page {
                response,
                pager: self.pager,
            })),
        }
    }

    /// The response of this page.
    pub fn response(&self) -> &Response<O::Output, O::Meta> {
        &self.response
    }

    /// The response of this page.
    pub fn into_response(self) -> Response<O::Output, O::Meta> {
        self.response
    }

    /// The items of this page.
    pub fn into_items(self) -> Vec<O::Item> {
        O::into_items(self.response.into_inner())
    }
}

impl<O: Paginated> Deref for Page<O> {
    type Target = Response<O::Output, O::Meta>;

    fn deref(&self) -> &Self::Target {
        &self.response
    }
}

impl<O: Paginated> DerefMut for Page<O> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.response
    }
}

impl<O: Paginated> fmt::Debug for Page<O>
where
    O::Output: fmt::Debug,
    O::Meta: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Page")
            .field("response", &self.response)
            .field("has_next_page", &self.has_next_page())
            .field("pages_fetched", &self.pager.pages)
            .finish()
    }
}

/// The first page of a list, for manual paging.
pub(crate) async fn first_page<O: Paginated>(first: O, caller: Caller) -> Result<Page<O>, Error> {
    let mut pager = Pager::new(first, caller);
    match next_response(&mut pager).await {
        Some(Ok(response)) => Ok(Page { response, pager }),
        Some(Err(e)) => Err(e),
        // The first fetch always yields a page or an error.
        None => Err(Error::invalid_request("internal: no first page")),
    }
}

/// The items of a list, page by page (each page's items in one `Vec`),
/// starting with the page `first` asks for. An empty page yields an empty
/// `Vec`; paging stops after it.
pub(crate) fn item_pages<O>(
    first: O,
    caller: Caller,
) -> impl Stream<Item = Result<Vec<O::Item>, Error>> + use<O>
where
    O: Paginated,
{
    stream::unfold(Pager::new(first, caller), |mut pager| async move {
        let Fetched {
            operation,
            response,
        } = match pager.fetch().await? {
            Ok(page) => page,
            Err(e) => return Some((Err(e), pager)),
        };
        let cursor = match O::PAGINATION {
            Pagination::Cursor => O::next_cursor(&response),
            _ => None,
        };
        let total_pages = response.meta().and_then(O::total_pages);
        let page_items = O::into_items(response.into_inner());
        pager.plan_next(operation, cursor, total_pages, page_items.is_empty());
        Some((Ok(page_items), pager))
    })
}

/// The items of a list across its pages, starting with the page `first`
/// asks for. Only fetching a page goes through the pager; the items of a
/// page are then handed out one by one from its `Vec`.
pub(crate) fn items<O>(
    first: O,
    caller: Caller,
) -> impl Stream<Item = Result<O::Item, Error>> + Unpin + use<O>
where
    O: Paginated,
{
    Box::pin(
        item_pages(first, caller)
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten(),
    )
}
