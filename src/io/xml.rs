//! XML as a stream of events (feature `xml`): [`xml_events`] reads a document lazily, as
//! Beazley's SAX and expat demos do, so a 10 GB document is processed in the memory of one
//! element; a `#[coro]` can be fed the events (`xml_events(r) | coro`).
//!
//! Built on quick-xml's pull parser. Text is unescaped, with character and the five predefined
//! entity references resolved, and the text pieces of one run (text, references, CDATA) are
//! joined into one event.

use std::fmt;
use std::io::{BufReader, Read};
use std::pin::Pin;
use std::sync::Arc;

use quick_xml::events::{BytesRef, BytesStart, Event};

use crate::engine::Pull;
use crate::error::{Error, Result};
use crate::produce::Gen;

/// One event of an XML document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XmlEvent {
    /// An element starts (an empty element `<a/>` is a `Start` and an `End`).
    Start {
        /// The element's name, as written (with its prefix, if any).
        name: String,
        /// Its attributes, in order, their values unescaped.
        attributes: Vec<(String, String)>,
    },
    /// An element ends.
    End {
        /// The element's name.
        name: String,
    },
    /// Text between tags (and CDATA), unescaped; whitespace between elements included.
    Text(String),
}

impl XmlEvent {
    /// The element's name, for a `Start` or an `End`.
    pub fn name(&self) -> Option<&str> {
        match self {
            XmlEvent::Start { name, .. } | XmlEvent::End { name } => Some(name),
            XmlEvent::Text(_) => None,
        }
    }

    /// An attribute's value, for a `Start`.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        match self {
            XmlEvent::Start { attributes, .. } => attributes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

/// The events of an XML document: [`xml_events`].
pub struct XmlEvents<R> {
    reader: Option<quick_xml::Reader<BufReader<R>>>,
    buf: Vec<u8>,
    /// Text gathered since the last tag.
    text: String,
    /// An event read after text, handed out after the text.
    next: Option<XmlEvent>,
    /// The end of an empty element, handed out after its start.
    pending_end: Option<String>,
    /// The elements open now, innermost last: a document that ends inside one is cut short.
    open: Vec<String>,
    outcome: Option<Result<()>>,
}

impl<R> fmt::Debug for XmlEvents<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlEvents")
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl<R> Unpin for XmlEvents<R> {}

/// An XML error at `offset`, with quick-xml's words.
fn xml_error(offset: u64, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Xml {
        path: None,
        offset,
        source: Arc::new(source),
    }
}

fn start_event(e: &BytesStart<'_>, offset: u64) -> Result<XmlEvent> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| xml_error(offset, err))?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value()
            .map_err(|err| xml_error(offset, err))?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(XmlEvent::Start { name, attributes })
}

/// The text a reference (`&amp;`, `&#233;`) stands for.
fn resolve(r: &BytesRef<'_>, offset: u64) -> Result<String> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            Ok(None) => Ok(String::new()),
            Err(e) => Err(xml_error(offset, e)),
        };
    }
    let name = r.decode().map_err(|e| xml_error(offset, e))?;
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(text) => Ok(text.to_string()),
        None => Err(xml_error(
            offset,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "unknown entity `&{name};` (only XML's five and character references are known)"
                ),
            ),
        )),
    }
}

