//! File types (`-t`, `-T`, `--type-list`): names for sets of file-name globs, as ripgrep's, for
//! the types a log search meets. A directory walk keeps the files of the types asked for.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Every type and its globs, as ripgrep defines them (a subset of ripgrep's list).
pub(crate) const TYPES: &[(&str, &[&str])] = &[
    ("csv", &["*.csv"]),
    ("json", &["*.json", "*.sarif", "composer.lock"]),
    ("log", &["*.log"]),
    (
        "md",
        &[
            "*.markdown",
            "*.md",
            "*.mdown",
            "*.mdwn",
            "*.mdx",
            "*.mkd",
            "*.mkdn",
        ],
    ),
    ("py", &["*.py", "*.pyi"]),
    ("rust", &["*.rs"]),
    ("toml", &["*.toml", "Cargo.lock"]),
    ("txt", &["*.txt"]),
    ("yaml", &["*.yaml", "*.yml"]),
];

/// `--type-list`: a line per type, `name: glob, glob`.
pub(crate) fn list() -> String {
    TYPES
        .iter()
        .map(|(name, globs)| format!("{name}: {}\n", globs.join(", ")))
        .collect()
}

/// Which files of a walk are kept: of a type of `select` (any, when empty), of none of `reject`.
pub(crate) struct TypeFilter {
    select: Option<GlobSet>,
    reject: Option<GlobSet>,
}

/// The globs of the types `names`, as one set; `None` for no names. An unknown name is an error
/// that says where the list is.
fn set(names: &[String]) -> Result<Option<GlobSet>, String> {
    if names.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for name in names {
        let (_, globs) = TYPES
            .iter()
            .find(|(known, _)| known == name)
            .ok_or_else(|| {
                format!("unknown file type {name:?} (loggrep --type-list lists them)")
            })?;
        for glob in *globs {
            builder.add(Glob::new(glob).map_err(|e| e.to_string())?);
        }
    }
    builder.build().map(Some).map_err(|e| e.to_string())
}

impl TypeFilter {
    pub(crate) fn new(select: &[String], reject: &[String]) -> Result<Option<TypeFilter>, String> {
        let (select, reject) = (set(select)?, set(reject)?);
        Ok((select.is_some() || reject.is_some()).then_some(TypeFilter { select, reject }))
    }

    /// Whether the file at `path` is kept (its name is matched).
    pub(crate) fn keeps(&self, path: &std::path::Path) -> bool {
        let Some(name) = path.file_name() else {
            return false;
        };
        self.select.as_ref().is_none_or(|s| s.is_match(name))
            && self.reject.as_ref().is_none_or(|r| !r.is_match(name))
    }
}
