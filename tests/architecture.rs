//! The code layout shows the pipeline: `src/` is grouped by stage, no source file is
//! over 1,200 lines, and the top-level modules import each other without a cycle (each
//! stage uses earlier stages and the shared leaves in `base`, which use no stage).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 1200;
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
