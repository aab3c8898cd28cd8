//! Channels between the tasks of one scheduler: bounded, closed when every sender is dropped
//! (or the receiver closes), `send` and `recv` system calls that wait on the loop (gevent's
//! `Queue`, tokio's `mpsc`, for one thread).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use crate::sched::calls::{SystemCall, sealed};
use crate::sched::ops::perform;
use crate::sched::protocol::{Call, CallState, Progress, Reply, Request, Tid, current_tid, wake};

struct Shared<T> {
    queue: VecDeque<T>,
    capacity: usize,
    senders: usize,
    receiver_closed: bool,
    /// Tasks waiting for a value, and for room.
    receivers_waiting: Vec<Tid>,
    senders_waiting: Vec<Tid>,
}

impl<T> Shared<T> {
    fn wake_all(list: &mut Vec<Tid>) {
        for tid in list.drain(..) {
            wake(tid);
        }
    }
}

/// A bounded channel of `capacity` values (at least 1) between tasks on one scheduler: `send`
/// waits while it is full, `recv` while it is empty; when every [`Sender`] is dropped, `recv`
/// returns what is left, then `None`; when the [`Receiver`] is dropped or closed, `send` gives
/// the value back. Both are system calls (`syscall!` in a task, [`perform`] or the methods
/// named for it in a green task). The channel is not `Send`: its tasks share one thread.
///
/// # Example
/// ```
/// use genpipe::prelude::*;
/// use genpipe::sched::channel::{Receiver, Sender, channel};
/// use genpipe::sched::{Scheduler, Task};
///
/// #[task]
/// fn producer(tx: Sender<u32>) -> Task<()> {
///     for i in 0..5 {
///         // Waits while the channel is full.
///         syscall!(tx.send(i)).unwrap();
///     }
///     // Dropping the last sender closes the channel.
/// }
///
/// #[task]
/// fn consumer(rx: Receiver<u32>) -> Task<u32> {
///     let mut sum = 0;
///     while let Some(x) = syscall!(rx.recv()) {
///         sum += x;
///     }
///     sum
/// }
///
/// let (tx, rx) = channel(2);
/// let mut s = Scheduler::new();
/// s.spawn(consumer(rx));
/// s.spawn(producer(tx));
/// let ended = s.run();
/// assert_eq!(ended[1].value::<u32>(), Some(&10));
/// ```
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Rc::new(RefCell::new(Shared {
        queue: VecDeque::new(),
        capacity: capacity.max(1),
        senders: 1,
        receiver_closed: false,
        receivers_waiting: Vec::new(),
        senders_waiting: Vec::new(),
    }));
    (
        Sender {
            shared: Rc::clone(&shared),
        },
        Receiver { shared },
    )
}

/// The sending half of a [`channel`]; clone it for more senders.
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// The receiving half of a [`channel`].
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sender(..)")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receiver(..)")
    }
}

