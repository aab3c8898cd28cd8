//! Line sources: the line rules against a naive oracle, compressed files, and every bad input.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use genpipe::io::{Line, lines, lines_from, lines_from_auto};
use genpipe::prelude::*;
use proptest::prelude::*;

/// The oracle: split on `\n`, drop the empty piece after a final `\n`, strip one `\r` from each.
fn naive_lines(data: &[u8], keep_cr: bool) -> Vec<Vec<u8>> {
    let mut pieces: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
        .into_iter()
        .map(|p| match p.strip_suffix(b"\r") {
            Some(stripped) if !keep_cr => stripped.to_vec(),
            _ => p.to_vec(),
        })
        .collect()
}

fn read_all(
    g: Gen<impl Pull<Item = Line, Return = genpipe::Result<()>>>,
) -> genpipe::Result<Vec<Vec<u8>>> {
    g.map(|l| l.as_bytes().to_vec()) | collect::<Vec<_>>()
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn bzip2(bytes: &[u8]) -> Vec<u8> {
    let mut enc = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A compressor of whole inputs, one of those below.
type Compress = fn(&[u8]) -> Vec<u8>;

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut enc =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// `bytes` compressed as two members (gzip members, zstd frames, xz streams) one after the
/// other, as `cat a.gz b.gz` makes.
fn two_members(compress: Compress, bytes: &[u8]) -> Vec<u8> {
    let (a, b) = bytes.split_at(bytes.len() / 2);
    let mut both = compress(a);
    both.extend(compress(b));
    both
}

use common::proptest_config as config;

fn contents() -> impl Strategy<Value = Vec<u8>> {
    // Few distinct bytes, so that `\r`, `\n`, `\r\n`, empty lines and long runs are common.
    proptest::collection::vec(
        prop_oneof![
            Just(b'a'),
            Just(b'\n'),
            Just(b'\r'),
            Just(b' '),
            Just(0u8),
            Just(0xff)
        ],
        0..300,
    )
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn fields_by_equal_the_std_split(data in contents(), sep in prop_oneof![Just(b','), Just(b'\n'), Just(b'a')]) {
        let want: Vec<&[u8]> = data.split(|&b| b == sep).collect();
        let field = genpipe::io::Field::new(&data);
        let got: Vec<&[u8]> = field.fields_by(sep).map(|f| f.as_bytes()).collect();
        prop_assert_eq!(&got, &want);
        let mut back: Vec<&[u8]> = field.fields_by(sep).rev().map(|f| f.as_bytes()).collect();
        back.reverse();
        prop_assert_eq!(&back, &want);
        for (n, cell) in want.iter().enumerate() {
            prop_assert_eq!(field.field_by(sep, n).map(|f| f.as_bytes()), Some(*cell));
        }
        prop_assert!(field.field_by(sep, want.len()).is_none());
    }

    #[test]
    fn line_offsets_are_where_the_lines_start(data in contents(), buffer in 1usize..40) {
        let mut want = Vec::new();
        let mut start = 0u64;
        for piece in data.split(|&b| b == b'\n') {
            want.push(start);
            start += piece.len() as u64 + 1;
        }
        if data.is_empty() || data.ends_with(b"\n") {
            want.pop();
        }
        let got = lines_from(&data[..]).buffer_bytes(buffer).map(|l| l.offset()) | collect::<Vec<_>>();
        prop_assert_eq!(got.unwrap(), want);
    }

    #[test]
    fn truncated_long_lines_are_cut_prefixes_in_place(data in contents(), buffer in 1usize..40, max in 1usize..12) {
        let mut want = Vec::new();
        let mut start = 0u64;
        for piece in data.split(|&b| b == b'\n') {
            want.push((piece.to_vec(), start));
            start += piece.len() as u64 + 1;
        }
        if data.is_empty() || data.ends_with(b"\n") {
            want.pop();
        }
        let got = (lines_from(&data[..]).buffer_bytes(buffer).keep_cr().max_line_bytes(max).truncate_long_lines()
            .map(|l| (l.as_bytes().to_vec(), l.offset()))
            | collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(got.len(), want.len());
        for ((line, offset), (whole, at)) in got.iter().zip(&want) {
            prop_assert_eq!(offset, at);
            prop_assert!(whole.starts_with(line));
            if whole.len() <= max {
                prop_assert_eq!(line, whole);
            } else if whole.len() > max + buffer {
                prop_assert_eq!(line.len(), max);
            }
        }
    }

    #[test]
    fn split_parts_together_are_the_file(data in contents(), parts in 1usize..9) {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "split.log", &data);
        let whole = (genpipe::io::lines(&path).keep_cr().map(|l| (l.as_bytes().to_vec(), l.offset())) | collect::<Vec<_>>()).unwrap();
        let split = genpipe::io::lines_split(&path, parts);
        prop_assert!(split.len() <= parts);
        let mut joined = Vec::new();
        for part in split {
            joined.extend((part.keep_cr().map(|l| (l.as_bytes().to_vec(), l.offset())) | collect::<Vec<_>>()).unwrap());
        }
        prop_assert_eq!(joined, whole);
    }

    #[test]
    fn lines_equal_the_naive_split(data in contents(), buffer in 1usize..40, keep_cr: bool) {
        let g = lines_from(&data[..]).buffer_bytes(buffer);
        let g = if keep_cr { g.keep_cr() } else { g };
        prop_assert_eq!(read_all(g).unwrap(), naive_lines(&data, keep_cr));
    }

    #[test]
    fn compressed_files_read_as_the_plain_file(data in contents(), buffer in 1usize..64) {
        let dir = tempfile::tempdir().unwrap();
        let plain = write_file(dir.path(), "log", &data);
        let gz = write_file(dir.path(), "log.gz", &gzip(&data));
        let bz = write_file(dir.path(), "log.bz2", &bzip2(&data));
        let want = read_all(lines(&plain).buffer_bytes(buffer)).unwrap();
        prop_assert_eq!(&want, &naive_lines(&data, false));
        prop_assert_eq!(&read_all(lines(&gz).buffer_bytes(buffer)).unwrap(), &want);
        prop_assert_eq!(&read_all(lines(&bz).buffer_bytes(buffer)).unwrap(), &want);
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Every codec, files of two members, by suffix and by magic bytes.
    #[test]
    fn every_codec_reads_as_the_plain_text(data in contents(), buffer in 1usize..64) {
        let dir = tempfile::tempdir().unwrap();
        let want = naive_lines(&data, false);
        let codecs: [(&str, Compress); 4] =
            [("gz", gzip), ("bz2", bzip2), ("zst", zstd), ("xz", xz)];
        for (suffix, compress) in codecs {
            let packed = two_members(compress, &data);
            let file = write_file(dir.path(), &format!("two.log.{suffix}"), &packed);
            prop_assert_eq!(&read_all(lines(&file).buffer_bytes(buffer)).unwrap(), &want, "{}", suffix);
            // No name to go by: told by the first bytes.
            let told = lines_from_auto(std::io::Cursor::new(packed)).buffer_bytes(buffer);
            prop_assert_eq!(&read_all(told).unwrap(), &want, "{} by magic", suffix);
        }
    }
}

/// The read size of the tests Miri runs: Miri interprets each byte of a refill's zeroing, and
/// 64 KiB reads made the three of them take 70 s there. Natively, the default.
const TESTED_READ_BYTES: usize = if cfg!(miri) {
    64
} else {
    genpipe::io::DEFAULT_BUFFER_BYTES
};

#[test]
fn line_rules() {
    let cases: &[(&[u8], &[&str])] = &[
        (b"", &[]),
        (b"\n", &[""]),
        (b"a", &["a"]),
        (b"a\n", &["a"]),
        (b"a\r\n", &["a"]),
        (b"a\r", &["a"]),
        (b"a\r\r\n", &["a\r"]),
        (b"a\rb\n", &["a\rb"]),
        (b"\n\n", &["", ""]),
        (b"a\nb", &["a", "b"]),
    ];
    for (input, want) in cases {
        let got = read_all(lines_from(*input).buffer_bytes(TESTED_READ_BYTES)).unwrap();
        let want: Vec<Vec<u8>> = want.iter().map(|s| s.as_bytes().to_vec()).collect();
        assert_eq!(got, want, "input {:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn a_line_longer_than_the_buffer_is_whole() {
    let long = "x".repeat(10_000);
    let text = format!("short\n{long}\nend");
    let got = read_all(lines_from(text.as_bytes()).buffer_bytes(7)).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[1].len(), 10_000);
}

#[test]
fn invalid_utf8_and_nul_bytes_are_kept() {
    let got =
        lines_from(&b"caf\xe9\n\0x\0\n"[..]).buffer_bytes(TESTED_READ_BYTES) | collect::<Vec<_>>();
    let got = got.unwrap();
    assert_eq!(got[0].as_bytes(), b"caf\xe9");
    assert!(got[0].to_str().is_err());
    assert_eq!(got[0].to_str_lossy(), "caf\u{fffd}");
    assert_eq!(got[1].as_bytes(), b"\0x\0");
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let err = (lines("/definitely/not/here.log") | count()).unwrap_err();
    match &err {
        genpipe::Error::Io { path, source } => {
            assert_eq!(path.as_deref(), Some(Path::new("/definitely/not/here.log")));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.to_string(), "cannot read /definitely/not/here.log");
}

#[test]
fn an_empty_file_has_no_lines() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["empty", "empty.gz"] {
        let bytes = if name.ends_with(".gz") {
            gzip(b"")
        } else {
            Vec::new()
        };
        let path = write_file(dir.path(), name, &bytes);
        assert_eq!((lines(&path) | count()).unwrap(), 0, "{name}");
    }
}

#[test]
fn a_multi_member_gzip_file_reads_every_member() {
    let dir = tempfile::tempdir().unwrap();
    let mut both = gzip(b"one\ntwo\n");
    both.extend(gzip(b"three\n"));
    let path = write_file(dir.path(), "cat.gz", &both);
    let got = (lines(&path) | map(|l: Line| l.to_string()) | collect::<Vec<_>>()).unwrap();
    assert_eq!(got, ["one", "two", "three"]);
}

#[test]
fn a_truncated_gzip_file_delivers_what_it_can_then_fails() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect();
    let gz = gzip(text.as_bytes());
    let path = write_file(dir.path(), "cut.gz", &gz[..gz.len() / 2]);
    let mut seen = 0;
    let result = lines(&path).inspect(|_| seen += 1) | count();
    let err = result.unwrap_err();
    assert!(matches!(err, genpipe::Error::Decompress { .. }), "{err:?}");
    assert!(err.to_string().contains("cut.gz"), "{err}");
    assert!(seen > 0, "the lines before the damage are delivered");
    assert!(seen < 2000);
}

/// A zstd or xz file cut short or damaged ends its source with `Error::Decompress` naming the
/// file, after the lines before the damage.
#[test]
fn corrupt_zstd_and_xz_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..20_000)
        .map(|i| format!("line {i} {}\n", i * 7919))
        .collect();
    let codecs: [(&str, Compress); 2] = [("zst", zstd), ("xz", xz)];
    for (suffix, compress) in codecs {
        let packed = compress(text.as_bytes());
        let name = format!("cut.log.{suffix}");
        let path = write_file(dir.path(), &name, &packed[..packed.len() * 3 / 4]);
        let mut seen = 0;
        let err = (lines(&path).inspect(|_| seen += 1) | count()).unwrap_err();
        assert!(
            matches!(err, genpipe::Error::Decompress { .. }),
            "{suffix}: {err:?}"
        );
        assert!(err.to_string().contains(&name), "{err}");
        assert!(seen < 20_000, "{suffix}: {seen}");
        let mut flipped = packed.clone();
        flipped[packed.len() / 2] ^= 0x55;
        let path = write_file(dir.path(), &format!("bad.log.{suffix}"), &flipped);
        assert!(
            (lines(&path) | count()).is_err(),
            "{suffix}: damage unnoticed"
        );
    }
}

#[test]
fn a_corrupt_bzip2_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut bz = bzip2(b"hello\nworld\n");
    let mid = bz.len() / 2;
    bz[mid] ^= 0xff;
    let path = write_file(dir.path(), "bad.bz2", &bz);
    let err = (lines(&path) | count()).unwrap_err();
    assert!(matches!(err, genpipe::Error::Decompress { .. }), "{err:?}");
    assert!(err.to_string().contains("bad.bz2"));
}

