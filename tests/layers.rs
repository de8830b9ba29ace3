//! The house's rules, read from the source: the library's modules sit on layers and import
//! only modules of lower layers (the command line, `src/cli` and `src/main.rs`, sits on top);
//! no files import each other in a circle; only the command line prints or knows `clap`.
//!
//! Imports are read as text: every `use` tree and every `crate::`/`super::`/`self::` path in
//! code (comments left out), resolved to the file that defines the item, through the
//! re-exports of `mod.rs` files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The library's layers, bottom first: a module may import modules of lower layers only. The
/// same order is described in `src/lib.rs`.
const LAYERS: &[&[&str]] = &[
    &["error", "rng", "observe"],
    &["gpu", "audio", "plot"],
    &["corpus"],
    &["features", "dataset", "scores"],
    &["augment"],
    &["models"],
    &["run"],
    &["train", "predict"],
    &["eval", "serve", "bench"],
    &["reproduce"],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/predict/pipeline.rs` -> [predict, pipeline],
/// `src/predict/mod.rs` -> [predict], `src/lib.rs` -> [].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The file of a module path, if it is a module.
fn file_of(module: &[String]) -> Option<PathBuf> {
    if module.is_empty() {
        return Some(src().join("lib.rs"));
    }
    let base = module.iter().fold(src(), |p, m| p.join(m));
    [base.with_extension("rs"), base.join("mod.rs")]
        .into_iter()
        .find(|p| p.exists())
}

/// The code of a file without its unit tests (a `#[cfg(test)]` module at the end), comments
/// (line, doc and block comments) and the contents of string and char literals.
fn code(text: &str) -> String {
    let text = text.find("#[cfg(test)]").map_or(text, |at| &text[..at]);
    let (mut out, mut chars) = (String::with_capacity(text.len()), text.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for d in chars.by_ref() {
                    if last == '*' && d == '/' {
                        break;
                    }
                    last = d;
                }
            }
            '"' => {
                out.push('"');
                let mut escaped = false;
                for d in chars.by_ref() {
                    if !escaped && d == '"' {
                        break;
                    }
                    escaped = !escaped && d == '\\';
                }
                out.push('"');
            }
            // A char literal ('"', '{'), not a lifetime: skip it whole.
            '\'' if {
                let rest: String = chars.clone().take(3).collect();
                rest.starts_with("\\") || rest.chars().nth(1) == Some('\'')
            } =>
            {
                let mut escaped = false;
                for d in chars.by_ref() {
                    if !escaped && d == '\'' {
                        break;
                    }
                    escaped = !escaped && d == '\\';
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The paths a `use` tree names: `a::{b, c::{d, e as f}, self}` -> a::b, a::c::d, a::c::e, a.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = split_path(&tree[..open]);
        let mut base = prefix.to_vec();
        base.extend(head);
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &base, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &base, out);
    } else if !tree.is_empty() {
        let name = tree.split(" as ").next().unwrap_or(tree);
        let mut path = prefix.to_vec();
        path.extend(split_path(name).into_iter().filter(|s| s != "self"));
        if !path.is_empty() {
            out.push(path);
        }
    }
}

fn split_path(text: &str) -> Vec<String> {
    text.split("::")
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "*")
        .map(String::from)
        .collect()
}

/// A path of names, e.g. [crate, models, Network].
type Names = Vec<String>;

/// (`use` trees with whether they are `pub use`, other `crate`/`super`/`self` paths) of code.
fn paths(code: &str) -> (Vec<(bool, Names)>, Vec<Names>) {
    let mut uses = Vec::new();
    let mut rest = String::new();
    let mut text = code;
    while let Some(at) = find_use(text) {
        rest.push_str(&text[..at]);
        let body_start = at + text[at..].find("use ").unwrap() + 4;
        let end = body_start + text[body_start..].find(';').unwrap();
        let public = text[at..body_start].trim_start().starts_with("pub");
        let mut expanded = Vec::new();
        expand(&text[body_start..end], &[], &mut expanded);
        uses.extend(expanded.into_iter().map(|p| (public, p)));
        text = &text[end + 1..];
    }
    rest.push_str(text);
    let mut inline = Vec::new();
    let bytes = rest.as_bytes();
    for root in ["crate::", "super::", "self::"] {
        for (at, _) in rest.match_indices(root) {
            let before = at.checked_sub(1).map(|i| bytes[i] as char);
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let tail: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            inline.push(split_path(&tail));
        }
    }
    (uses, inline)
}

