//! `StageEnd`: what a stage body's value does to its pipeline's outcome.

/// The value a stage body may end with, and how it joins its pipeline's outcome: `()` (the
/// upstream's outcome passes through) or, implemented beside `genpipe::Error`,
/// `Result<(), E>` with `E: Into<genpipe::Error>` (a fallible stage: its first error, else its
/// upstream's, as `genpipe::Result<()>`).
///
/// `R` is the upstream's outcome in pull mode; in push mode (`stage | sink`) `R` is `()` and
/// [`wrap`](StageEnd::wrap) makes the sink's value.
#[diagnostic::on_unimplemented(
    message = "a stage's body returns `()` or `Result<(), E>` with `E: Into<genpipe::Error>`, not `{Self}`",
    label = "the stage's declared return value",
    note = "a stage's outcome joins its source's; to count or summarize, end the pipeline in a sink"
)]
pub trait StageEnd<R>: Sized {
    /// The pipeline's outcome after this stage, pulled.
    type Merged;
    /// The sink's value wrapped by this stage's outcome, pushed.
    type Wrap<O>;

    /// The outcome after the stage: its body's value (`None` if it did not get to return) and
    /// its upstream's (`None` likewise).
    fn merge(body: Option<Self>, up: Option<R>) -> Option<Self::Merged>;

    /// A pushed stage's result: its body's value and its downstream sink's.
    fn wrap<O>(body: Option<Self>, out: O) -> Self::Wrap<O>;
}

impl<R> StageEnd<R> for () {
    type Merged = R;
    type Wrap<O> = O;

    #[inline(always)]
    fn merge(_: Option<()>, up: Option<R>) -> Option<R> {
        up
    }

    #[inline(always)]
    fn wrap<O>(_: Option<()>, out: O) -> O {
        out
    }
}