#[test]
fn lines_are_send_and_outlive_their_source() {
    fn assert_send_sync<T: Send + Sync + 'static>(_: &T) {}
    let kept: Vec<Line> = (lines_from(&b"a b c\nd e\n"[..]) | collect::<Vec<_>>()).unwrap();
    assert_send_sync(&kept[0]);
    let joined = std::thread::spawn(move || {
        kept.iter()
            .map(|l| l.last_field().unwrap().to_string())
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert_eq!(joined, ["c", "e"]);
}

#[test]
fn fields_follow_python_split() {
    let l = (lines_from(&b" \t a  b\x0bc\x0c d \n"[..]).buffer_bytes(TESTED_READ_BYTES) | last())
        .unwrap()
        .unwrap();
    let fields: Vec<String> = l.fields().map(|f| f.to_string()).collect();
    assert_eq!(fields, ["a", "b", "c", "d"]);
    assert_eq!(l.field(1).unwrap(), "b");
    assert!(l.field(4).is_none());
    assert_eq!(l.last_field().unwrap(), "d");
    assert!(genpipe::io::Field::new(b"   ").last_field().is_none());
    assert!(l.contains("b\x0bc"));
    assert!(l.starts_with(" \t"));
    assert!(genpipe::io::Field::new(b"x7").parse::<u8>().is_err());
}

#[test]
fn fields_by_a_separator_keep_empty_fields() {
    use genpipe::io::Field;
    let cells = |b: &[u8]| -> Vec<String> {
        Field::new(b)
            .fields_by(b',')
            .map(|f| f.to_string())
            .collect()
    };
    assert_eq!(cells(b"a,,b"), ["a", "", "b"]);
    assert_eq!(cells(b",a,"), ["", "a", ""]);
    assert_eq!(cells(b""), [""]);
    assert_eq!(cells(b",,"), ["", "", ""]);
    assert_eq!(cells(b"no separator"), ["no separator"]);
    // From both ends, and meeting in the middle: each field once.
    let row = Field::new(b"1,2,3,4");
    let mut it = row.fields_by(b',');
    assert_eq!(it.next().unwrap(), "1");
    assert_eq!(it.next_back().unwrap(), "4");
    assert_eq!(it.next_back().unwrap(), "3");
    assert_eq!(it.next().unwrap(), "2");
    assert!(it.next().is_none() && it.next_back().is_none());
    // A missing field is `None`, an empty one an empty field.
    assert_eq!(row.field_by(b',', 3).unwrap(), "4");
    assert!(row.field_by(b',', 4).is_none());
    assert!(Field::new(b"a,").field_by(b',', 1).unwrap().is_empty());
    assert!(row.field_by(b',', usize::MAX).is_none());
}

#[test]
fn field_by_stage_skips_lines_without_the_field_and_keeps_empty_ones() {
    use genpipe::io::field_by;
    let tsv = &b"a\t\tx\nb\t1\n\nc\td\te\tf\n"[..];
    let second = |n| {
        (lines_from(tsv)
            | field_by(b'\t', n)
            | map(|l: Line| (l.line_no(), l.to_string()))
            | collect::<Vec<_>>())
        .unwrap()
    };
    assert_eq!(
        second(1),
        [(1, String::new()), (2, "1".into()), (4, "d".into())]
    );
    assert_eq!(second(3), [(4, "f".to_string())]);
    // The empty line has one (empty) field.
    assert_eq!(second(0).len(), 4);
    assert_eq!(second(9), []);
    // Fused with grep and pushed into a sink, the same fields.
    let pulled = lines_from(tsv) | grep("\t") | field_by(b'\t', 2) | count();
    assert_eq!(pulled.unwrap(), 2);
    let mut pushed = field_by(b'\t', 2) | count();
    for line in lines_from(tsv).try_iter() {
        pushed.send(line.unwrap()).unwrap();
    }
    assert_eq!(pushed.close(), 2);
}

#[test]
fn lines_and_fields_are_byte_slices() {
    let line = (lines_from(&b"GET /a 200\n"[..]) | last())
        .unwrap()
        .unwrap();
    assert_eq!(line.len(), 10);
    assert_eq!(line[0], b'G');
    assert_eq!(&line[4..6], b"/a");
    assert_eq!(line.to_vec(), b"GET /a 200");
    assert_eq!(line.iter().filter(|&&b| b == b' ').count(), 2);
    let code = line.field(2).unwrap();
    assert_eq!((code.len(), code.first()), (3, Some(&b'2')));
    assert!(line.contains("/a"), "the text method, not [u8]::contains");
}

mod grep_and_fields {
    use super::*;
    use genpipe::io::{grep, grep_re, last_field, parse, skip_value, try_grep_re};
    use genpipe::synth::{AccessFormat, write_access_log_file};

    fn needle() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b' ')], 1..4)
    }

    fn haystack() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![Just(b'a'), Just(b'b'), Just(b' '), Just(b'\n'), Just(b'\r')],
            0..300,
        )
    }

    /// (line number, bytes) of every line containing `needle`, by the oracle.
    fn naive_grep(data: &[u8], needle: &[u8], invert: bool) -> Vec<(u64, Vec<u8>)> {
        naive_lines(data, false)
            .into_iter()
            .enumerate()
            .filter(|(_, l)| memchr::memmem::find(l, needle).is_some() != invert)
            .map(|(i, l)| (i as u64 + 1, l))
            .collect()
    }

    fn numbered(
        g: Gen<impl Pull<Item = Line, Return = genpipe::Result<()>>>,
    ) -> Vec<(u64, Vec<u8>)> {
        (g.map(|l| (l.line_no(), l.as_bytes().to_vec())) | collect::<Vec<_>>()).unwrap()
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn fused_grep_equals_a_naive_filter(data in haystack(), needle in needle(), buffer in 1usize..40) {
            let want = naive_grep(&data, &needle, false);
            // Fused: grep right after the source.
            let fused = numbered(lines_from(&data[..]).buffer_bytes(buffer) | grep(&needle));
            prop_assert_eq!(&fused, &want);
            // Not fused: a stage in between makes grep filter line by line.
            let unfused = numbered(lines_from(&data[..]).buffer_bytes(buffer).map(|l| l) | grep(&needle));
            prop_assert_eq!(&unfused, &want);
            // Inverted.
            let inverted = numbered(lines_from(&data[..]).buffer_bytes(buffer) | grep(&needle).invert());
            prop_assert_eq!(inverted, naive_grep(&data, &needle, true));
            // Counting.
            let n = (lines_from(&data[..]).buffer_bytes(buffer) | grep(&needle) | count()).unwrap();
            prop_assert_eq!(n, want.len());
        }
    }

    #[test]
    fn grep_variants() {
        let log = &b"GET /A 200\nget /b 404\r\nPOST /ply-2.3.tar.gz 200\n"[..];
        let all = |stage: Stage<genpipe::io::GrepOp>| {
            (lines_from(log) | stage | map(|l: Line| l.to_string()) | collect::<Vec<_>>()).unwrap()
        };
        assert_eq!(all(grep("GET")), ["GET /A 200"]);
        assert_eq!(all(grep("get").ignore_case()), ["GET /A 200", "get /b 404"]);
        assert_eq!(
            all(grep("get").ignore_case().invert()),
            ["POST /ply-2.3.tar.gz 200"]
        );
        assert_eq!(all(grep_re(r"ply-.*\.gz")), ["POST /ply-2.3.tar.gz 200"]);
        assert_eq!(
            all(grep_re(r"404$")),
            ["get /b 404"],
            "a regex sees lines without their \\r"
        );
        assert_eq!(
            all(grep_re(regex::bytes::Regex::new("^P").unwrap())),
            ["POST /ply-2.3.tar.gz 200"]
        );
        let err = try_grep_re("(").unwrap_err();
        assert!(err.to_string().contains('('));
        let panic = std::panic::catch_unwind(|| grep_re("[z-a]")).unwrap_err();
        assert!(panic.downcast_ref::<String>().unwrap().contains("[z-a]"));
    }

    #[test]
    fn grep_pushed_and_after_a_coroutine() {
        let mut sink = grep("x") | count();
        for l in (lines_from(&b"x\ny\nxx\n"[..]) | collect::<Vec<_>>()).unwrap() {
            sink.send(l).unwrap();
        }
        assert_eq!(sink.close(), 2);
    }

    #[test]
    fn the_bytes_sum_job_on_a_generated_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access-log");
        let written = write_access_log_file(&path, 200_000, 9, AccessFormat::Common).unwrap();
        let total =
            (lines(&path) | last_field() | skip_value("-") | parse::<u64>() | sum()).unwrap();
        assert_eq!(total, written.size_total);
        let n404 = (lines(&path) | grep("\" 404 ") | count()).unwrap();
        let naive = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| l.contains("\" 404 "))
            .count();
        assert_eq!(n404, naive);
        assert!(n404 > 0);
    }

    #[test]
    fn a_bad_field_names_file_line_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "sizes.log", b"a 1\nb 2\nc two\nd 4\n");
        let err = (lines(&path) | last_field() | parse::<u64>() | sum()).unwrap_err();
        match &err {
            genpipe::Error::Parse {
                path: p,
                line_no,
                text,
                source,
            } => {
                assert_eq!(p.as_deref(), Some(path.as_path()));
                assert_eq!(*line_no, 3);
                assert_eq!(text, "two");
                // The value's own parser's error is kept as the source.
                let source = source.as_ref().expect("a source");
                assert!(source.downcast_ref::<std::num::ParseIntError>().is_some());
                assert!(std::error::Error::source(&err).is_some());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            format!("{}:3: cannot parse \"two\"", path.display())
        );

        // Pushed, the error comes back at close.
        let mut sink = last_field() | parse::<u64>() | sum();
        for l in (lines(&path) | collect::<Vec<_>>()).unwrap() {
            if sink.send(l).is_err() {
                break;
            }
        }
        assert!(matches!(
            sink.close(),
            Err(genpipe::Error::Parse { line_no: 3, .. })
        ));
    }
}

