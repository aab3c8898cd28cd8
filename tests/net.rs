//! Sockets and syslog: loopback only (127.0.0.1), bounded in count and time (every socket has a
//! read timeout, every source ends by itself). Sources deliver what was sent, sinks end with an
//! error when the peer goes, syslog parsing never fails or panics on any bytes, and TCP framing
//! errors name the frame and the byte.

use std::io::Write;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

use genpipe::io::{
    Datagram, SyslogRecord, connections, datagrams, lines_from, send_to, syslog, syslog_frames,
    write_lines,
};
use genpipe::mem::{CountingAlloc, measure};
use genpipe::prelude::*;
use proptest::prelude::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

const TIMEOUT: Duration = Duration::from_millis(500);

fn parse_one(message: &[u8]) -> SyslogRecord {
    let mut all = (syslog_frames(message) | syslog() | collect::<Vec<_>>()).unwrap();
    assert_eq!(all.len(), 1, "{:?}", String::from_utf8_lossy(message));
    all.pop().unwrap()
}

fn text(f: Option<&genpipe::io::Field>) -> Option<String> {
    f.map(|f| f.to_string())
}

#[test]
fn rfc_5424_examples_parse_into_their_parts() {
    // RFC 5424 section 6.5, examples 1 to 4.
    let r = parse_one(b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8\n");
    assert_eq!((r.facility_name(), r.severity_name()), ("auth", "crit"));
    assert_eq!(
        text(r.timestamp()).as_deref(),
        Some("2003-10-11T22:14:15.003Z")
    );
    assert_eq!(text(r.hostname()).as_deref(), Some("mymachine.example.com"));
    assert_eq!(text(r.app_name()).as_deref(), Some("su"));
    assert_eq!(r.proc_id(), None);
    assert_eq!(text(r.msg_id()).as_deref(), Some("ID47"));
    assert_eq!(r.structured_data(), None);
    assert_eq!(r.message(), "'su root' failed for lonvick on /dev/pts/8");

    let r = parse_one(b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.\n");
    assert_eq!((r.facility(), r.severity()), (20, 5));
    assert_eq!(text(r.proc_id()).as_deref(), Some("8710"));
    assert_eq!(r.message(), "%% It's time to make the do-nuts.");

    let r = parse_one(br#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#);
    assert_eq!(
        text(r.structured_data()).as_deref(),
        Some(
            r#"[exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]"#
        )
    );
    assert_eq!(r.message(), "");

    // An escaped `]` inside a quoted value does not end the element.
    let r = parse_one(br#"<13>1 - - - - - [a@1 v="x\]y"] after"#);
    assert_eq!(
        text(r.structured_data()).as_deref(),
        Some(r#"[a@1 v="x\]y"]"#)
    );
    assert_eq!(r.message(), "after");
    // All NILVALUEs.
    let r = parse_one(b"<0>1 - - - - - -");
    assert_eq!((r.facility_name(), r.severity_name()), ("kern", "emerg"));
    assert_eq!(
        (r.timestamp(), r.hostname(), r.app_name()),
        (None, None, None)
    );
}

#[test]
fn rfc_3164_messages_and_what_is_not_one() {
    let r =
        parse_one(b"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
    assert_eq!(r.version(), None);
    assert_eq!(text(r.timestamp()).as_deref(), Some("Oct 11 22:14:15"));
    assert_eq!(text(r.hostname()).as_deref(), Some("mymachine"));
    assert_eq!(text(r.app_name()).as_deref(), Some("su"));
    assert_eq!(r.message(), "'su root' failed for lonvick on /dev/pts/8");

    let r = parse_one(b"<13>Feb  5 17:32:18 10.0.0.99 sshd[4321]: Accepted publickey for root");
    assert_eq!(text(r.timestamp()).as_deref(), Some("Feb  5 17:32:18"));
    assert_eq!(text(r.proc_id()).as_deref(), Some("4321"));
    assert_eq!(r.message(), "Accepted publickey for root");

    // A tag-less BSD message: host, then all message.
    let r = parse_one(b"<13>Feb  5 17:32:18 host message without a tag");
    assert_eq!(r.app_name(), None);
    assert_eq!(r.message(), "message without a tag");

    // No PRI, a PRI out of range, a PRI not closed, a leading zero: all message, user.notice.
    for bad in [
        &b"just text"[..],
        b"<192>1 - - - - - - x",
        b"<13 missing close",
        b"<013>Oct 11 22:14:15 h t: m",
        b"<>",
        b"<1a>x",
    ] {
        let r = parse_one(bad);
        assert!(!r.has_priority(), "{:?}", String::from_utf8_lossy(bad));
        assert_eq!((r.facility_name(), r.severity_name()), ("user", "notice"));
        assert_eq!(r.message().as_bytes(), bad);
    }
    // A PRI and then garbage: the garbage is the message.
    let r = parse_one(b"<14>Octember 99 garbage");
    assert_eq!(r.severity_name(), "info");
    assert_eq!(r.message(), "Octember 99 garbage");
}

#[test]
fn tcp_frames_mix_octet_counting_and_newlines_and_name_the_bad_frame() {
    let counted = |m: &str| format!("{} {m}", m.len());
    let stream = format!(
        "{}{}<13>plain one\r\n\n<13>plain two\n{}",
        counted("<13>1 - h a - - - multi\nline"),
        counted("<14>1 - h a - - - x"),
        counted("<15>1 - h a - - - last")
    );
    let got: Vec<String> = (syslog_frames(stream.as_bytes())
        | syslog()
        | map(|r: SyslogRecord| r.message().to_string())
        | collect())
    .unwrap();
    assert_eq!(got, ["multi\nline", "x", "plain one", "plain two", "last"]);

    // Every cut: the whole frames before it arrive; a cut inside a counted frame is an error
    // naming it, a cut inside a newline frame delivers its start (the stream's last frame).
    for cut in 0..stream.len() {
        let mut n = 0;
        let outcome = syslog_frames(&stream.as_bytes()[..cut]) | for_each(|_: Line| n += 1);
        if let Err(e) = outcome {
            assert!(
                matches!(e, genpipe::Error::Frame { .. }),
                "cut {cut}: {e:?}"
            );
            assert!(
                e.to_string().contains(&format!("frame {}", n + 1)),
                "cut {cut}: {e}"
            );
        }
    }

    for (bad, says) in [
        (&b"12x <13>hello"[..], "an octet count that is not `LEN SP`"),
        (b"99999999 <13>x", "an octet count that is not `LEN SP`"),
        (b"2000000 <13>x", "over the limit"),
    ] {
        let err = (syslog_frames(bad) | count()).unwrap_err();
        assert!(err.to_string().contains(says), "{err}");
    }
    // A frame error after good frames: they arrive, the error names frame 3 and its byte.
    let stream = format!("{}{}7x bad", counted("<13>a"), counted("<13>b"));
    let mut n = 0;
    let err = (syslog_frames(stream.as_bytes()) | for_each(|_: Line| n += 1)).unwrap_err();
    assert_eq!(n, 2);
    assert!(err.to_string().contains("frame 3 at byte 14"), "{err}");
}

#[test]
fn syslog_over_loopback_tcp_ends_at_the_read_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let sender = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        for i in 0..2000 {
            let m = format!("<{}>1 - host{} app - - - message {i}", 8 + i % 8, i % 3);
            write!(s, "{} {m}", m.len()).unwrap();
        }
        // Keep the connection open: the receiver must end by its read timeout.
        std::thread::sleep(Duration::from_millis(1500));
    });
    let (socket, _) = listener.accept().unwrap();
    socket.set_read_timeout(Some(TIMEOUT)).unwrap();
    let per_severity = (syslog_frames(socket)
        | syslog()
        | map(|r: SyslogRecord| r.severity_name())
        | group_count())
    .unwrap();
    assert_eq!(per_severity.values().sum::<usize>(), 2000);
    assert_eq!(per_severity["emerg"], 250);
    sender.join().unwrap();
}

#[test]
fn datagrams_arrive_with_their_senders_and_send_to_counts_them() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(TIMEOUT)).unwrap();
    let addr = server.local_addr().unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let from = client.local_addr().unwrap();
    let messages: Vec<String> = (0..500)
        .map(|i| format!("<{}>Oct 11 22:14:15 web{} app: hit {i}", 8 + i % 8, i % 4))
        .collect();
    // Paced, while the receiver reads: loopback UDP drops what overflows the socket's buffer.
    let sender = {
        let messages = messages.clone();
        std::thread::spawn(move || {
            pipe(messages)
                | inspect(|_: &String| std::thread::sleep(Duration::from_micros(200)))
                | send_to(client, addr)
        })
    };
    let (got, report) = measure(|| (datagrams(server) | collect::<Vec<Datagram>>()).unwrap());
    assert_eq!(sender.join().unwrap().unwrap(), 500);
    // Paced, they arrive one batch each: kept, each must hold its bytes, not a batch buffer
    // (500 x 256 KiB before batches were shrunk to what they hold).
    assert!(
        report.peak_bytes < 8 << 20,
        "peak {} bytes",
        report.peak_bytes
    );
    assert_eq!(got.len(), 500);
    assert!(got.iter().all(|d| d.from == from));
    let texts: Vec<String> = got.iter().map(|d| d.bytes.to_string()).collect();
    assert_eq!(texts, messages);
    assert_eq!(got[499].bytes.line_no(), 500);
}

#[test]
fn datagrams_then_syslog_then_counts_per_host() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(TIMEOUT)).unwrap();
    let addr = server.local_addr().unwrap();
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sender = std::thread::spawn(move || {
        pipe(0..300).map(|i| format!("<{}>1 - web{} app - - - ok", 8 + i % 8, i % 3))
            | inspect(|_: &String| std::thread::sleep(Duration::from_micros(200)))
            | send_to(client, addr)
    });
    let per_host = (datagrams(server)
        | syslog()
        | map(|r: SyslogRecord| r.hostname().map(|h| h.to_string()).unwrap_or_default())
        | group_count())
    .unwrap();
    assert_eq!(sender.join().unwrap().unwrap(), 300);
    assert_eq!(per_host["web0"], 100);
    assert_eq!(per_host.len(), 3);
}

