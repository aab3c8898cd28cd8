//! `broadcast`: one stream to several consumers, in one pass.

use crate::consume::{BoxSink, SendError, Sink};

/// A sink sending each item to every target, in order. Made by [`broadcast`].
#[derive(Clone, Debug)]
pub struct Broadcast<T>(T);

/// Sends each item to every target in tuple order (up to 12 targets of different types, or a
/// `Vec<BoxSink<T, Out>>` for a dynamic set): the last live target gets the original, the others
/// clones. A target that has ended drops out; the broadcast ends when all have. `close` closes
/// the targets in order and returns their results as a tuple (or `Vec`).
///
/// One pass, several answers: a stage piped into a sink is a sink, so each branch keeps its own
/// output type. If the source fails, the targets are closed and the error is returned.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::io::{grep, last_field, lines_from, parse, skip_value};
///
/// let log = &b"a - - [t] \"GET /\" 200 10\nb - - [t] \"GET /x\" 404 -\nc - - [t] \"GET /\" 200 5\n"[..];
/// let (lines, missing, bytes) = (lines_from(log)
///     | broadcast((count(), grep("\" 404 ") | count(), last_field() | skip_value("-") | parse::<u64>() | sum())))?;
/// assert_eq!((lines, missing, bytes?), (3, 1, 15));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "a sink does nothing until a pipeline is piped into it (`gen | sink`)"]
pub fn broadcast<T>(targets: T) -> Broadcast<T> {
    Broadcast(targets)
}

macro_rules! broadcast_tuple {
    ($($T:ident $i:tt),+) => {
        impl<Item: Clone, $($T: Sink<Item>),+> Sink<Item> for Broadcast<($($T,)+)> {
            type Out = ($($T::Out,)+);

            fn send(&mut self, item: Item) -> Result<(), SendError<Item>> {
                let live = [$(!self.0.$i.is_done()),+];
                let Some(last) = live.iter().rposition(|&l| l) else {
                    return Err(SendError(item));
                };
                // A target that ends now drops out; its item is not ours to hand back.
                $(
                    if $i < last && live[$i] {
                        let _ = self.0.$i.send(item.clone());
                    }
                )+
                match last {
                    $($i => {
                        let _ = self.0.$i.send(item);
                    })+
                    _ => unreachable!("genpipe: broadcast target index"),
                }
                Ok(())
            }

            fn is_done(&self) -> bool {
                $(self.0.$i.is_done())&&+
            }

            fn close(self) -> Self::Out {
                ($(self.0.$i.close(),)+)
            }
        }
    };
}

broadcast_tuple!(A 0);
broadcast_tuple!(A 0, B 1);
broadcast_tuple!(A 0, B 1, C 2);
broadcast_tuple!(A 0, B 1, C 2, D 3);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
broadcast_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);

/// A dynamic set of targets of one output type.
impl<'a, Item: Clone, Out> Sink<Item> for Broadcast<Vec<BoxSink<'a, Item, Out>>> {
    type Out = Vec<Out>;

    fn send(&mut self, item: Item) -> Result<(), SendError<Item>> {
        let Some(last) = self.0.iter().rposition(|t| !t.is_done()) else {
            return Err(SendError(item));
        };
        for target in &mut self.0[..last] {
            if !target.is_done() {
                let _ = target.send(item.clone());
            }
        }
        let _ = self.0[last].send(item);
        Ok(())
    }

    fn is_done(&self) -> bool {
        self.0.iter().all(|t| t.is_done())
    }

    fn close(self) -> Vec<Out> {
        self.0.into_iter().map(|t| t.close()).collect()
    }
}

crate::pipe::sink_pipe_rhs!([T,] Broadcast<T>);