mod trees {
    use super::*;
    use genpipe::io::{cat, find, grep, open};

    fn tree() -> (tempfile::TempDir, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let text: Vec<u8> = (0..500)
            .flat_map(|i| {
                format!("line {i} {}\r\n", if i % 7 == 0 { "404" } else { "200" }).into_bytes()
            })
            .collect();
        std::fs::create_dir_all(dir.path().join("www/foo")).unwrap();
        std::fs::create_dir_all(dir.path().join("www/bar/old")).unwrap();
        write_file(dir.path(), "www/foo/access-log", &text);
        write_file(dir.path(), "www/foo/access-log-0108.gz", &gzip(&text));
        write_file(dir.path(), "www/bar/access-log-0108.bz2", &bzip2(&text));
        write_file(dir.path(), "www/bar/old/access-log-0208.gz", &gzip(&text));
        write_file(dir.path(), "www/bar/error-log", b"not an access log\n");
        (dir, text)
    }

    #[test]
    fn find_matches_base_names_and_sorts() {
        let (dir, _) = tree();
        let www = dir.path().join("www");
        let found = find(&www, "access-log*").sorted() | collect::<Vec<_>>();
        let rel: Vec<String> = found
            .iter()
            .map(|p| p.strip_prefix(&www).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "bar/access-log-0108.bz2",
                "bar/old/access-log-0208.gz",
                "foo/access-log",
                "foo/access-log-0108.gz"
            ]
        );
        assert_eq!(find(&www, "*.gz") | count(), 2);
        assert_eq!(
            find(&www, "**/old/*").sorted() | count(),
            1,
            "a glob with / matches the whole path"
        );
        let single = find(www.join("foo/access-log"), "*") | count();
        assert_eq!(single, 1, "a file root is yielded itself");
    }

    #[test]
    fn find_open_cat_grep_over_mixed_compression() {
        let (dir, text) = tree();
        let per_file = naive_grep_count(&text, b"404");
        let n = (find(dir.path(), "access-log*") | open() | cat() | grep("404") | count()).unwrap();
        assert_eq!(n, 4 * per_file);
        let lines_total = (find(dir.path(), "access-log*") | open() | cat() | count()).unwrap();
        assert_eq!(lines_total, 4 * 500);
    }

    fn naive_grep_count(data: &[u8], needle: &[u8]) -> usize {
        naive_lines(data, false)
            .iter()
            .filter(|l| memchr::memmem::find(l, needle).is_some())
            .count()
    }

    #[test]
    fn cat_ends_with_the_first_bad_file_naming_it() {
        let (dir, _) = tree();
        let good = dir.path().join("www/foo/access-log");
        let missing = dir.path().join("www/nope.log");
        let err = (pipe([good.clone(), missing.clone(), good.clone()]) | open() | cat() | count())
            .unwrap_err();
        assert!(err.to_string().contains("nope.log"), "{err}");

        // Fused with a grep (the search runs in each source's buffer): the same error, and the
        // stage is not pulled again after it.
        let seen = std::cell::Cell::new(0);
        let err = (pipe([good.clone(), missing.clone(), good.clone()])
            | inspect(|_: &std::path::PathBuf| seen.set(seen.get() + 1))
            | open()
            | cat()
            | grep("404")
            | count())
        .unwrap_err();
        assert!(err.to_string().contains("nope.log"), "{err}");
        assert_eq!(seen.get(), 2, "nothing is pulled after the failing file");

        // Pushed: the same error at close.
        let mut sink = cat() | count();
        sink.send(lines(dir.path().join("www/foo/access-log")))
            .unwrap();
        sink.send(lines(&missing)).unwrap();
        assert!(sink.is_done());
        assert!(sink.close().is_err());
    }
}

