//! Beazley's bus demo (`buses.py`, coroutines course): the XML feed of Chicago's buses, read as a
//! stream of events, turned into one record per `<bus>` by a coroutine, filtered by two more
//! (route 22, "North Bound"), and printed by the last: coroutines chained like a pipeline, fed
//! by a lazy XML source.
//!
//! ```text
//! cargo run --release --features xml --example buses                 # a generated feed
//! cargo run --release --features xml --example buses -- allroutes.xml # the course's file
//! ```
//!
//! The course's file is `../shared/data/dabeaz-coroutines/allroutes.xml` beside the project.

use std::collections::BTreeMap;
use std::io::Read;

use genpipe::io::{XmlEvent, xml_events};
use genpipe::prelude::*;

/// One `<bus>`: its child elements' names and texts.
type Bus = BTreeMap<String, String>;

/// `buses_to_dicts`: collects the text of each `<bus>`'s children into a record and sends it
/// on.
#[coro]
fn buses_to_dicts<K: Sink<Bus>>(mut target: K) -> Coro<XmlEvent, K::Out> {
    while let Some(event) = recv!() {
        if event.name() != Some("bus") || !matches!(event, XmlEvent::Start { .. }) {
            continue;
        }
        let mut bus = Bus::new();
        let mut fragments = String::new();
        while let Some(event) = recv!() {
            match event {
                XmlEvent::Start { .. } => fragments.clear(),
                XmlEvent::Text(text) => fragments.push_str(&text),
                XmlEvent::End { name } if name == "bus" => {
                    let _ = target.send(std::mem::take(&mut bus));
                    break;
                }
                XmlEvent::End { name } => {
                    bus.insert(name, std::mem::take(&mut fragments));
                }
            }
        }
    }
    target.close()
}

/// `filter_on_field`: sends on the records whose `field` is `value`.
#[coro]
fn filter_on_field<K: Sink<Bus>>(
    field: &'static str,
    value: &'static str,
    mut target: K,
) -> Coro<Bus, K::Out> {
    while let Some(bus) = recv!() {
        if bus.get(field).map(String::as_str) == Some(value) {
            let _ = target.send(bus);
        }
    }
    target.close()
}

/// `bus_locations`: prints each record as `route,id,"direction",latitude,longitude`, and counts
/// them.
#[coro]
fn bus_locations() -> Coro<Bus, usize> {
    let mut n = 0;
    while let Some(bus) = recv!() {
        let field = |k: &str| bus.get(k).map(String::as_str).unwrap_or("");
        println!(
            "{},{},\"{}\",{},{}",
            field("route"),
            field("id"),
            field("direction"),
            field("latitude"),
            field("longitude")
        );
        n += 1;
    }
    n
}

/// A feed of the course file's shape: `n` buses on a few routes, both ways.
fn generated_feed(n: usize) -> String {
    let mut doc = String::from("<?xml version=\"1.0\"?>\n<buses>\n");
    for i in 0..n {
        let route = [22, 147, 22, 81, 36][i % 5];
        let direction = ["North Bound", "South Bound", "East Bound"][i % 3];
        doc.push_str(&format!(
            "  <bus>\n    <id>{}</id>\n    <route>{route}</route>\n    <color>#3300ff</color>\n    \
             <direction>{direction}</direction>\n    <latitude>41.{:06}</latitude>\n    \
             <longitude>-87.{:06}</longitude>\n    <finalStop><![CDATA[Clark & Howard]]></finalStop>\n  </bus>\n",
            7000 + i,
            (i * 7919) % 1_000_000,
            (i * 104_729) % 1_000_000
        ));
    }
    doc.push_str("</buses>\n");
    doc
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input: Box<dyn Read> = match std::env::args_os().nth(1) {
        Some(path) => Box::new(std::fs::File::open(path)?),
        None => Box::new(std::io::Cursor::new(generated_feed(60))),
    };
    let shown = xml_events(input)
        | buses_to_dicts(filter_on_field(
            "route",
            "22",
            filter_on_field("direction", "North Bound", bus_locations()),
        ));
    eprintln!("{} buses on route 22, north bound", shown?);
    Ok(())
}
