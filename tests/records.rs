//! Serialized records: JSON Lines and length-prefixed frames, round trips over a loopback socket
//! and a child's pipe, and every kind of bad input (invalid JSON on line N, a stream cut inside a
//! frame, a hostile length, bytes that are not a record, a peer that goes away) a clear error
//! that names where, with the records before it delivered.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use genpipe::io::{frames, json_lines, lines_from, to_frames, to_json_lines, try_json_lines};
use genpipe::prelude::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Request {
    host: String,
    path: String,
    status: u16,
    bytes: Option<u64>,
    tags: Vec<String>,
}

fn requests(n: usize) -> Vec<Request> {
    (0..n)
        .map(|i| Request {
            host: format!("10.0.{}.{}", i / 256, i % 256),
            path: format!("/item/{i}?q=\"x\"\n"),
            status: [200, 404, 500][i % 3],
            bytes: (i % 4 != 0).then_some(i as u64 * 17),
            tags: (0..i % 3).map(|t| format!("t{t}")).collect(),
        })
        .collect()
}

/// A loopback listener and a connection to it, both with timeouts, so a test cannot hang.
fn socket_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    for s in [&client, &server] {
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    }
    (client, server)
}

#[test]
fn json_lines_round_trip_over_a_loopback_socket() {
    let sent = requests(5000);
    let (client, server) = socket_pair();
    let writer = {
        let sent = sent.clone();
        std::thread::spawn(move || pipe(sent) | to_json_lines(client))
    };
    let got = (lines_from(server) | json_lines::<Request>() | collect::<Vec<_>>()).unwrap();
    assert_eq!(writer.join().unwrap().unwrap(), 5000);
    assert_eq!(got, sent);
}

#[test]
fn frames_round_trip_over_a_loopback_socket_and_a_childs_pipe() {
    let sent = requests(5000);
    let (client, server) = socket_pair();
    let writer = {
        let sent = sent.clone();
        std::thread::spawn(move || pipe(sent) | to_frames(client))
    };
    let got = (frames::<Request, _>(server) | collect::<Vec<_>>()).unwrap();
    assert_eq!(writer.join().unwrap().unwrap(), 5000);
    assert_eq!(got, sent);

    // Through `cat`: the frames cross two pipes and a process unchanged.
    #[cfg(unix)]
    {
        let mut cat = Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = cat.stdin.take().unwrap();
        let writer = {
            let sent = sent.clone();
            std::thread::spawn(move || pipe(sent) | to_frames(stdin))
        };
        let got = (frames::<Request, _>(cat.stdout.take().unwrap()) | collect::<Vec<_>>()).unwrap();
        assert_eq!(writer.join().unwrap().unwrap(), 5000);
        assert!(cat.wait().unwrap().success());
        assert_eq!(got, sent);
    }
}

#[test]
fn invalid_json_on_line_n_names_the_line_and_keeps_the_records_before() {
    let mut text = Vec::new();
    for r in requests(3) {
        serde_json::to_writer(&mut text, &r).unwrap();
        text.push(b'\n');
    }
    text.extend_from_slice(b"{\"host\": \"h\", \"path\": \"/\", \"status\": \"two hundred\"}\n");
    for r in requests(2) {
        serde_json::to_writer(&mut text, &r).unwrap();
        text.push(b'\n');
    }
    let mut got = Vec::new();
    let outcome =
        lines_from(&text[..]) | json_lines::<Request>() | for_each(|r: Request| got.push(r));
    assert_eq!(got, requests(3));
    let err = outcome.unwrap_err();
    match &err {
        genpipe::Error::Parse { line_no, text, .. } => {
            assert_eq!(*line_no, 4);
            assert!(text.contains("two hundred"), "{text}");
        }
        other => panic!("not a parse error: {other:?}"),
    }
    // serde_json's own words (and column) are the source.
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("invalid type: string"), "{source}");

    // The per-record form keeps going: 5 good records, 1 error.
    let all = (lines_from(&text[..]) | try_json_lines::<Request>() | collect::<Vec<_>>()).unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(all.iter().filter(|r| r.is_err()).count(), 1);
    assert!(all[3].is_err());
}