mod records {
    use super::*;
    use genpipe::io::{AccessRecord, access_log};
    use genpipe::synth::{AccessFormat, write_access_log};

    #[test]
    fn generated_logs_parse_completely_in_both_formats() {
        for format in [AccessFormat::Common, AccessFormat::Combined] {
            let mut log = Vec::new();
            let w = write_access_log(&mut log, 300_000, 5, format).unwrap();
            let stage = access_log();
            let report = stage.report();
            let records = (lines_from(&log[..]) | stage | collect::<Vec<AccessRecord>>()).unwrap();
            assert_eq!(records.len() as u64, w.lines);
            assert_eq!(report.skipped(), 0);
            assert_eq!(records.iter().map(|r| r.size).sum::<u64>(), w.size_total);
            assert_eq!(
                records[0].agent().is_some(),
                format == AccessFormat::Combined
            );
            // Against a naive split of the same text.
            let text = String::from_utf8(log.clone()).unwrap();
            let naive404: usize = text
                .lines()
                .filter(|l| l.split(' ').nth(8) == Some("404"))
                .count();
            assert_eq!(records.iter().filter(|r| r.status == 404).count(), naive404);
            let first = text.lines().next().unwrap();
            assert_eq!(records[0].host(), first.split(' ').next().unwrap());
            assert_eq!(records[0].path(), first.split(' ').nth(6).unwrap());
        }
    }

