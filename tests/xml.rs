//! XML events: the order of starts, texts and ends; entities, CDATA and attributes; malformed
//! documents as errors naming the byte, with the events before delivered; memory flat over a
//! large document; and the bus demo's coroutines fed from the source (`examples/buses.rs`).

use genpipe::io::{XmlEvent, xml_events};
use genpipe::mem::{CountingAlloc, measure};
use genpipe::prelude::*;
use proptest::prelude::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::system();

fn events(doc: &str) -> Vec<XmlEvent> {
    (xml_events(doc.as_bytes()) | collect::<Vec<_>>()).unwrap()
}

fn start(name: &str, attributes: &[(&str, &str)]) -> XmlEvent {
    XmlEvent::Start {
        name: name.into(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn end(name: &str) -> XmlEvent {
    XmlEvent::End { name: name.into() }
}

fn text(t: &str) -> XmlEvent {
    XmlEvent::Text(t.into())
}

#[test]
fn events_come_in_document_order_with_empty_elements_split() {
    let got = events(
        r#"<?xml version="1.0"?><!-- a comment --><a x="1" y='two &amp; three'>hi<b/>there<c k="v"/></a>"#,
    );
    assert_eq!(
        got,
        [
            start("a", &[("x", "1"), ("y", "two & three")]),
            text("hi"),
            start("b", &[]),
            end("b"),
            text("there"),
            start("c", &[("k", "v")]),
            end("c"),
            end("a"),
        ]
    );
}

#[test]
fn text_pieces_are_joined_with_entities_and_cdata_resolved() {
    let got = events("<t>a &lt;b&gt; &#233;&#x263A; <![CDATA[<raw & kept>]]> end</t>");
    assert_eq!(got[1], text("a <b> é☺ <raw & kept> end"));
    assert_eq!(got.len(), 3);
}

#[test]
fn malformed_documents_end_with_an_error_naming_the_byte() {
    for (doc, delivered) in [
        ("<a><b></a>", 2),
        ("<a><b></b>", 3),
        ("<a x=1></a>", 0),
        ("<a>&nosuch;</a>", 1),
        ("<a>&#xZZ;</a>", 1),
        ("<a", 0),
    ] {
        let mut got = Vec::new();
        let outcome = xml_events(doc.as_bytes()) | for_each(|e: XmlEvent| got.push(e));
        let err = outcome.unwrap_err();
        assert!(matches!(err, genpipe::Error::Xml { .. }), "{doc}: {err:?}");
        assert!(
            err.to_string().starts_with("<input>: byte "),
            "{doc}: {err}"
        );
        assert_eq!(got.len(), delivered, "{doc}: {got:?}");
    }
    let err = (xml_events(&b"<a>&nosuch;</a>"[..]) | count()).unwrap_err();
    assert!(
        err.to_string().contains("unknown entity `&nosuch;`"),
        "{err}"
    );
    let err = (xml_events(&b"<a><b></b>"[..]) | count()).unwrap_err();
    assert!(err.to_string().contains("ends inside <a>"), "{err}");
}

#[test]
fn memory_stays_flat_over_a_large_document() {
    let mut doc = String::from("<log>");
    for i in 0..100_000 {
        doc.push_str(&format!("<e n=\"{i}\"><m>message {i} &amp; more</m></e>\n"));
    }
    doc.push_str("</log>");
    let bytes = doc.len();
    let (n, report) = measure(|| (xml_events(doc.as_bytes()) | count()).unwrap());
    assert_eq!(n, 2 + 100_000 * 6);
    assert!(
        report.peak_bytes < 1 << 20,
        "peak {} bytes for a {bytes}-byte document",
        report.peak_bytes
    );
}

/// The shape of `allroutes.xml`: what `examples/buses.rs` must print for it, computed here
/// without XML (every bus is written by this test).
#[test]
#[cfg_attr(miri, ignore = "runs cargo")]
fn the_bus_demo_prints_route_22_north_bound_as_buses_py_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("routes.xml");
    let mut doc = String::from("<?xml version=\"1.0\"?>\n\n\t\t<buses>\n");
    let mut want = String::new();
    for i in 0..200usize {
        let route = ["22", "147", "22", "8", "22"][i % 5];
        let direction = ["North Bound", "South Bound", "East Bound", "North Bound"][i % 4];
        let (lat, lon) = (format!("41.{i:04}"), format!("-87.{:04}", 9999 - i));
        doc.push_str(&format!(
            "\t<bus>\n\t\t<id>{}</id>\n\t\t<route>{route}</route>\n\t\t\n\t\t<color>#3300ff</color>\n\t\t\
             <direction>{direction}</direction>\n\t\t<latitude>{lat}</latitude>\n\t\t\
             <longitude>{lon}</longitude>\n\t\t<finalStop><![CDATA[Paulina & Howard]]></finalStop>\n\t\t\
             <operator>42493</operator>  \n\t</bus>\n",
            6000 + i
        ));
        if route == "22" && direction == "North Bound" {
            want.push_str(&format!("22,{},\"North Bound\",{lat},{lon}\n", 6000 + i));
        }
    }
    doc.push_str("</buses>\n");
    std::fs::write(&path, doc).unwrap();
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "--quiet",
            "--features",
            "xml",
            "--example",
            "buses",
            "--",
        ])
        .arg(&path)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!want.is_empty());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

proptest! {
    #[test]
    fn any_bytes_end_in_events_then_at_most_one_error(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut n = 0;
        let _ = xml_events(&bytes[..]) | for_each(|_: XmlEvent| n += 1);
        prop_assert!(n <= bytes.len() * 2 + 2);
    }

    #[test]
    fn element_trees_round_trip(names in prop::collection::vec("[a-z]{1,6}", 1..12), texts in prop::collection::vec("[ -~&&[^<&]]{0,8}", 1..12)) {
        // Nested elements, each with a text: starts, texts and ends in order.
        let mut doc = String::new();
        let mut want = Vec::new();
        for (name, t) in names.iter().zip(texts.iter().cycle()) {
            doc.push_str(&format!("<{name}>{t}"));
            want.push(start(name, &[]));
            if !t.is_empty() {
                want.push(text(t));
            }
        }
        for name in names.iter().rev() {
            doc.push_str(&format!("</{name}>"));
            want.push(end(name));
        }
        prop_assert_eq!(events(&doc), want);
    }
}
