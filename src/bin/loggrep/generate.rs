//! `--generate`: a man page and shell completions, made from the table of flags, so they say
//! what `--help` says.

use crate::flags::{FLAGS, USAGE_HEAD, USAGE_TAIL};

/// The text `--generate kind` prints (`kind` is one of `flags::GENERATE_KINDS`).
pub(crate) fn generate(kind: &str) -> String {
    match kind {
        "man" => man(),
        "complete-bash" => bash(),
        "complete-fish" => fish(),
        _ => unreachable!("--generate {kind} was checked against GENERATE_KINDS"),
    }
}

/// Text for roff: backslashes and hyphens escaped, and no line starting a request.
fn roff(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = line.replace('\\', "\\e").replace('-', "\\-");
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn man() -> String {
    let mut page = format!(
        ".TH LOGGREP 1 \"\" \"loggrep {}\" \"User Commands\"\n\
         .SH NAME\nloggrep \\- grep for logs, as a genpipe pipeline\n\
         .SH SYNOPSIS\n\\fBloggrep\\fP [\\fIOPTIONS\\fP] \\fIPATTERN\\fP [\\fIPATH\\fP...]\n.br\n\
         \\fBloggrep\\fP [\\fIOPTIONS\\fP] \\fB\\-e\\fP \\fIPATTERN\\fP... [\\fIPATH\\fP...]\n\
         .SH DESCRIPTION\n",
        env!("CARGO_PKG_VERSION")
    );
    // The head without its usage lines (the synopsis has them).
    let head: Vec<&str> = USAGE_HEAD.lines().skip(2).collect();
    page.push_str(&roff(&head.join("\n")));
    page.push_str("\n.SH OPTIONS\n");
    for f in FLAGS {
        page.push_str(".TP\n");
        if let Some(c) = f.short {
            page.push_str(&format!("\\fB\\-{c}\\fP, "));
        }
        page.push_str(&format!("\\fB\\-\\-{}\\fP", f.long.replace('-', "\\-")));
        if let Some(v) = f.value {
            page.push_str(&format!(" \\fI{v}\\fP"));
        }
        page.push('\n');
        page.push_str(&roff(f.help));
        page.push('\n');
    }
    page.push_str(".SH NOTES\n");
    page.push_str(&roff(USAGE_TAIL));
    page.push('\n');
    page
}

fn bash() -> String {
    let mut words: Vec<String> = Vec::new();
    for f in FLAGS {
        if let Some(c) = f.short {
            words.push(format!("-{c}"));
        }
        words.push(format!("--{}", f.long));
    }
    format!(
        "# bash completion for loggrep: `loggrep --generate complete-bash > /etc/bash_completion.d/loggrep`\n\
         _loggrep() {{\n\
         \x20 local cur=\"${{COMP_WORDS[COMP_CWORD]}}\"\n\
         \x20 if [[ \"$cur\" == -* ]]; then\n\
         \x20   COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))\n\
         \x20 else\n\
         \x20   COMPREPLY=($(compgen -f -- \"$cur\"))\n\
         \x20 fi\n\
         }}\n\
         complete -F _loggrep -o default loggrep\n",
        words.join(" ")
    )
}

fn fish() -> String {
    let mut text = String::from(
        "# fish completion for loggrep: `loggrep --generate complete-fish > ~/.config/fish/completions/loggrep.fish`\n",
    );
    for f in FLAGS {
        text.push_str("complete -c loggrep");
        if let Some(c) = f.short {
            text.push_str(&format!(" -s {c}"));
        }
        text.push_str(&format!(" -l {}", f.long));
        if f.value.is_some() {
            text.push_str(" -r");
        }
        text.push_str(&format!(" -d '{}'\n", f.help.replace('\'', "\\'")));
    }
    text
}