    #[test]
    fn odd_and_bad_lines() {
        let log = concat!(
            "h - - [t] \"GET\" 400 -\n", // a request without path: empty fields
            "h - - [t] \"GET /x HTTP/1.1\" 200 12\n",
            "h - - [t] \"GET /x HTTP/1.1\" 2x0 12\n", // bad status
            "h - - [t \"GET /x HTTP/1.1\" 200 12\n",  // unclosed time
            "\n",
            "h - - [t] \"GET /x HTTP/1.1\" 200\n", // no size
        );
        let stage = access_log();
        let report = stage.report();
        let got = (lines_from(log.as_bytes()) | stage | collect::<Vec<_>>()).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].method(), got[0].path(), got[0].status),
            (
                genpipe::io::Field::new(b"GET"),
                genpipe::io::Field::new(b""),
                400
            )
        );
        assert_eq!(report.skipped(), 4);
        let err = (lines_from(log.as_bytes()) | access_log().strict() | count()).unwrap_err();
        assert!(
            matches!(err, genpipe::Error::Parse { line_no: 3, .. }),
            "{err:?}"
        );

        // Pushed: skipped lines counted, and under `strict` the first bad line ends the sink,
        // which hands back what is sent after it and returns the error at close.
        let all = (lines_from(log.as_bytes()) | collect::<Vec<_>>()).unwrap();
        let stage = access_log();
        let report = stage.report();
        let mut sink = stage | count();
        for line in all.iter().cloned() {
            sink.send(line).unwrap();
        }
        assert_eq!((sink.close().unwrap(), report.skipped()), (2, 4));
        let mut sink = access_log().strict() | count();
        let sent = all
            .iter()
            .cloned()
            .map(|l| sink.send(l).is_ok())
            .collect::<Vec<_>>();
        assert_eq!(sent, [true, true, true, false, false, false]);
        let err = sink.close().unwrap_err();
        assert!(
            matches!(err, genpipe::Error::Parse { line_no: 3, .. }),
            "{err:?}"
        );
    }
}

