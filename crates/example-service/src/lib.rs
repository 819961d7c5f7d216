//! An example consumer of the generated Cloudflare Access Users crates: the
//! kind of code a service team writes on top of the SDK, unit-tested without
//! a network through the client crates' `test-util` doubles.
//!
//! - [`Directory`] (async): lists the users with a seat, looks a user up
//!   (a 404 is "no such user", not a failure) and reports a rate limit as
//!   "busy, come back in N seconds".
//! - [`seat_report`] (blocking): the same listing from synchronous code.
//!
//! The tests at the bottom stub the API with typed values; the stubs go
//! through the real client pipeline (envelope, errors, retries, pages).

use std::fmt;
use std::time::Duration;

use cloudflare_access_users_client as cf;
use cloudflare_access_users_client::operations::UsersListParams;
use cloudflare_access_users_client::types::User;
use cloudflare_access_users_client::{Error, ErrorKind};
use futures_util::TryStreamExt as _;

/// What the service's callers see.
#[derive(Debug)]
pub enum DirectoryError {
    /// Cloudflare is rate limiting us; try again after the wait.
    Busy {
        /// How long Cloudflare asked us to wait.
        retry_after: Duration,
    },
    /// Anything else went wrong upstream.
    Upstream(Error),
}

impl fmt::Display for DirectoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectoryError::Busy { retry_after } => {
                write!(f, "directory busy, retry in {} s", retry_after.as_secs())
            }
            DirectoryError::Upstream(e) => write!(f, "directory unavailable: {e}"),
        }
    }
}

impl std::error::Error for DirectoryError {}

impl From<Error> for DirectoryError {
    fn from(error: Error) -> Self {
        // A rate limit longer than the client waits for itself comes back
        // with the wait; callers can schedule a retry.
        match (error.kind(), error.retry_after()) {
            (Some(ErrorKind::RateLimited), Some(retry_after)) => {
                DirectoryError::Busy { retry_after }
            }
            _ => DirectoryError::Upstream(error),
        }
    }
}

/// The users directory of one Cloudflare account.
#[derive(Debug, Clone)]
pub struct Directory {
    client: cf::Client,
    account_id: String,
}

impl Directory {
    /// A directory on `client` for `account_id`.
    pub fn new(client: cf::Client, account_id: impl Into<String>) -> Self {
        Directory {
            client,
            account_id: account_id.into(),
        }
    }

    /// The emails of the users holding an Access or Gateway seat, across
    /// every page, sorted.
    pub async fn seated_emails(&self) -> Result<Vec<String>, DirectoryError> {
        let users: Vec<User> = self
            .client
            .zero_trust()
            .access()
            .users()
            .list(&self.account_id)
            .params(UsersListParams::new().per_page(100))
            .items()
            .try_collect()
            .await?;
        Ok(seated(users))
    }

