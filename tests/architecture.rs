//! The code layout shows the pipeline: `src/` is grouped by stage, no source file is
//! over 1,000 lines, the top-level modules import each other without a cycle (each
//! stage uses earlier stages and the shared leaves in `base`, which use no stage), the
//! files of every folder import each other without a cycle either, and `read` uses
//! neither `classify` nor `render` (typing and typesetting come after reading).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 1000;
const MAX_TOP_ENTRIES: usize = 12;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/read/scan.rs` -> `read`), or None for the
/// crate root and the binary.
fn top_module(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src()).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .to_string();
    let name = first.trim_end_matches(".rs").to_string();
    match name.as_str() {
        "lib" | "main" | "cli" => None,
        _ => Some(name),
    }
}

/// Every `crate::name` a file's code mentions (comments included only when they are code:
/// doc comments are skipped).
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| top_module(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let Some(from) = top_module(f) else { continue };
        let text = fs::read_to_string(f).expect("source is UTF-8");
        let deps = graph.entry(from.clone()).or_default();
        for to in crate_paths(&text) {
            if to != from && modules.contains(&to) {
                deps.insert(to);
            }
        }
    }
    graph
}

/// The modules that lie on a cycle (Tarjan's strongly connected components of size > 1).
fn modules_in_cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let graph = s.graph;
        for w in graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = module_graph();
    let cycles = modules_in_cycles(&graph);
    assert!(
        cycles.is_empty(),
        "top-level modules import each other in a cycle: {cycles:?}\nimports: {graph:#?}"
    );
}

#[test]
fn shared_leaves_import_no_stage() {
    let graph = module_graph();
    let leaf_deps = graph.get("base").cloned().unwrap_or_default();
    assert!(
        leaf_deps.is_empty(),
        "src/base/ holds shared leaves, but it imports {leaf_deps:?}: move the helper down into base/"
    );
}

#[test]
fn no_source_file_is_over_the_limit() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f)
                .expect("source is UTF-8")
                .lines()
                .count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split by concern: {long:?} (limit {MAX_LINES})"
    );
}

#[test]
fn src_shows_the_stages() {
    let entries: Vec<String> = fs::read_dir(src())
        .expect("src/ is readable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|n| n != "lib.rs" && n != "main.rs")
        .collect();
    assert!(
        entries.len() <= MAX_TOP_ENTRIES,
        "{} entries directly in src/ (at most {MAX_TOP_ENTRIES}): {entries:?}",
        entries.len()
    );
    for stage in ["read", "classify", "render", "write"] {
        assert!(src().join(stage).is_dir(), "src/{stage}/ is missing");
    }
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    g.entry("d".into()).or_default().insert("a".into());
    assert_eq!(modules_in_cycles(&g), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        crate_paths(
            "use crate::read::scan;\n// crate::plan\nlet x = crate::base::kind::Kind::Other;"
        ),
        ["base", "read"].iter().map(|s| s.to_string()).collect()
    );
}

/// A source file's module path from the crate root (`src/read/cda/header.rs` ->
/// `read::cda::header`, `src/read/cda/mod.rs` -> `read::cda`; empty for lib.rs and
/// main.rs).
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).expect("a file under src/");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// A file's code without comments (`//` to the end of a line; doc comments included) and
/// without the contents of one-line string literals.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut in_str = false;
        let mut escaped = false;
        let mut prev = ' ';
        for c in line.chars() {
            if in_str {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_str = false;
                    out.push('"');
                }
                continue;
            }
            if c == '/' && prev == '/' {
                out.pop();
                break;
            }
            if c == '"' && prev != '\'' {
                in_str = true;
            }
            out.push(c);
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The paths a `use` tree names, its groups expanded (`super::{a, b::{c, d}}` ->
/// `super::a`, `super::b::c`, `super::b::d`).
fn expand_use(tree: &str) -> Vec<String> {
    // A renaming (`x as y`, `x as _`) names x.
    let words: Vec<&str> = tree.split_whitespace().collect();
    let mut kept = String::new();
    let mut i = 0;
    while i < words.len() {
        if words[i] == "as" && i + 1 < words.len() {
            // Keep what ends the renamed word (`_,` or `y}`): its punctuation.
            kept.extend(
                words[i + 1]
                    .chars()
                    .filter(|c| matches!(c, ',' | '{' | '}')),
            );
            i += 2;
        } else {
            kept.push_str(words[i]);
            i += 1;
        }
    }
    let tree = kept;
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand_use(&format!("{prefix}{p}")))
        .collect()
}