/// Start of the next `use` item (`use`, `pub use`, `pub(crate) use`, ...) at a line start.
fn find_use(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let item = trimmed
            .strip_prefix("pub(crate) ")
            .or_else(|| trimmed.strip_prefix("pub(super) "))
            .or_else(|| trimmed.strip_prefix("pub "))
            .unwrap_or(trimmed);
        if item.starts_with("use ") {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Every file's code, and each module's re-exports (name -> path it re-exports).
struct House {
    code: BTreeMap<PathBuf, String>,
    reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

impl House {
    fn read() -> House {
        let mut files = Vec::new();
        rust_files(&src(), &mut files);
        let code: BTreeMap<PathBuf, String> = files
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(&f).unwrap();
                (f, code(&text))
            })
            .collect();
        let mut reexports = BTreeMap::new();
        for (file, text) in &code {
            let module = module_of(file);
            let names: BTreeMap<String, Vec<String>> = paths(text)
                .0
                .into_iter()
                .filter(|(public, _)| *public)
                .filter_map(|(_, path)| Some((path.last()?.clone(), path)))
                .collect();
            reexports.insert(module, names);
        }
        House { code, reexports }
    }

    /// The file that defines what `path` names, seen from module `from`; `None` outside the
    /// crate.
    fn resolve(&self, from: &[String], path: &[String], depth: usize) -> Option<PathBuf> {
        let mut at: Vec<String> = from.to_vec();
        let mut rest = path;
        match path.first()?.as_str() {
            "crate" => {
                at.clear();
                rest = &path[1..];
            }
            "self" => rest = &path[1..],
            "super" => {
                while rest.first().is_some_and(|s| s == "super") {
                    at.pop();
                    rest = &rest[1..];
                }
            }
            first => {
                // A path relative to the module itself (2018 edition), else another crate.
                let mut child = from.to_vec();
                child.push(first.to_string());
                file_of(&child)?;
            }
        }
        for segment in rest {
            let mut child = at.clone();
            child.push(segment.clone());
            if file_of(&child).is_some() {
                at = child;
                continue;
            }
            // An item of module `at`: defined there, or re-exported from elsewhere.
            if let Some(target) = self.reexports.get(&at).and_then(|r| r.get(segment))
                && depth < 8
                && let Some(file) = self.resolve(&at, target, depth + 1)
            {
                return Some(file);
            }
            return file_of(&at);
        }
        file_of(&at)
    }

    /// File -> the files it takes names from (a `mod.rs` file's re-exports are declarations,
    /// not dependencies).
    fn imports(&self) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
        let mut graph = BTreeMap::new();
        for (file, text) in &self.code {
            let module = module_of(file);
            let (uses, inline) = paths(text);
            let mut targets = BTreeSet::new();
            let declares = file.ends_with("mod.rs") || file.ends_with("lib.rs");
            for path in uses
                .into_iter()
                .filter(|(public, _)| !(declares && *public))
                .map(|(_, p)| p)
                .chain(inline)
            {
                if let Some(target) = self.resolve(&module, &path, 0)
                    && target != *file
                {
                    targets.insert(target);
                }
            }
            graph.insert(file.clone(), targets);
        }
        graph
    }
}

fn top_module(file: &Path) -> String {
    module_of(file).first().cloned().unwrap_or_else(|| "lib".into())
}

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn is_cli(file: &Path) -> bool {
    let top = top_module(file);
    top == "cli" || file.ends_with("main.rs")
}