    /// The user `user_id`, or `None` when Cloudflare does not know it.
    pub async fn find(&self, user_id: &str) -> Result<Option<User>, DirectoryError> {
        let result = self
            .client
            .zero_trust()
            .access()
            .users()
            .get(&self.account_id, user_id)
            .await;
        match result {
            Ok(response) => Ok(Some(response.into_inner())),
            Err(e) if e.kind() == Some(ErrorKind::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// The seated users' emails from synchronous code (a nightly report job).
pub fn seat_report(
    client: &cloudflare_access_users_blocking::Client,
    account_id: &str,
) -> Result<Vec<String>, DirectoryError> {
    let users = client
        .zero_trust()
        .access()
        .users()
        .list(account_id)
        .params(UsersListParams::new().per_page(100))
        .items()
        .collect::<Result<Vec<User>, Error>>()?;
    Ok(seated(users))
}

fn seated(users: Vec<User>) -> Vec<String> {
    let mut emails: Vec<String> = users
        .into_iter()
        .filter(|u| u.access_seat == Some(true) || u.gateway_seat == Some(true))
        .filter_map(|u| u.email)
        .collect();
    emails.sort();
    emails
}

#[cfg(test)]
mod tests {
    use super::*;
    use cf::ApiErrorDetail;
    use cf::operations::{UsersGet, UsersList};
    use cf::test_util::Mocks;
    use cf::types::ResultInfo;

    const ACCOUNT: &str = "023e105f4ecef8ad9ca31a8372d0c353";

    fn user(id: &str, seat: bool) -> User {
        User::new()
            .id(id)
            .email(format!("{id}@example.com"))
            .access_seat(seat)
    }

    fn page(page: u32, total_pages: u32) -> ResultInfo {
        ResultInfo::new()
            .page(page.into())
            .total_pages(total_pages.into())
    }

    fn directory(mocks: &Mocks) -> Directory {
        Directory::new(cf::Client::mocked(mocks).unwrap(), ACCOUNT)
    }

    #[tokio::test]
    async fn lists_seated_users_across_pages() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersList>()
            .then_page(vec![user("zoe", true), user("bob", false)], page(1, 2))
            .then_page(vec![user("ann", true)], page(2, 2));

        let emails = directory(&mocks).seated_emails().await.unwrap();

        assert_eq!(emails, ["ann@example.com", "zoe@example.com"]);
        let asked: Vec<_> = mocks
            .calls::<UsersList>()
            .into_iter()
            .map(|op| (op.account_id, op.params.page, op.params.per_page))
            .collect();
        assert_eq!(
            asked,
            [
                (ACCOUNT.to_owned(), Some(1), Some(100)),
                (ACCOUNT.to_owned(), Some(2), Some(100)),
            ]
        );
    }

    #[tokio::test]
    async fn a_missing_user_is_none() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersGet>()
            .when(|op| op.user_id == "ghost")
            .then_error(404, [ApiErrorDetail::new("User not found")]);
        let _ = mocks.on::<UsersGet>().then_ok(user("ann", true));
        let directory = directory(&mocks);

        assert!(directory.find("ghost").await.unwrap().is_none());
        let ann = directory.find("ann").await.unwrap().unwrap();
        assert_eq!(ann.email.as_deref(), Some("ann@example.com"));
    }

    #[tokio::test]
    async fn other_errors_are_upstream_failures() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersGet>()
            .then_error(403, [ApiErrorDetail::new("forbidden")]);
        let err = directory(&mocks).find("ann").await.unwrap_err();
        assert!(
            matches!(err, DirectoryError::Upstream(ref e) if e.kind() == Some(ErrorKind::Permission))
        );
    }

    #[tokio::test]
    async fn a_short_rate_limit_is_waited_out() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersGet>()
            .then_rate_limited(Duration::from_secs(3))
            .then_ok(user("ann", true));

        assert!(directory(&mocks).find("ann").await.unwrap().is_some());
        // The client waited (recorded, not slept) and asked again.
        assert_eq!(mocks.sleeps(), [Duration::from_secs(3)]);
        assert_eq!(mocks.calls::<UsersGet>().len(), 2);
    }

    #[tokio::test]
    async fn a_long_rate_limit_makes_the_directory_busy() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersList>()
            .then_rate_limited(Duration::from_secs(300));

        let err = directory(&mocks).seated_emails().await.unwrap_err();

        assert!(
            matches!(err, DirectoryError::Busy { retry_after } if retry_after.as_secs() == 300)
        );
        assert_eq!(err.to_string(), "directory busy, retry in 300 s");
    }

    #[test]
    fn the_blocking_report_uses_the_same_doubles() {
        let mocks = Mocks::new();
        let _ = mocks
            .on::<UsersList>()
            .then_page(vec![user("ann", true), user("bob", false)], page(1, 1));
        let client = cloudflare_access_users_blocking::Client::mocked(&mocks).unwrap();

        assert_eq!(seat_report(&client, ACCOUNT).unwrap(), ["ann@example.com"]);
        assert_eq!(mocks.request_count(), 1);
    }
}