/// The `name::name::…` runs in a piece of code.
fn paths_of_code(code: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = code.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    while i < chars.len() {
        let starts = (chars[i].is_alphabetic() || chars[i] == '_')
            && (i == 0 || !(word(chars[i - 1]) || chars[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut path = String::new();
        loop {
            let s = j;
            while j < chars.len() && word(chars[j]) {
                j += 1;
            }
            path.extend(&chars[s..j]);
            if j + 2 < chars.len()
                && chars[j] == ':'
                && chars[j + 1] == ':'
                && (chars[j + 2].is_alphabetic() || chars[j + 2] == '_' || chars[j + 2] == '*')
            {
                path.push_str("::");
                j += 2;
            } else {
                break;
            }
        }
        if path.contains("::") {
            out.push(path);
        }
        i = j.max(i + 1);
    }
}

/// Every path a file's code names, with the inline modules (`mod tests { … }`) it is
/// written in: `use` trees with their groups expanded, and paths written in the code.
/// A caller resolves `crate::`, `super::`, `self::` and bare `name::` starts.
fn paths_in(text: &str) -> Vec<(Vec<String>, String)> {
    let code = code_of(text);
    let mut out = Vec::new();
    // The inline modules open at this point, each with the brace depth it opened at.
    let mut inline: Vec<(String, i32)> = Vec::new();
    let mut depth = 0;
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let here: Vec<String> = inline.iter().map(|(m, _)| m.clone()).collect();
        let t = line.trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub(super) "))
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        let mut found = Vec::new();
        let mut counted = line.to_string();
        if let Some(tree) = t.strip_prefix("use ") {
            let mut tree = tree.to_string();
            while !tree.contains(';') {
                match lines.next() {
                    Some(more) => tree.push_str(more),
                    None => break,
                }
            }
            let end = tree.find(';').unwrap_or(tree.len());
            found.extend(expand_use(&tree[..end]));
            counted = tree[end..].to_string();
        } else {
            paths_of_code(line, &mut found);
            if let Some(rest) = t.strip_prefix("mod ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if rest[name.len()..].trim_start().starts_with('{') {
                    inline.push((name, depth));
                }
            }
        }
        out.extend(found.into_iter().map(|p| (here.clone(), p)));
        for c in counted.chars() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if inline.last().is_some_and(|(_, d)| *d == depth) {
                        inline.pop();
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A path a file names, as a module path from the crate root, or None when it does not
/// start inside the crate. `me` is the module the file is; `children` tells whether a
/// module has a child of a name (a bare `name::` is a child module of the file's own, or
/// an outside crate).
fn resolve(
    path: &str,
    me: &[String],
    is_module: &dyn Fn(&[String]) -> bool,
) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").collect();
    let mut at: Vec<String>;
    let mut rest = &segs[..];
    match segs.first()? {
        &"crate" => {
            at = Vec::new();
            rest = &segs[1..];
        }
        &"self" => {
            at = me.to_vec();
            rest = &segs[1..];
        }
        &"super" => {
            at = me.to_vec();
            while rest.first() == Some(&"super") {
                at.pop()?;
                rest = &rest[1..];
            }
        }
        first => {
            let mut child = me.to_vec();
            child.push(first.to_string());
            if !is_module(&child) {
                return None;
            }
            at = me.to_vec();
        }
    }
    at.extend(rest.iter().map(|s| s.to_string()));
    Some(at)
}

/// Per folder of `src/` (by its module path), the graph of its files: one node per file
/// or subfolder directly in it (`mod` for the folder's own mod.rs), an edge from A to B
/// when code in A (or in a file of subfolder A) names B or something in it.
fn folder_graphs(
    files: &[(Vec<String>, String)],
) -> BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(m, _)| m.clone()).collect();
    let is_module = |m: &[String]| modules.contains(m);
    // A folder is a module that some other module lies under (`src/` itself is the graph
    // of the top-level modules, checked above).
    let folders: BTreeSet<Vec<String>> = modules
        .iter()
        .filter(|m| !m.is_empty())
        .filter(|m| {
            modules
                .iter()
                .any(|o| o.len() > m.len() && o.starts_with(m))
        })
        .cloned()
        .collect();
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let node_in = |folder: &[String], m: &[String]| -> Option<String> {
        if !m.starts_with(folder) {
            return None;
        }
        Some(match m.get(folder.len()) {
            None => "mod".to_string(),
            Some(n) if is_module(&m[..=folder.len()]) => n.clone(),
            // An item of the folder's own module (a function in its mod.rs).
            Some(_) => "mod".to_string(),
        })
    };
    for folder in &folders {
        let graph = graphs.entry(folder.clone()).or_default();
        for (me, text) in files {
            let Some(from) = node_in(folder, me) else {
                continue;
            };
            let deps = graph.entry(from.clone()).or_default();
            for (inline, p) in paths_in(text) {
                let mut at = me.clone();
                at.extend(inline);
                let Some(target) = resolve(&p, &at, &is_module) else {
                    continue;
                };
                if let Some(to) = node_in(folder, &target) {
                    if to != from {
                        deps.insert(to);
                    }
                }
            }
        }
    }
    graphs
}

fn source_files() -> Vec<(Vec<String>, String)> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files
        .iter()
        .filter(|f| !f.ends_with("main.rs") && !f.ends_with("cli.rs"))
        .map(|f| {
            (
                module_path(f),
                fs::read_to_string(f).expect("source is UTF-8"),
            )
        })
        .collect()
}

