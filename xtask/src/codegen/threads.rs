//! The generator's worker threads.

use std::sync::Mutex;

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
    let theirs = Mutex::new(Vec::new());
    let mut done = std::thread::scope(|scope| {
        for _ in 1..workers {
            spawn(scope, || {
                let mine = work();
                lock(&theirs).extend(mine);
            })
            .map_err(|e| format!("cannot start a worker thread: {e}"))?;
        }
        first();
        // This thread works too: its heap holds what the pipeline freed
        // before (the parsed document), which it reuses.
        Ok::<_, String>(work())
    })?;
    done.append(&mut lock(&theirs));
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
    let slot = Mutex::new(Some(a));
    let run = || {
        let taken = lock(&slot).take();
        if let Some(a) = taken {
            a();
        }
    };
    std::thread::scope(|scope| {
        // Not started: `run` below does `a`.
        let _ = spawn(scope, run);
        b();
    });
    // `a`, unless the other thread ran it.
    run();
}

/// Starts `f` on a thread of `scope`, with the pipeline's stack (deeply
/// nested types lower and format recursively; the default is 2 MiB).
///
/// Nobody joins these threads: the scope ends when every `f` has returned,
/// and the thread's exit goes on beside what this one does next. Exiting
/// hands the thread's heap back to the allocator, which visits every page
/// the thread holds: 30 ms after emission on Microsoft Graph, which a join
/// would wait for. A panic in `f` still surfaces, as the scope's panic.
fn spawn<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    f: impl FnOnce() + Send + 'scope,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .stack_size(super::PIPELINE_STACK)
        .spawn_scoped(scope, f)
        .map(drop)
}

/// Runs `f` on another thread, with the pipeline's stack, and returns its
/// result as soon as `f` returns, not once the thread has exited: exiting
/// hands the thread's heap back to the allocator, which visits every page
/// it holds. Without a thread to be had, `f` runs on this one.
pub fn elsewhere<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let mut result = None;
    both(|| result = Some(f()), || ());
    result.unwrap_or_else(|| unreachable!("`both` runs each closure"))
}

/// A lock whose holder cannot have panicked halfway through an update
/// (every critical section here is one move), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