mod mapped {
    use super::*;
    use genpipe::io::{grep, lines_mmap};

    proptest! {
        #![proptest_config(config(64))]

        #[test]
        #[cfg_attr(miri, ignore = "Miri cannot map files")]
        fn mapped_lines_equal_read_lines(data in contents(), needle in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b' ')], 1..3)) {
            let dir = tempfile::tempdir().unwrap();
            let path = write_file(dir.path(), "mapped.log", &data);
            // SAFETY: the file is private to this test and not modified while read.
            let mapped = read_all(unsafe { lines_mmap(&path) }).unwrap();
            prop_assert_eq!(&mapped, &naive_lines(&data, false));
            // SAFETY: as above.
            let hits = (unsafe { lines_mmap(&path) } | grep(&needle) | count()).unwrap();
            prop_assert_eq!(hits, mapped.iter().filter(|l| memchr::memmem::find(l, &needle).is_some()).count());
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot map files")]
    fn compressed_and_missing_files_fall_back_or_fail() {
        let dir = tempfile::tempdir().unwrap();
        let gz = write_file(dir.path(), "x.gz", &gzip(b"1\n2\n"));
        // SAFETY: private files, unmodified.
        assert_eq!((unsafe { lines_mmap(&gz) } | count()).unwrap(), 2);
        // SAFETY: as above.
        let err = (unsafe { lines_mmap(dir.path().join("none")) } | count()).unwrap_err();
        assert!(err.to_string().contains("none"));
        let empty = write_file(dir.path(), "empty", b"");
        // SAFETY: as above.
        assert_eq!((unsafe { lines_mmap(&empty) } | count()).unwrap(), 0);
    }
}

mod caps {
    use super::*;
    use genpipe::io::{Caps, captures};

