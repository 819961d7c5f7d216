//! A pagination walk for instruction counting under callgrind: the
//! deterministic companion of `benches/pagination.rs`.
//!
//! ```text
//! cargo build --release -p benches --example pagination_instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/pagination_instructions WAY PAGES [PER_PAGE]
//! ```
//!
//! Each run starts the local server (a listing of PAGES pages of PER_PAGE
//! users, 100 unless given), builds its client, fetches page 1 once as a
//! warm-up, then walks every page. WAY is
//!
//! - `hand`: a hand-written reqwest page loop on a current-thread runtime in
//!   this thread, decoding each page's envelope (`serde_json::from_slice`)
//!   into the generated `User` and `ResultInfo` types, stopping at
//!   `total_pages`;
//! - `async-pages` / `async-items`: `pages()` / `items()` of the generated
//!   async client, driven the same way;
//! - `blocking-pages` / `blocking-items`: the same with the generated
//!   blocking client.
//!
//! Every way decodes into the same generated types, so the difference is
//! what the clients add per page. The per-page cost of a way is the
//! difference between two runs with different PAGES, divided by the
//! difference in pages (`scripts/bench-instructions.sh pagination`).

use benches::calls::{hand_page_loop, reqwest_users_page};
use benches::fixtures::{ACCOUNT_ID, page_for_target};
use benches::server::{Body, StaticServer};
use benches::{apigen_blocking_client, apigen_client, current_thread_runtime};
use cloudflare_access_users_client::operations::UsersListParams;
use cloudflare_access_users_models::types::{ResultInfo, User};
use futures_util::TryStreamExt as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let way = args.next().unwrap_or_default();
    let pages: u64 = match args.next().map(|n| n.parse()) {
        Some(Ok(n)) if n > 0 => n,
        _ => usage("PAGES must be a positive number"),
    };
    let per_page: u64 = match args.next().map(|n| n.parse()) {
        None => 100,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => usage("PER_PAGE must be a positive number"),
    };
    let server = StaticServer::with_handler(move |target| {
        Body::Owned(page_for_target(target, per_page, pages).into_bytes())
    })
    .expect("cannot start the server");
    let base = format!("{}/client/v4", server.base_url());
    let params = || UsersListParams::new().per_page(per_page as i64);
    let items = match way.as_str() {
        "hand" => {
            let client = reqwest::Client::new();
            let url = format!("{base}/accounts/{ACCOUNT_ID}/access/users");
            current_thread_runtime().block_on(async {
                let page =
                    |page| reqwest_users_page::<User, ResultInfo>(&client, &url, page, per_page);
                std::hint::black_box(page(1).await);
                hand_page_loop(page, |info| info.total_pages).await
            })
        }
        "async-pages" | "async-items" => {
            let client = apigen_client(&base);
            let users = client.zero_trust().access().users();
            current_thread_runtime().block_on(async {
                let first = users
                    .list(ACCOUNT_ID)
                    .params(params())
                    .await
                    .expect("first page");
                std::hint::black_box(first);
                let mut count = 0u64;
                if way == "async-pages" {
                    let mut stream = users.list(ACCOUNT_ID).params(params()).pages();
                    while let Some(page) = stream.try_next().await.expect("pagination failed") {
                        for user in page.into_inner() {
                            std::hint::black_box(&user);
                            count += 1;
                        }
                    }
                } else {
                    let mut stream = users.list(ACCOUNT_ID).params(params()).items();
                    while let Some(user) = stream.try_next().await.expect("pagination failed") {
                        std::hint::black_box(&user);
                        count += 1;
                    }
                }
                count
            })
        }
        "blocking-pages" | "blocking-items" => {
            let client = apigen_blocking_client(&base);
            let users = client.zero_trust().access().users();
            let first = users
                .list(ACCOUNT_ID)
                .params(params())
                .send()
                .expect("first page");
            std::hint::black_box(first);
            let mut count = 0u64;
            if way == "blocking-pages" {
                for page in users.list(ACCOUNT_ID).params(params()).pages() {
                    for user in page.expect("pagination failed").into_inner() {
                        std::hint::black_box(&user);
                        count += 1;
                    }
                }
            } else {
                for user in users.list(ACCOUNT_ID).params(params()).items() {
                    std::hint::black_box(&user.expect("pagination failed"));
                    count += 1;
                }
            }
            count
        }
        other => usage(&format!("unknown way {other:?}")),
    };
    assert_eq!(items, pages * per_page, "{way}: wrong number of users");
    println!("{way}: {pages} pages of {per_page} users after one warm-up page");
    drop(server);
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "{problem}\nusage: pagination_instructions \
         hand|async-pages|async-items|blocking-pages|blocking-items PAGES [PER_PAGE]"
    );
    std::process::exit(2)
}