#[test]
fn send_to_fails_cleanly_on_an_oversized_datagram_or_a_bad_address() {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let too_big = vec![b'x'; 70_000];
    let result = pipe([b"small".to_vec(), too_big, b"after".to_vec()])
        | send_to(client.try_clone().unwrap(), server.local_addr().unwrap());
    assert!(result.is_err());
    let result = pipe(["x"]) | send_to(client, "no-such-host.invalid:514");
    assert!(result.is_err());
}

#[test]
fn write_lines_ends_with_an_error_when_the_peer_goes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let reader = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        (lines_from(socket) | take(10) | count()).unwrap()
        // The socket is dropped here: the peer goes.
    });
    let socket = TcpStream::connect(addr).unwrap();
    socket
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let result = pipe(0..10_000_000u64).map(|i| i.to_string()) | write_lines(socket);
    assert_eq!(reader.join().unwrap(), 10);
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

#[test]
fn connections_accepts_clients_until_none_is_waiting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let clients: Vec<_> = (0..3)
        .map(|i| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                writeln!(s, "client {i}").unwrap();
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    // All three are queued; a non-blocking listener then ends the source.
    listener.set_nonblocking(true).unwrap();
    let served = (connections(listener)
        | map(|(socket, _): (TcpStream, std::net::SocketAddr)| {
            socket.set_nonblocking(false).unwrap();
            socket.set_read_timeout(Some(TIMEOUT)).unwrap();
            (lines_from(socket) | count()).unwrap()
        })
        | sum::<usize>())
    .unwrap();
    assert_eq!(served, 3);
}