    #[test]
    fn named_groups_views_and_parsing() {
        let log = &b"h1 GET /a 200 10\nbad\nh2 POST /b 404 -\n"[..];
        let got = (lines_from(log)
            | captures(r"^(?P<host>\S+) (?P<method>\S+) \S+ (?P<status>\d+) (?P<size>\S+)$")
            | collect::<Vec<Caps>>())
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].get("host").unwrap(), "h2");
        assert_eq!(got[1].parse::<u16>("status").unwrap().unwrap(), 404);
        assert!(
            got[1].parse::<u64>("size").unwrap().is_err(),
            "`-` is not a number"
        );
        assert!(got[0].get("nope").is_none());
        assert_eq!(got[0].at(0).unwrap(), "h1 GET /a 200 10");
        assert_eq!(got[0].line().line_no(), 1);
        assert!(format!("{:?}", got[0]).contains("\"method\": \"GET\""));
        // Pushed.
        let mut sink = captures(r"(?P<n>\d+)") | count();
        for l in (lines_from(log) | collect::<Vec<_>>()).unwrap() {
            sink.send(l).unwrap();
        }
        assert_eq!(sink.close(), 2);
    }
}

mod ignore_case {
    use genpipe::io::{grep, lines_from};
    use genpipe::prelude::*;

    #[test]
    fn a_non_utf8_literal_keeps_its_bytes() {
        let log = &b"\xffABC\n\xfeabc\n\xffabc\nabc\n"[..];
        let hits =
            (lines_from(log) | grep(b"\xffabc").ignore_case() | collect::<Vec<_>>()).unwrap();
        let hits: Vec<&[u8]> = hits.iter().map(|l| l.as_bytes()).collect();
        assert_eq!(hits, [&b"\xffABC"[..], &b"\xffabc"[..]]);
        // Regex metacharacters in a literal stay literal.
        let log = &b"a.c\nabc\nA.C\n"[..];
        assert_eq!(
            (lines_from(log) | grep("a.c").ignore_case() | count()).unwrap(),
            2
        );
    }

    #[test]
    fn an_oversize_folded_pattern_is_an_error_not_a_silent_case_sensitive_match() {
        // Every `k` folds to three characters (k, K, the Kelvin sign): far over the size limit.
        let huge = "k".repeat(1 << 18);
        let err = grep(&huge).try_ignore_case().unwrap_err();
        assert!(err.to_string().to_lowercase().contains("size"), "{err}");
        let panicked = std::panic::catch_unwind(|| grep(&huge).ignore_case());
        assert!(panicked.is_err());
    }
}

/// `lines_mmap` on a FIFO reads it through the handle it opened: reopening it lost the writer's
/// data or blocked for a second writer when the writer had closed before the reopen (a race:
/// this test then times out instead of hanging, but it cannot force the bad order).
#[cfg(unix)]
#[test]
#[cfg_attr(miri, ignore = "FIFOs, threads and a subprocess")]
fn lines_mmap_of_a_fifo_reads_what_its_writer_wrote() {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.log");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available here; skipped");
        return;
    }
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut w = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        w.write_all(b"one\ntwo\nthree\n").unwrap();
    });
    let (tx, rx) = mpsc::channel();
    let reader_path = fifo.clone();
    std::thread::spawn(move || {
        let got = unsafe { genpipe::io::lines_mmap(&reader_path) } | collect::<Vec<_>>();
        let _ = tx.send(got.map(|lines| lines.len()));
    });
    let got = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("lines_mmap on a FIFO blocked");
    assert_eq!(got.unwrap(), 3);
    writer.join().unwrap();
}

