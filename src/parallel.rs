//! Independent work spread over the machine's cores, in order.

/// `items.map(f)`, on up to eight threads when there is enough work; the
/// results keep the items' order.
pub fn map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    if items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let threads = threads();
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let size = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut rest = items.into_iter();
    loop {
        let chunk: Vec<T> = rest.by_ref().take(size).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a worker never panics"))
            .collect()
    })
}

/// `f(i)` for every `i` below `n`, on up to eight threads when there is
/// enough work, each taking the next index as it finishes one: a thread
/// keeps its allocator's memory from one item to the next.
pub fn for_each_index(n: usize, f: impl Fn(usize) + Sync) {
    let threads = threads().min(n.div_ceil(32));
    if threads <= 1 {
        (0..n).for_each(f);
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break;
            }
            f(i);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
}

/// The threads to use, asked once a run: the standard library reads the
/// cgroup files each time, which a run of thousands of nested projects
/// would pay for each.
fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .min(8)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            super::map(items.clone(), |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(vec![1, 2], |x| x + 1), [2, 3]);
    }

    #[test]
    fn every_index_once() {
        for n in [0, 1, 31, 1000] {
            let seen: Vec<std::sync::atomic::AtomicUsize> =
                (0..n).map(|_| std::sync::atomic::AtomicUsize::new(0)).collect();
            super::for_each_index(n, |i| {
                seen[i].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
            assert!(
                seen.iter().all(|s| s.load(std::sync::atomic::Ordering::Relaxed) == 1),
                "{n}"
            );
        }
    }
}
