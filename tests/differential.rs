//! Differential tests: the same generator programs written for genpipe and for genawaiter (the
//! design genpipe learns from) must yield the same sequences.

use genawaiter::rc::Gen as GaGen;
use genpipe::prelude::*;
use proptest::prelude::*;

// 1. Fibonacci, first n.
#[generator]
fn fib(n: usize) -> Gen<u64> {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        yield_!(a);
        (a, b) = (b, a.wrapping_add(b));
    }
}
fn fib_ga(n: usize) -> Vec<u64> {
    GaGen::new(|co| async move {
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..n {
            co.yield_(a).await;
            (a, b) = (b, a.wrapping_add(b));
        }
    })
    .into_iter()
    .collect()
}

// 2. Collatz sequence with early return.
#[generator]
fn collatz(mut x: u64) -> Gen<u64> {
    loop {
        yield_!(x);
        if x <= 1 {
            return;
        }
        x = if x.is_multiple_of(2) {
            x / 2
        } else {
            3 * x + 1
        };
    }
}
fn collatz_ga(x: u64) -> Vec<u64> {
    GaGen::new(|co| async move {
        let mut x = x;
        loop {
            co.yield_(x).await;
            if x <= 1 {
                return;
            }
            x = if x.is_multiple_of(2) {
                x / 2
            } else {
                3 * x + 1
            };
        }
    })
    .into_iter()
    .collect()
}

// 3. Run-length encoding over a stage (genpipe) / an owned upstream (genawaiter).
#[generator]
fn run_lengths(input: impl Iterator<Item = u8>) -> Gen<(u8, usize)> {
    let mut current: Option<(u8, usize)> = None;
    for b in input {
        current = match current {
            Some((c, n)) if c == b => Some((c, n + 1)),
            Some(done) => {
                yield_!(done);
                Some((b, 1))
            }
            None => Some((b, 1)),
        };
    }
    if let Some(done) = current {
        yield_!(done);
    }
}
fn run_lengths_ga(input: Vec<u8>) -> Vec<(u8, usize)> {
    GaGen::new(|co| async move {
        let mut current: Option<(u8, usize)> = None;
        for b in input {
            current = match current {
                Some((c, n)) if c == b => Some((c, n + 1)),
                Some(done) => {
                    co.yield_(done).await;
                    Some((b, 1))
                }
                None => Some((b, 1)),
            };
        }
        if let Some(done) = current {
            co.yield_(done).await;
        }
    })
    .into_iter()
    .collect()
}

// 4. Nested delegation: each number, then its divisors.
#[generator]
fn divisors(n: u32) -> Gen<u32> {
    for d in 1..=n {
        if n.is_multiple_of(d) {
            yield_!(d);
        }
    }
}
#[generator]
fn numbers_and_divisors(upto: u32) -> Gen<u32> {
    for n in 1..=upto {
        yield_!(n * 1000);
        yield_from!(divisors(n));
    }
}
fn numbers_and_divisors_ga(upto: u32) -> Vec<u32> {
    GaGen::new(|co| async move {
        for n in 1..=upto {
            co.yield_(n * 1000).await;
            for d in 1..=n {
                if n % d == 0 {
                    co.yield_(d).await;
                }
            }
        }
    })
    .into_iter()
    .collect()
}

// 5. Sliding-window sums: state held across yields.
#[generator]
fn window_sums(#[upstream] input: impl Iterator<Item = i64>, width: usize) -> Gen<i64> {
    let mut window = std::collections::VecDeque::new();
    for x in input {
        window.push_back(x);
        if window.len() > width {
            window.pop_front();
        }
        if window.len() == width {
            yield_!(window.iter().sum());
        }
    }
}
fn window_sums_ga(input: Vec<i64>, width: usize) -> Vec<i64> {
    GaGen::new(|co| async move {
        let mut window = std::collections::VecDeque::new();
        for x in input {
            window.push_back(x);
            if window.len() > width {
                window.pop_front();
            }
            if window.len() == width {
                co.yield_(window.iter().sum()).await;
            }
        }
    })
    .into_iter()
    .collect()
}

#[test]
fn fixed_cases() {
    assert_eq!(fib(50).collect::<Vec<_>>(), fib_ga(50));
    assert_eq!(collatz(27).collect::<Vec<_>>(), collatz_ga(27));
    assert_eq!(
        numbers_and_divisors(12) | collect::<Vec<_>>(),
        numbers_and_divisors_ga(12)
    );
}

proptest! {
    // Under Miri: few cases, and no failure files (Miri isolates the file system).
    #![proptest_config(if cfg!(miri) {
        ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() }
    } else {
        ProptestConfig::with_cases(128)
    })]

    #[test]
    fn fib_matches(n in 0usize..120) {
        prop_assert_eq!(fib(n).collect::<Vec<_>>(), fib_ga(n));
    }

    #[test]
    fn collatz_matches(x in 1u64..10_000) {
        prop_assert_eq!(collatz(x) | collect::<Vec<_>>(), collatz_ga(x));
    }

    #[test]
    fn run_lengths_match(bytes in proptest::collection::vec(0u8..3, 0..200)) {
        let pulled = pipe(bytes.clone()) | run_lengths() | collect::<Vec<_>>();
        prop_assert_eq!(&pulled, &run_lengths_ga(bytes.clone()));
        // Pushed through the same stage: the same answer.
        let mut pushed = run_lengths() | collect::<Vec<_>>();
        for b in bytes {
            pushed.send(b).unwrap();
        }
        prop_assert_eq!(pushed.close(), pulled);
    }

    #[test]
    fn delegation_matches(upto in 0u32..40) {
        prop_assert_eq!(numbers_and_divisors(upto).collect::<Vec<_>>(), numbers_and_divisors_ga(upto));
    }

    #[test]
    fn window_sums_match(xs in proptest::collection::vec(-100i64..100, 0..100), width in 1usize..6) {
        prop_assert_eq!(window_sums(width).over(xs.clone()).collect::<Vec<_>>(), window_sums_ga(xs, width));
    }
}
