//! Users' own fallible code joins genpipe pipelines (issue 9, part 1): `?` on the errors a log
//! pipeline meets, heads with their own error types feeding genpipe's fallible stages, and
//! converted errors keeping their sources.

use std::error::Error as _;
use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use genpipe::io::{cat, lines_from, open, parse};
use genpipe::prelude::*;

#[generator]
fn line_lengths(text: &'static str) -> Gen<u64, genpipe::Result<()>> {
    for line in io::Cursor::new(text).lines() {
        // `?` on an io::Error: `From<io::Error> for genpipe::Error`, no `map_err`.
        let line = line?;
        // And on a std parse error.
        let n: u64 = line.trim().parse()?;
        yield_!(n);
    }
    Ok(())
}

#[test]
fn question_mark_on_io_and_parse_errors_in_a_genpipe_result_body() {
    assert_eq!((line_lengths("1\n2\n3\n") | sum()).unwrap(), 6);
    let err = (line_lengths("1\nx\n") | sum()).unwrap_err();
    assert!(matches!(err, genpipe::Error::Other { .. }), "{err:?}");
    let source = err.source().expect("the parse error is the source");
    assert!(source.downcast_ref::<std::num::ParseIntError>().is_some());
}

#[test]
fn an_io_error_converts_without_a_path() {
    let err: genpipe::Error = io::Error::new(io::ErrorKind::PermissionDenied, "nope").into();
    match &err {
        genpipe::Error::Io { path, source } => {
            assert!(path.is_none());
            assert_eq!(source.kind(), io::ErrorKind::PermissionDenied);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("<input>"), "{err}");
}

#[generator]
fn user_lines(fail: bool) -> Gen<genpipe::io::Line, io::Result<()>> {
    for line in lines_from(&b"10\n20\n"[..]) {
        yield_!(line);
    }
    if fail {
        return Err(io::Error::other("the user's source failed"));
    }
    Ok(())
}

#[test]
fn a_head_with_its_own_error_type_feeds_genpipe_stages() {
    assert_eq!((user_lines(false) | parse::<u32>() | sum()).unwrap(), 30);
    let err = (user_lines(true) | parse::<u32>() | sum()).unwrap_err();
    assert!(
        err.source()
            .unwrap()
            .to_string()
            .contains("the user's source failed")
    );
    // Through `access_log` and `collect` too: the head's error is never dropped.
    let got = user_lines(true) | genpipe::io::access_log() | count();
    assert!(got.is_err());
}

#[generator]
fn user_paths(
    paths: Vec<PathBuf>,
    fail: bool,
) -> Gen<PathBuf, Result<(), Box<dyn std::error::Error + Send + Sync>>> {
    for p in paths {
        yield_!(p);
    }
    if fail {
        return Err("listing the directory failed".into());
    }
    Ok(())
}

#[test]
fn a_boxed_error_head_feeds_open_and_cat() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.log");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(b"x\ny\n")
        .unwrap();
    let n = user_paths(vec![path.clone()], false) | open() | cat() | count();
    assert_eq!(n.unwrap(), 2);
    let err = (user_paths(vec![path], true) | open() | cat() | count()).unwrap_err();
    assert!(matches!(err, genpipe::Error::Other { .. }));
    assert_eq!(err.to_string(), "listing the directory failed");
}

#[test]
fn map_err_and_err_into_convert_only_the_error() {
    #[generator]
    fn checked(xs: Vec<i32>) -> Gen<i32, Result<(), i32>> {
        for x in xs {
            if x < 0 {
                return Err(x);
            }
            yield_!(x);
        }
        Ok(())
    }
    assert_eq!(checked(vec![1, 2]).map_err(|x| x * 10) | sum(), Ok(3));
    assert_eq!(
        checked(vec![1, -2, 3]).map_err(|x| x * 10) | sum(),
        Err(-20)
    );
    // The items before the error are delivered, and `|` still applies after `map_err`.
    let seen =
        checked(vec![4, 5, -1]).map_err(|_| "negative") | map(|x: i32| x + 1) | collect::<Vec<_>>();
    assert_eq!(seen, Err("negative"));
    let mut g = checked(vec![4, 5, -1]).map_err(|_| "negative");
    assert_eq!((&mut g).collect::<Vec<_>>(), [4, 5]);
    assert_eq!(g.finish(), Err("negative"));

    #[generator]
    fn io_fails() -> Gen<u8, io::Result<()>> {
        yield_!(1);
        Err(io::Error::other("late"))?;
        Ok(())
    }
    let r = io_fails().err_into::<genpipe::Error>() | parse_free_sum();
    assert!(matches!(r, Err(genpipe::Error::Io { .. })));
}