/// `send`'s error: the receiver is gone; the value comes back.
#[derive(Clone, PartialEq, Eq)]
pub struct SendError<T>(pub T);

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the channel's receiver is closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.borrow_mut().senders += 1;
        Sender {
            shared: Rc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut shared = self.shared.borrow_mut();
        shared.senders -= 1;
        if shared.senders == 0 {
            // Closed: the receivers see what is left, then the end.
            Shared::<T>::wake_all(&mut shared.receivers_waiting);
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting while the channel is full: `syscall!(tx.send(v))`. Reply:
    /// `Err(SendError(value))` once the receiver is gone.
    pub fn send(&self, value: T) -> Send<'_, T> {
        Send {
            sender: self,
            value: Some(value),
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    /// The value back: the channel is full or its receiver is gone.
    pub fn try_send(&self, value: T) -> Result<(), SendError<T>> {
        let mut shared = self.shared.borrow_mut();
        if shared.receiver_closed || shared.queue.len() >= shared.capacity {
            return Err(SendError(value));
        }
        shared.queue.push_back(value);
        if let Some(tid) = shared.receivers_waiting.pop() {
            wake(tid);
        }
        Ok(())
    }

    /// [`send`](Sender::send), performed (a green task suspends while the channel is full).
    ///
    /// # Errors
    /// The value back when the receiver is gone.
    ///
    /// # Panics
    /// Outside a scheduler while the channel is full: no task could make room.
    pub fn send_blocking(&self, value: T) -> Result<(), SendError<T>> {
        perform(self.send(value))
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting while the channel is empty: `syscall!(rx.recv())`. Reply: `None`
    /// once every sender is gone and the channel is empty.
    pub fn recv(&self) -> Recv<'_, T> {
        Recv { receiver: self }
    }

    /// The next value if there is one now.
    pub fn try_recv(&self) -> Option<T> {
        let mut shared = self.shared.borrow_mut();
        let value = shared.queue.pop_front();
        if value.is_some()
            && let Some(tid) = shared.senders_waiting.pop()
        {
            wake(tid);
        }
        value
    }

    /// [`recv`](Receiver::recv), performed (a green task suspends while the channel is empty).
    ///
    /// # Example
    /// ```
    /// use genpipe::sched::channel::channel;
    /// use genpipe::sched::{Scheduler, Task};
    ///
    /// let (tx, rx) = channel(1);
    /// let mut s = Scheduler::new();
    /// s.spawn(Task::green("sum", move || {
    ///     let mut sum = 0;
    ///     while let Some(x) = rx.recv_blocking() {
    ///         sum += x;
    ///     }
    ///     sum
    /// }));
    /// s.spawn(Task::green("numbers", move || {
    ///     for x in 1..=4 {
    ///         tx.send_blocking(x).unwrap(); // waits while the channel is full
    ///     }
    /// }));
    /// let ended = s.run();
    /// assert_eq!(ended.iter().find(|o| o.name() == "sum").unwrap().value::<i32>(), Some(&10));
    /// ```
    ///
    /// # Panics
    /// Outside a scheduler while the channel is empty and open: no task could send.
    pub fn recv_blocking(&self) -> Option<T> {
        perform(self.recv())
    }

    /// Closes the channel from this end: senders get their values back from now on; the
    /// values already sent can still be received.
    pub fn close(&self) {
        let mut shared = self.shared.borrow_mut();
        shared.receiver_closed = true;
        Shared::<T>::wake_all(&mut shared.senders_waiting);
    }
}

/// The task that waits, registered once in `list`.
fn wait_in(list: &mut Vec<Tid>, what: &str) -> Request {
    let Some(tid) = current_tid() else {
        panic!(
            "genpipe: a channel's {what} outside a running scheduler would wait for ever \
             (no task could ever make it ready)"
        );
    };
    if !list.contains(&tid) {
        list.push(tid);
    }
    Request(Call::Park)
}

/// The system call of [`Sender::send`].
pub struct Send<'a, T> {
    sender: &'a Sender<T>,
    value: Option<T>,
}

impl<T> fmt::Debug for Send<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Send(..)")
    }
}

impl<T> sealed::Sealed for Send<'_, T> {}
impl<'a, T> SystemCall for Send<'a, T> {
    type Reply = Result<(), SendError<T>>;
    type State = Send<'a, T>;
    fn start(self) -> Self {
        self
    }
}

impl<T> CallState for Send<'_, T> {
    type Reply = Result<(), SendError<T>>;
    fn step(&mut self, _: Option<Reply>) -> Progress<Self::Reply> {
        let value = self
            .value
            .take()
            .expect("genpipe: a send stepped after its end");
        match self.sender.try_send(value) {
            Ok(()) => Progress::Done(Ok(())),
            Err(SendError(value)) => {
                let mut shared = self.sender.shared.borrow_mut();
                if shared.receiver_closed {
                    return Progress::Done(Err(SendError(value)));
                }
                self.value = Some(value);
                Progress::Ask(wait_in(&mut shared.senders_waiting, "send"))
            }
        }
    }
}

/// The system call of [`Receiver::recv`].
pub struct Recv<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Recv(..)")
    }
}

impl<T> sealed::Sealed for Recv<'_, T> {}
impl<'a, T> SystemCall for Recv<'a, T> {
    type Reply = Option<T>;
    type State = Recv<'a, T>;
    fn start(self) -> Self {
        self
    }
}

impl<T> CallState for Recv<'_, T> {
    type Reply = Option<T>;
    fn step(&mut self, _: Option<Reply>) -> Progress<Option<T>> {
        if let Some(value) = self.receiver.try_recv() {
            return Progress::Done(Some(value));
        }
        let mut shared = self.receiver.shared.borrow_mut();
        if shared.senders == 0 {
            return Progress::Done(None);
        }
        Progress::Ask(wait_in(&mut shared.receivers_waiting, "recv"))
    }
}