/// Unnumbered sources find the same lines; only their numbers are left out.
#[test]
#[cfg_attr(miri, ignore = "megabytes of I/O")]
fn unnumbered_sources_find_the_same_lines() {
    use genpipe::io::{grep, lines};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("access.log");
    genpipe::synth::write_access_log_file(&path, 2 << 20, 7, genpipe::synth::AccessFormat::Common)
        .unwrap();
    for needle in ["\" 404 ", "no such text", "GET"] {
        let numbered = (lines(&path) | grep(needle) | collect::<Vec<_>>()).unwrap();
        let plain = (lines(&path).unnumbered() | grep(needle) | collect::<Vec<_>>()).unwrap();
        assert_eq!(numbered.len(), plain.len(), "{needle}");
        assert!(
            numbered
                .iter()
                .zip(&plain)
                .all(|(a, b)| a.as_bytes() == b.as_bytes())
        );
        assert!(plain.iter().all(|l| l.line_no() == 0));
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// A regex searched over the whole buffer selects exactly the lines a line-by-line match
    /// selects, with the same numbers: anchors, classes that hold `\n`, empty matches, CRLF.
    #[test]
    fn a_regex_over_the_buffer_selects_what_a_line_by_line_match_selects(
        data in contents(),
        buffer in 1usize..40,
        keep_cr: bool,
        ignore_case: bool,
        pattern in prop_oneof![
            Just("a"), Just("^a"), Just("a$"), Just("^$"), Just(r"a\sa"), Just(r"\s"),
            Just("a*"), Just("a.*a"), Just(r"(?:a|\r)$"), Just(r"\Aa"), Just(r"a\z"),
            Just("(?s)a.a"), Just("(?-m)^a"), Just("A"), Just(r"\x00"), Just("(?-u:\\xff)"),
        ],
    ) {
        use genpipe::io::{grep_re, lines_from};
        let source = || {
            let g = lines_from(&data[..]).buffer_bytes(buffer);
            if keep_cr { g.keep_cr() } else { g }
        };
        let stage = || {
            let s = grep_re(pattern);
            if ignore_case { s.ignore_case() } else { s }
        };
        let numbered = |g: Vec<Line>| -> Vec<(u64, Vec<u8>)> {
            g.iter().map(|l| (l.line_no(), l.as_bytes().to_vec())).collect()
        };
        // The fused path (grep right after the source) and the line path (a stage between).
        let fused = numbered((source() | stage() | collect::<Vec<_>>()).unwrap());
        let per_line =
            numbered((source().map(|l| l) | stage() | collect::<Vec<_>>()).unwrap());
        prop_assert_eq!(fused, per_line);
    }
}

/// `Line`s are keys by their bytes: counted, ranked and sorted without an owned copy.
#[test]
fn lines_are_keys_by_their_bytes() {
    use genpipe::io::field;
    let log = &b"GET /a 200\nPOST /b 404\nGET /c 404\nGET /a 200\n"[..];
    let top = (lines_from(log) | field(0) | most_common(2)).unwrap();
    let top: Vec<(String, usize)> = top.into_iter().map(|(l, n)| (l.to_string(), n)).collect();
    assert_eq!(top, [("GET".to_string(), 3), ("POST".to_string(), 1)]);
    let counts = (lines_from(log) | field(2) | group_count()).unwrap();
    assert_eq!(counts.len(), 2);
    let mut paths = (lines_from(log) | field(1) | collect::<Vec<_>>()).unwrap();
    paths.sort();
    paths.dedup();
    assert_eq!(paths, ["/a", "/b", "/c"]);
}

mod progress {
    use super::*;
    use genpipe::io::{lines, progress_with};

    #[test]
    fn counts_lines_and_bytes_of_a_file_pulled_pushed_and_stopped_early() {
        let dir = tempfile::tempdir().unwrap();
        let text: String = (0..10_000).map(|i| format!("line {i}\n")).collect();
        let path = write_file(dir.path(), "big.log", text.as_bytes());
        let (watch, progress) = progress_with();
        assert_eq!((lines(&path) | watch | count()).unwrap(), 10_000);
        assert_eq!(progress.items(), 10_000);
        assert_eq!(
            progress.bytes(),
            text.len() as u64,
            "a whole file: its size"
        );
        assert!(progress.items_per_sec() > 0.0);

        // Stopped early: what passed is counted.
        let (watch, progress) = progress_with();
        let first = (lines(&path) | watch).take(5000) | count();
        assert_eq!(first.unwrap(), 5000);
        assert_eq!(progress.items(), 5000);
        assert_eq!(
            progress.bytes(),
            text.lines()
                .take(5000)
                .map(|l| l.len() as u64 + 1)
                .sum::<u64>()
        );

        // Pushed into, and over items that are not lines: items only.
        let (watch, progress) = progress_with::<u32>();
        let mut sink = watch | sum::<u32>();
        for x in 1..=10 {
            sink.send(x).unwrap();
        }
        assert_eq!(sink.close(), 55);
        assert_eq!((progress.items(), progress.bytes()), (10, 0));
    }

    #[test]
    fn an_empty_or_failing_source_is_counted_too() {
        let (watch, progress) = progress_with();
        assert_eq!((lines_from(&b""[..]) | watch | count()).unwrap(), 0);
        assert_eq!((progress.items(), progress.bytes()), (0, 0));
        let (watch, progress) = progress_with();
        let missing = lines("/nonexistent/genpipe/progress.log") | watch | count();
        assert!(missing.is_err());
        assert_eq!(progress.items(), 0);
    }
}

#[test]
fn counting_matches_in_the_buffer_equals_counting_lines() {
    use genpipe::io::{grep, grep_re, lines_from};
    use std::pin::pin;
    let text: String = (0..5000)
        .map(|i| format!("{i} {}\r\n", if i % 3 == 0 { "GET /a" } else { "post /b" }))
        .collect();
    for stage in [
        grep("GET"),
        grep_re(r"(?i)get\s/"),
        grep_re("^1"),
        grep_re(r"b\s*$"),
    ] {
        let want =
            (lines_from(text.as_bytes()).buffer_bytes(100) | stage.clone() | count()).unwrap();
        for limit in [0, 1, 7, u64::MAX] {
            let mut source = pin!(lines_from(text.as_bytes()).buffer_bytes(100));
            let n = source.as_mut().count_matching(stage.op().matcher(), limit);
            assert_eq!(n, (want as u64).min(limit), "{stage:?} limit {limit}");
        }
    }
}

#[test]
fn split_a_missing_or_compressed_file_is_one_part() {
    let parts = genpipe::io::lines_split("/nonexistent/genpipe/split.log", 4);
    assert_eq!(parts.len(), 1);
    assert!(parts.into_iter().next().unwrap().finish().is_err());
    let dir = tempfile::tempdir().unwrap();
    let gz = write_file(dir.path(), "a.log.gz", &gzip(b"a\nb\n"));
    let parts = genpipe::io::lines_split(&gz, 4);
    assert_eq!(parts.len(), 1);
    assert_eq!((parts.into_iter().next().unwrap() | count()).unwrap(), 2);
}