/// A sink over `u8`s, so the test above pipes a converted head into something plain.
fn parse_free_sum() -> genpipe::sinks::Sum<u8> {
    sum()
}

/// A fallible `#[generator]` stage: `?` in its body ends the pipeline with its error, and its
/// upstream's error reaches the sink too.
#[generator]
fn checked_numbers(
    input: impl Iterator<Item = genpipe::io::Line>,
) -> Gen<u64, genpipe::Result<()>> {
    for line in input {
        let text = line
            .to_str()
            .map_err(|e| genpipe::Error::from(Box::new(e) as genpipe::BoxError))?;
        let n: u64 = text.trim().parse()?;
        yield_!(n);
    }
    Ok(())
}

#[generator]
fn doubled(input: impl Iterator<Item = u64>) -> Gen<u64> {
    for x in input {
        yield_!(x * 2);
    }
}

#[test]
fn a_fallible_stage_ends_the_pipeline_with_its_error_or_its_upstreams() {
    // Pulled: fine, the stage's error, the upstream's error.
    assert_eq!(
        (lines_from(&b"1\n2\n"[..]) | checked_numbers() | sum()).unwrap(),
        3
    );
    let err = (lines_from(&b"1\nx\n3\n"[..]) | checked_numbers() | doubled() | sum()).unwrap_err();
    assert!(
        err.source()
            .unwrap()
            .downcast_ref::<std::num::ParseIntError>()
            .is_some()
    );
    let err = (user_lines(true) | checked_numbers() | sum()).unwrap_err();
    assert!(
        err.source()
            .unwrap()
            .to_string()
            .contains("the user's source failed")
    );
    // The items before the error are delivered.
    let mut g = lines_from(&b"4\n5\nx\n6\n"[..]) | checked_numbers();
    assert_eq!((&mut g).collect::<Vec<_>>(), [4, 5]);
    assert!(g.finish().is_err());
    // Pushed (`stage | sink`): the sink's value, or the stage's error.
    let mut sink = checked_numbers() | sum::<u64>();
    for line in lines_from(&b"7\n8\n"[..]) {
        sink.send(line).unwrap();
    }
    assert_eq!(sink.close().unwrap(), 15);
    let mut sink = checked_numbers() | count();
    let mut refused = 0;
    for line in lines_from(&b"7\nseven\n8\n"[..]) {
        refused += usize::from(sink.send(line).is_err());
    }
    assert_eq!(refused, 1, "after its error the stage takes nothing more");
    assert!(sink.close().is_err());
}

mod walks {
    use super::*;
    use genpipe::io::{find, try_find};

    /// A tree where `b/` vanishes after the walk has read the root: the walk meets an error
    /// in the middle, after yielding `a/x.log`.
    fn vanishing_tree() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["a", "b"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("x.log"), "x\n").unwrap();
        }
        let b = dir.path().join("b");
        (dir, b)
    }

    #[test]
    fn a_strict_walk_ends_with_its_first_error_after_the_items_before_it() {
        let (dir, b) = vanishing_tree();
        let mut walk = find(dir.path(), "*.log").sorted().strict();
        assert_eq!(walk.next(), Some(dir.path().join("a/x.log")));
        std::fs::remove_dir_all(&b).unwrap();
        let report = walk.report();
        let err = (walk | count()).unwrap_err();
        assert!(err.to_string().contains("/b"), "{err}");
        assert_eq!(report.errors().len(), 1);
    }

    #[test]
    fn the_default_walk_goes_on_and_keeps_the_error_in_its_report() {
        let (dir, b) = vanishing_tree();
        let mut walk = find(dir.path(), "*.log").sorted();
        let report = walk.report();
        assert_eq!(walk.next(), Some(dir.path().join("a/x.log")));
        std::fs::remove_dir_all(&b).unwrap();
        assert_eq!(walk | count(), 0);
        assert_eq!(report.errors().len(), 1);
        assert!(report.errors()[0].contains("/b"), "{:?}", report.errors());
    }

    #[test]
    fn a_strict_walk_feeds_open_and_cat_with_its_error() {
        let missing = find("/definitely/not/here", "*").strict() | open() | cat() | count();
        assert!(matches!(missing, Err(genpipe::Error::Io { .. })));
    }

    #[test]
    fn an_invalid_glob_is_an_error_with_try_find() {
        let err = try_find(".", "a[").unwrap_err();
        assert!(err.to_string().to_lowercase().contains("unclosed"), "{err}");
        assert!(try_find(".", "*.{log,gz}").is_ok());
    }
}