fn short(file: &Path) -> String {
    file.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn every_library_module_is_on_a_layer() {
    let house = House::read();
    let unplaced: BTreeSet<String> = house
        .code
        .keys()
        .filter(|f| !is_cli(f) && !f.ends_with("lib.rs"))
        .map(|f| top_module(f))
        .filter(|m| layer(m).is_none())
        .collect();
    assert!(unplaced.is_empty(), "modules on no layer: {unplaced:?}");
}

#[test]
fn imports_run_down_the_layers() {
    let house = House::read();
    let mut up = Vec::new();
    for (file, targets) in house.imports() {
        if is_cli(&file) || file.ends_with("lib.rs") {
            continue;
        }
        let from = top_module(&file);
        for target in targets {
            let to = top_module(&target);
            if to == from {
                continue;
            }
            if is_cli(&target) || layer(&to) >= layer(&from) {
                up.push(format!("{} -> {}", short(&file), short(&target)));
            }
        }
    }
    assert!(
        up.is_empty(),
        "imports that run up or across the layers:\n{}",
        up.join("\n")
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = House::read().imports();
    // Tarjan's strongly connected components; a component of more than one file is a circle.
    struct Search<'a> {
        graph: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a Path, (usize, usize)>,
        stack: Vec<&'a Path>,
        on_stack: BTreeSet<&'a Path>,
        circles: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, file: &'a Path) {
            let n = self.index.len();
            self.index.insert(file, (n, n));
            self.stack.push(file);
            self.on_stack.insert(file);
            for next in self.graph.get(file).into_iter().flatten() {
                if !self.index.contains_key(next.as_path()) {
                    self.visit(next);
                    let low = self.index[next.as_path()].1.min(self.index[file].1);
                    self.index.get_mut(file).unwrap().1 = low;
                } else if self.on_stack.contains(next.as_path()) {
                    let low = self.index[next.as_path()].0.min(self.index[file].1);
                    self.index.get_mut(file).unwrap().1 = low;
                }
            }
            let (number, low) = self.index[file];
            if number == low {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(short(top));
                    if top == file {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.circles.push(component);
                }
            }
        }
    }
    let mut search = Search {
        graph: &graph,
        index: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        circles: Vec::new(),
    };
    for file in graph.keys() {
        if !search.index.contains_key(file.as_path()) {
            search.visit(file);
        }
    }
    assert!(
        search.circles.is_empty(),
        "files importing each other in a circle: {:?}",
        search.circles
    );
}

#[test]
fn only_the_command_line_prints_or_parses_arguments() {
    let house = House::read();
    let mut found = Vec::new();
    for (file, text) in &house.code {
        if is_cli(file) {
            continue;
        }
        for needle in ["println!", "eprintln!", "print!", "eprint!", "dbg!", "clap::"] {
            if text.match_indices(needle).any(|(at, _)| {
                at == 0 || !text.as_bytes()[at - 1].is_ascii_alphanumeric() && text.as_bytes()[at - 1] != b'_'
            }) {
                found.push(format!("{}: {needle}", short(file)));
            }
        }
    }
    assert!(
        found.is_empty(),
        "printing or argument parsing outside src/cli:\n{}",
        found.join("\n")
    );
}

#[test]
fn module_files_only_declare_and_reexport() {
    let house = House::read();
    let mut logic = Vec::new();
    for (file, text) in &house.code {
        if !(file.ends_with("mod.rs") || file.ends_with("lib.rs")) {
            continue;
        }
        let mut statement = String::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            statement.push_str(line);
            statement.push(' ');
            if !line.ends_with(';') {
                continue;
            }
            let declaration = ["mod ", "pub mod ", "pub use ", "pub(crate) mod "]
                .iter()
                .any(|start| statement.starts_with(start));
            if !declaration {
                logic.push(format!("{}: {}", short(file), statement.trim()));
            }
            statement.clear();
        }
        if !statement.trim().is_empty() {
            logic.push(format!("{}: {}", short(file), statement.trim()));
        }
    }
    assert!(
        logic.is_empty(),
        "mod.rs files with more than declarations:\n{}",
        logic.join("\n")
    );
}

#[test]
fn the_reader_finds_imports_and_circles() {
    // The checks above pass trivially if the reader sees nothing: it must see these.
    let house = House::read();
    let graph = house.imports();
    let file = |p: &str| src().join(p);
    let of = |p: &str| &graph[&file(p)];
    assert!(of("predict/pipeline.rs").contains(&file("predict/consumer.rs")));
    assert!(of("train/fit.rs").contains(&file("run/checkpoint.rs")));
    // Through a mod.rs re-export to the defining file.
    assert!(of("eval/rescore.rs").contains(&file("models/adapt.rs")));
    let (uses, inline) = paths(&code(
        "use a::{b, c::{d, e as f}};\npub use super::g;\nfn x() { crate::observe::info(\"use z;\"); } // crate::no\n",
    ));
    assert_eq!(
        uses,
        [
            (false, vec!["a".into(), "b".into()]),
            (false, vec!["a".into(), "c".into(), "d".into()]),
            (false, vec!["a".into(), "c".into(), "e".into()]),
            (true, vec!["super".into(), "g".into()]),
        ]
    );
    assert_eq!(inline, [vec!["crate".to_string(), "observe".into(), "info".into()]]);
}
