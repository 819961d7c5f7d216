//! The generator's worker threads.

/// Maps `f` over `items` on up to two threads, this one and another (the
/// machines this runs on have two cores), keeping the order. Threads take
/// the next item as they finish one: items differ in size by orders of
/// magnitude (a resource file of the client against a small type), so
/// equal halves would leave one thread idle. (Token streams are not `Send`: each emitting thread builds
/// and formats its own files.)
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, String> + Sync,
) -> Result<Vec<R>, String> {
    parallel_map_after(items, f, || ())
}

/// [`parallel_map`], this thread running `first` before it takes items:
/// the other thread starts on them meanwhile (the previous batch's
/// results moved into place while the next batch is parsed).
pub fn parallel_map_after<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, String> + Sync,
    first: impl FnOnce(),
) -> Result<Vec<R>, String> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(2);
    if workers < 2 || items.len() < 2 {
        first();
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let done = std::thread::scope(|scope| {
        // Deeply nested types format recursively: these threads get the
        // pipeline's stack, not the 2 MiB default.
        let handles = (1..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(super::PIPELINE_STACK)
                    .spawn_scoped(scope, work)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("cannot start a worker thread: {e}"))?;
        first();
        // This thread works too: its heap holds what the pipeline freed
        // before (the parsed document), which it reuses.
        let mut done = work();
        done.reserve(items.len());
        for handle in handles {
            // A panic here is a generator bug: let it surface as one.
            done.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        Ok::<_, String>(done)
    })?;
    // Item order, and so the first failing item's error whatever the timing:
    // each result moves once, into its item's slot.
    let mut slots: Vec<Option<Result<R, String>>> =
        std::iter::repeat_with(|| None).take(items.len()).collect();
    for (i, result) in done {
        slots[i] = Some(result);
    }
    slots
        .into_iter()
        .map(|slot| slot.unwrap_or_else(|| Err("internal error: an item was not mapped".into())))
        .collect()
}

/// Runs `a` on a second thread while `b` runs on this one. Without a
/// second thread to be had, `a` runs here, after `b`.
pub fn both(a: impl FnOnce() + Send, b: impl FnOnce()) {
    let slot = std::sync::Mutex::new(Some(a));
    let run = || {
        let taken = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(a) = taken {
            a();
        }
    };
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .stack_size(super::PIPELINE_STACK)
            .spawn_scoped(scope, run);
        b();
        if let Ok(handle) = other {
            // A panic here is a generator bug: let it surface as one.
            handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        // `a`, unless the other thread ran it.
        run();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_the_order_and_the_first_error() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = parallel_map(&items, |i| Ok(i * 2)).expect("no error");
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        let failed = parallel_map(&items, |&i| {
            if i % 300 == 299 {
                Err(format!("item {i}"))
            } else {
                Ok(i)
            }
        });
        assert_eq!(failed, Err("item 299".to_owned()));
    }

    #[test]
    fn both_runs_each_closure_once() {
        let (mut a, mut b) = (0, 0);
        both(|| a += 1, || b += 1);
        assert_eq!((a, b), (1, 1));
    }
}
