//! `--tail` of several files at once, as `tail -f` does, and the watch for a closed output.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use genpipe::io::{GrepOp, Line};
use genpipe::prelude::*;

use crate::flags::Options;
use crate::inputs::{Input, numbering, with_causes};
use crate::output::{Printer, stop_when_output_closes};
use crate::search::Stopped;

/// What a follower thread of [`follow_many`] sends: a selected line of file `.0`, or the error
/// that ended its follow.
pub(crate) enum Followed {
    Line(usize, Line),
    Failed(genpipe::Error),
}

/// `--tail` with several files, as `tail -f` does: each file followed on its own thread, the
/// selected lines printed as they come, each prefixed with its file's name. Runs until every
/// follow has ended (a missing file ends at once) or the output stops (a closed pipe ends all of
/// them within one poll).
pub(crate) fn follow_many(
    o: &Options,
    inputs: &[Input],
    stage: &Stage<GrepOp>,
    highlight: Option<&regex::bytes::Regex>,
    replacer: Option<&regex::bytes::Regex>,
    color: bool,
) -> ExitCode {
    let Some(paths) = inputs.iter().map(Input::path).collect::<Option<Vec<_>>>() else {
        eprintln!("loggrep: --tail with several inputs follows files, not standard input");
        return ExitCode::from(2);
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let limit = o
        .max_count
        .map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX));
    let tails: Vec<_> = paths
        .iter()
        .map(|p| numbering(o, follow(p).keep_cr()))
        .collect();
    let stops: Vec<_> = tails.iter().map(|t| t.stop_token()).collect();
    let output_closed = stop_when_output_closes(stops.clone());
    let (tx, rx) = std::sync::mpsc::sync_channel::<Followed>(1024);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut stopped = Stopped::No;
    let mut write_error = None;
    let (mut selected, mut failed) = (false, false);
    std::thread::scope(|scope| {
        for (i, tail) in tails.into_iter().enumerate() {
            let tx = tx.clone();
            let stage = stage.clone().take(limit);
            scope.spawn(move || {
                let sent = tail
                    | stage
                    | for_each(|line| {
                        // The receiver is gone only once the output has stopped, and then every
                        // follow is being stopped too.
                        let _ = tx.send(Followed::Line(i, line));
                    });
                if let Err(e) = sent {
                    let _ = tx.send(Followed::Failed(e));
                }
            });
        }
        drop(tx);
        for message in &rx {
            match message {
                Followed::Line(i, line) => {
                    selected = true;
                    let printer = Printer {
                        json: None,
                        name: Some(&names[i]),
                        number: o.line_number,
                        sep: b':',
                        only_matching: o.only_matching,
                        highlight,
                        color,
                        replace: o.replace.as_deref().zip(replacer),
                        max_columns: o.max_columns,
                    };
                    if let Err(e) = printer.line(&mut out, &line).and_then(|()| out.flush()) {
                        stopped = Stopped::by(&e);
                        write_error = Some(e);
                        break;
                    }
                }
                Followed::Failed(e) => {
                    eprintln!("loggrep: {}", with_causes(&e));
                    failed = true;
                }
            }
        }
        // Ends the followers still running (within one poll); the scope joins them.
        for stop in &stops {
            stop.stop();
        }
        drop(rx);
    });
    if output_closed.load(Ordering::Relaxed) {
        stopped = Stopped::PipeClosed;
    }
    match stopped {
        Stopped::PipeClosed => ExitCode::SUCCESS,
        Stopped::WriteFailed => {
            let e = write_error.map(|e| e.to_string()).unwrap_or_default();
            eprintln!("loggrep: write error: {e}");
            ExitCode::from(2)
        }
        Stopped::No if failed => ExitCode::from(2),
        Stopped::No if selected => ExitCode::SUCCESS,
        Stopped::No => ExitCode::from(1),
    }
}