/// Folders whose files still import each other in a circle, waiting to be untangled (none
/// any more: `classify` and `serve` were the last). This list may only shrink, and a folder
/// on it that has no circle any more fails the test until it is taken off.
const CIRCLES_LEFT: &[&str] = &[];

#[test]
fn no_import_cycle_among_the_files_of_any_folder() {
    let graphs = folder_graphs(&source_files());
    let mut found = Vec::new();
    for name in CIRCLES_LEFT {
        let key = vec![name.to_string()];
        assert!(
            graphs
                .get(&key)
                .is_some_and(|g| !modules_in_cycles(g).is_empty()),
            "src/{name}/ has no circle any more: take it off CIRCLES_LEFT"
        );
    }
    assert!(
        !CIRCLES_LEFT.contains(&"read"),
        "src/read/ holds the format readers: no circle is allowed there"
    );
    for (folder, graph) in &graphs {
        if folder.len() == 1 && CIRCLES_LEFT.contains(&folder[0].as_str()) {
            continue;
        }
        for cycle in modules_in_cycles(graph) {
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|a| {
                    graph[a]
                        .iter()
                        .filter(|b| cycle.contains(b))
                        .map(move |b| format!("{a} -> {b}"))
                })
                .collect();
            found.push(format!(
                "src/{}/: {cycle:?} ({})",
                folder.join("/"),
                edges.join(", ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "files of one folder import each other in a circle (move what both need into a file \
         of its own that imports neither):\n{}",
        found.join("\n")
    );
    // The finder sees the folders it should.
    for folder in [&["read"][..], &["read", "cda"], &["write"], &["classify"]] {
        let key: Vec<String> = folder.iter().map(|s| s.to_string()).collect();
        assert!(
            graphs.contains_key(&key),
            "no graph for src/{}",
            key.join("/")
        );
    }
}

#[test]
fn reading_uses_neither_typing_nor_typesetting() {
    let graph = module_graph();
    let deps = graph.get("read").cloned().unwrap_or_default();
    for stage in ["classify", "render"] {
        assert!(
            !deps.contains(stage),
            "src/read/ imports {stage}: reading turns bytes into facts; typing (classify) and \
             typesetting (render) are called by the pipeline after it (lib.rs, plan, write)"
        );
    }
}

#[test]
fn the_folder_cycle_finder_finds_a_planted_cycle() {
    let file = |m: &str, text: &str| {
        (
            m.split("::").map(|s| s.to_string()).collect::<Vec<_>>(),
            text.to_string(),
        )
    };
    // a -> b through a grouped `use super::{..}`, b -> c by a path in code, c -> a through
    // `crate::`, d -> a only; and a helper in the folder's mod.rs that e uses while mod.rs
    // uses e (a circle through mod.rs).
    let files = vec![
        file("x", "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e;\npub fn help() { e::f() }"),
        file("x::a", "use super::{\n    b::{One, Two},\n    d as _,\n};"),
        file("x::b", "fn f() { let _ = super::c::run(); }"),
        file("x::c", "// crate::x::d is only a comment\nuse crate::x::a::Thing;"),
        file("x::d", "use crate::x::a;"),
        file("x::e", "pub fn f() { super::help() }"),
        // `super` in an inline module is the file's own module: no edge to mod.rs.
        file("x::f", "pub fn g() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\nfn h() { super::e::f() }"),
        file("y", "use crate::x::{a, b};"),
    ];
    let graphs = folder_graphs(&files);
    let x = &graphs[&vec!["x".to_string()]];
    assert_eq!(x["f"], ["e".to_string()].into_iter().collect(), "{x:#?}");
    let mut cycles = modules_in_cycles(x);
    cycles.sort();
    assert_eq!(
        cycles,
        vec![vec!["a", "b", "c", "d"], vec!["e", "mod"]],
        "{x:#?}"
    );
    assert_eq!(
        expand_use("crate::read::{cache::Cache, ingest::{self, Format}}"),
        vec![
            "crate::read::cache::Cache",
            "crate::read::ingest::self",
            "crate::read::ingest::Format"
        ]
    );
}