#[test]
fn memory_stays_flat_over_a_long_udp_stream() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    server.set_read_timeout(Some(TIMEOUT)).unwrap();
    let addr = server.local_addr().unwrap();
    let sender = std::thread::spawn(move || {
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let line = "<14>Oct 11 22:14:15 web1 app: ".to_string() + &"x".repeat(170);
        for _ in 0..50 {
            for _ in 0..2000 {
                let _ = client.send_to(line.as_bytes(), addr);
            }
            // Paced, so the receiver keeps up and the stream is long (20 MB).
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    let (bytes, report) = measure(|| {
        (datagrams(server) | map(|d: Datagram| d.bytes.len()) | sum::<usize>()).unwrap()
    });
    sender.join().unwrap();
    assert!(bytes > 1 << 20, "received only {bytes} bytes");
    assert!(
        report.peak_bytes < 4 << 20,
        "peak {} bytes for {bytes} bytes received",
        report.peak_bytes
    );
}

proptest! {
    #[test]
    fn any_bytes_parse_as_syslog_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = syslog_frames(&bytes[..]) | syslog() | map(|r: SyslogRecord| {
            // Every part is a view inside the message.
            let whole = r.line().as_bytes().len();
            assert!(r.message().as_bytes().len() <= whole);
            (r.severity(), r.facility_name().len(), r.timestamp().map(|t| t.as_bytes().len()))
        }) | count();
        let _ = lines_from(&bytes[..]) | syslog() | count();
    }

    #[test]
    fn counted_frames_round_trip(messages in prop::collection::vec("[ -~\n]{0,40}", 0..20)) {
        let mut stream = Vec::new();
        for m in &messages {
            write!(stream, "{} {m}", m.len()).unwrap();
        }
        let got: Vec<String> = (syslog_frames(&stream[..]) | map(|l: Line| l.to_string()) | collect()).unwrap();
        prop_assert_eq!(got, messages);
    }
}

#[cfg(all(unix, feature = "sched"))]
#[test]
fn readiness_yields_which_socket_can_be_read_and_ends_when_idle() {
    use genpipe::io::{Interest, readiness};
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let servers: Vec<TcpStream> = (0..3).map(|_| listener.accept().unwrap().0).collect();
    // Clients 0 and 2 write; client 1 closes: three sources readable (a close reads as 0).
    clients[0].write_all(b"zero").unwrap();
    clients[2].write_all(b"two").unwrap();
    drop(clients.remove(1));
    // Until each has been seen: the closed one stays readable (reading gives 0 bytes), so a
    // loop stops watching it itself.
    let mut got = std::collections::BTreeMap::new();
    for ev in readiness(&servers, Interest::Read).idle_timeout(Duration::from_secs(5)) {
        assert!(ev.readable);
        let mut buf = [0u8; 16];
        let n = (&servers[ev.key]).read(&mut buf).unwrap();
        got.insert(ev.key, String::from_utf8_lossy(&buf[..n]).into_owned());
        if got.len() == 3 {
            break;
        }
    }
    assert_eq!(got[&0], "zero");
    assert_eq!(got[&1], "");
    assert_eq!(got[&2], "two");

    // Nothing ready: the idle timeout ends it, cleanly.
    let quiet = [TcpStream::connect(addr).unwrap()];
    let _accepted = listener.accept().unwrap();
    let n = readiness(&quiet, Interest::Read).idle_timeout(Duration::from_millis(100)) | count();
    assert_eq!(n.unwrap(), 0);

    // Writable: a fresh connection can be written at once.
    let w = [TcpStream::connect(addr).unwrap()];
    let first = (readiness(&w, Interest::Write) | take(1) | collect::<Vec<_>>()).unwrap();
    assert!(first[0].writable && first[0].key == 0);
}