#[test]
fn json_lines_skips_blank_lines_and_handles_crlf_and_a_missing_last_newline() {
    let text = b"[1]\r\n\n   \n[2, 3]\r\n[4]";
    let got = (lines_from(&text[..]) | json_lines::<Vec<u8>>() | collect::<Vec<_>>()).unwrap();
    assert_eq!(got, [vec![1], vec![2, 3], vec![4]]);
    // A truncated last record is an error, not a silent stop.
    let err = (lines_from(&b"[1]\n[2, 3"[..]) | json_lines::<Vec<u8>>() | count()).unwrap_err();
    assert!(err.to_string().starts_with("<input>:2: "), "{err}");
}

#[test]
fn pushed_into_a_sink_json_lines_fails_the_same_way() {
    let sink = json_lines::<u32>() | collect::<Vec<_>>();
    let lines = lines_from(&b"1\n2\nx\n4\n"[..]);
    // The source's outcome (read fine), then the sink's (the parse failed).
    let err = (lines | sink).unwrap().unwrap_err();
    assert!(err.to_string().starts_with("<input>:3: "), "{err}");
}

#[test]
fn a_cut_frame_stream_names_the_frame_and_keeps_the_records_before() {
    let mut wire = Vec::new();
    (pipe(requests(10)) | to_frames(&mut wire)).unwrap();
    // Every cut inside the stream: the whole frames before the cut arrive, then a frame error.
    let mut starts = vec![0usize];
    let mut at = 0;
    while at < wire.len() {
        let len = u32::from_le_bytes(wire[at..at + 4].try_into().unwrap()) as usize;
        at += 4 + len;
        starts.push(at);
    }
    for cut in 0..wire.len() {
        let whole = starts.iter().filter(|&&s| s <= cut).count() - 1;
        let mut got = 0;
        let outcome = frames::<Request, _>(&wire[..cut]) | for_each(|_: Request| got += 1);
        assert_eq!(got, whole, "cut at {cut}");
        if starts.contains(&cut) {
            outcome.unwrap();
        } else {
            let err = outcome.unwrap_err();
            match err {
                genpipe::Error::Frame { index, offset, .. } => {
                    assert_eq!(index, whole as u64 + 1);
                    assert_eq!(offset, starts[whole] as u64);
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_frame_that_is_not_a_record_or_has_bytes_left_over_is_an_error() {
    // A `u16` where a `Request` is expected: not enough bytes for one.
    let mut wire = Vec::new();
    (pipe([7u16]) | to_frames(&mut wire)).unwrap();
    let err = (frames::<Request, _>(&wire[..]) | count()).unwrap_err();
    assert!(
        err.to_string().contains("not a record of this type"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());
    // A `Request` read as a `u8`: a record, with bytes left over.
    let mut wire = Vec::new();
    (pipe(requests(1)) | to_frames(&mut wire)).unwrap();
    let err = (frames::<u8, _>(&wire[..]) | count()).unwrap_err();
    assert!(err.to_string().contains("left over"), "{err}");
}

#[test]
fn a_peer_that_goes_away_ends_the_writing_sink_with_an_error() {
    let (client, server) = socket_pair();
    // The reader takes one frame and closes its socket.
    let reader = std::thread::spawn(move || {
        let first = frames::<Request, _>(server) | take(1) | collect::<Vec<_>>();
        first.unwrap().len()
    });
    let big = requests(1).pop().unwrap();
    let endless = pipe(std::iter::repeat_n(big, 2_000_000));
    let result = endless | to_frames(client);
    assert_eq!(reader.join().unwrap(), 1);
    let err = result.unwrap_err();
    let kind = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    assert!(
        matches!(
            kind,
            Some(std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset)
        ),
        "{err:?}"
    );
}

/// A writer that fails after `budget` bytes.
struct FailsAfter(usize);

impl Write for FailsAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::Error::other("disk full"));
        }
        let n = buf.len().min(self.0);
        self.0 -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_ends_both_sinks_with_its_error() {
    let err = (pipe(requests(100_000)) | to_json_lines(FailsAfter(100_000))).unwrap_err();
    assert!(format!("{err:?}").contains("disk full"), "{err:?}");
    let err = (pipe(requests(100_000)) | to_frames(FailsAfter(100_000))).unwrap_err();
    assert!(format!("{err:?}").contains("disk full"), "{err:?}");
}

proptest! {
    #[test]
    fn frames_round_trip_any_records(
        records in prop::collection::vec(
            (any::<String>(), any::<u16>(), any::<Option<u64>>(), prop::collection::vec(any::<String>(), 0..3)),
            0..40,
        )
    ) {
        let sent: Vec<Request> = records
            .into_iter()
            .map(|(host, status, bytes, tags)| Request { path: host.clone(), host, status, bytes, tags })
            .collect();
        let mut wire = Vec::new();
        prop_assert_eq!((pipe(sent.clone()) | to_frames(&mut wire)).unwrap(), sent.len() as u64);
        let got = (frames::<Request, _>(&wire[..]) | collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(got, sent.clone());

        let mut text = Vec::new();
        prop_assert_eq!((pipe(sent.clone()) | to_json_lines(&mut text)).unwrap(), sent.len() as u64);
        let got = (lines_from(&text[..]) | json_lines::<Request>() | collect::<Vec<_>>()).unwrap();
        prop_assert_eq!(got, sent);
    }

    #[test]
    fn arbitrary_bytes_never_panic_or_allocate_past_the_limit(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        // Whatever the bytes, each reader ends: records, then at most one error.
        let _ = frames::<Request, _>(&bytes[..]).max_frame_bytes(256) | count();
        let _ = lines_from(&bytes[..]) | try_json_lines::<Request>() | count();
        let _ = lines_from(&bytes[..]) | json_lines::<serde_json::Value>() | count();
    }
}

#[coro]
fn total() -> Coro<u64, u64> {
    let mut sum = 0;
    while let Some(x) = recv!() {
        sum += x;
    }
    sum
}

#[test]
fn serve_coprocess_feeds_frames_to_a_coro_and_writes_its_result_as_a_frame() {
    let mut input = Vec::new();
    (pipe(1..=100u64) | to_frames(&mut input)).unwrap();
    let mut output = Vec::new();
    genpipe::io::serve_coprocess_on(&input[..], &mut output, total()).unwrap();
    let back = (frames::<u64, _>(&output[..]) | collect::<Vec<_>>()).unwrap();
    assert_eq!(back, [5050]);
    // Input that is not frames of u64: an error, and no result is sent.
    let mut output = Vec::new();
    let err = genpipe::io::serve_coprocess_on(&[1u8, 2][..], &mut output, total()).unwrap_err();
    assert!(matches!(err, genpipe::Error::Frame { .. }), "{err:?}");
    assert!(output.is_empty());
}

#[cfg(unix)]
#[test]
fn a_coprocess_that_fails_or_sends_nothing_is_a_clear_error() {
    use genpipe::io::to_coprocess;
    let sh = |script: &str| {
        let mut c = Command::new("sh");
        c.args(["-c", script]);
        c
    };
    // Exits non-zero: its status and stderr.
    let err = (pipe(1..=3u64)
        | to_coprocess::<u64, u64>(sh("cat > /dev/null; echo 'bad input' >&2; exit 3")))
    .unwrap_err();
    assert!(
        err.to_string().ends_with("exited with status 3: bad input"),
        "{err}"
    );
    // Reads everything and exits 0 without a result.
    let err = (pipe(1..=3u64) | to_coprocess::<u64, u64>(sh("cat > /dev/null"))).unwrap_err();
    assert!(
        err.to_string().contains("without sending its result"),
        "{err}"
    );
    // Stops reading at once: the sender stops, and the error is the child's.
    let err = (pipe(0..10_000_000u64) | to_coprocess::<u64, u64>(sh("exit 7"))).unwrap_err();
    assert!(err.to_string().contains("exited with status 7"), "{err}");
    // Cannot start.
    let err = (pipe(1..=3u64) | to_coprocess::<u64, u64>(Command::new("/no/such/coprocess")))
        .unwrap_err();
    assert!(err.to_string().contains("/no/such/coprocess"), "{err}");
}