impl<R: Read> XmlEvents<R> {
    /// The next event, text first; `Ok(None)` at the end of the document.
    fn next_event(&mut self) -> Result<Option<XmlEvent>> {
        if let Some(event) = self.next.take() {
            return Ok(Some(event));
        }
        if let Some(name) = self.pending_end.take() {
            return Ok(Some(XmlEvent::End { name }));
        }
        let Some(reader) = self.reader.as_mut() else {
            return Ok(None);
        };
        loop {
            self.buf.clear();
            let offset = reader.buffer_position();
            let event = match reader.read_event_into(&mut self.buf) {
                Ok(event) => event,
                Err(e) => return Err(xml_error(reader.error_position(), e)),
            };
            let tag = match event {
                Event::Text(t) => {
                    self.text
                        .push_str(&t.decode().map_err(|e| xml_error(offset, e))?);
                    continue;
                }
                Event::CData(t) => {
                    self.text
                        .push_str(&t.decode().map_err(|e| xml_error(offset, e))?);
                    continue;
                }
                Event::GeneralRef(r) => {
                    self.text.push_str(&resolve(&r, offset)?);
                    continue;
                }
                Event::Start(e) => {
                    let start = start_event(&e, offset)?;
                    self.open.extend(start.name().map(str::to_string));
                    start
                }
                Event::Empty(e) => {
                    let start = start_event(&e, offset)?;
                    self.pending_end = start.name().map(str::to_string);
                    start
                }
                Event::End(e) => {
                    self.open.pop();
                    XmlEvent::End {
                        name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    }
                }
                Event::Eof => {
                    if let Some(inside) = self.open.last() {
                        return Err(xml_error(
                            offset,
                            std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                format!("the document ends inside <{inside}>"),
                            ),
                        ));
                    }
                    self.reader = None;
                    return Ok(self.take_text());
                }
                // Declarations, comments, processing instructions, doctypes: not content.
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => continue,
            };
            return Ok(Some(match self.take_text() {
                Some(text) => {
                    // The tag waits behind the text (and an empty element's end behind both).
                    self.next = Some(tag);
                    text
                }
                None => tag,
            }));
        }
    }

    fn take_text(&mut self) -> Option<XmlEvent> {
        (!self.text.is_empty()).then(|| XmlEvent::Text(std::mem::take(&mut self.text)))
    }
}

impl<R: Read> crate::sealed::Pull for XmlEvents<R> {}
impl<R: Read> Pull for XmlEvents<R> {
    type Item = XmlEvent;
    type Return = Result<()>;

    fn pull(self: Pin<&mut Self>) -> Option<XmlEvent> {
        let this = self.get_mut();
        if this.outcome.is_some() {
            return None;
        }
        match this.next_event() {
            Ok(Some(event)) => Some(event),
            Ok(None) => {
                this.outcome = Some(Ok(()));
                None
            }
            Err(e) => {
                this.reader = None;
                this.next = None;
                this.pending_end = None;
                this.outcome = Some(Err(e));
                None
            }
        }
    }

    fn take_return(self: Pin<&mut Self>) -> Option<Result<()>> {
        self.get_mut().outcome.take()
    }
}

/// The events of the XML document `reader` holds, one at a time: [`XmlEvent::Start`] (with its
/// attributes), [`XmlEvent::End`] and [`XmlEvent::Text`]. End tags must match their start tags.
/// Malformed XML (a mismatched or unclosed tag, a bad attribute, an unknown entity) ends the
/// source with [`Error::Xml`] at the byte where it was found; the events before it arrive. The
/// document is read in 64 KiB pieces: memory is one element's, whatever the document's size.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{XmlEvent, xml_events};
///
/// let doc = br#"<buses><bus id="7574"><route>22</route><dir>North &amp; Bound</dir></bus></buses>"#;
/// let events = (xml_events(&doc[..]) | collect::<Vec<_>>())?;
/// assert_eq!(events[1].attribute("id"), Some("7574"));
/// assert_eq!(events[6], XmlEvent::Text("North & Bound".into()));
/// assert_eq!(events.last().and_then(|e| e.name()), Some("buses"));
///
/// let err = (xml_events(&b"<a><b></a>"[..]) | count()).unwrap_err();
/// assert!(err.to_string().starts_with("<input>: byte "), "{err}");
/// # Ok::<(), genpipe::Error>(())
/// ```
pub fn xml_events<R: Read>(reader: R) -> Gen<XmlEvents<R>> {
    let mut parser = quick_xml::Reader::from_reader(BufReader::with_capacity(64 << 10, reader));
    let config = parser.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;
    Gen::from_pull(XmlEvents {
        reader: Some(parser),
        buf: Vec::new(),
        text: String::new(),
        next: None,
        pending_end: None,
        open: Vec::new(),
        outcome: None,
    })
}
