//! House rules, checked like tests (rust-analyzer's "tidy" idea): every source file says
//! what it is, the pure crates stay pure (their code read as paths, not grepped), every
//! protocol module is registered (in code, not a comment), and ARCHITECTURE.md's
//! dependency table is what the manifests say.

mod common;

use common::repo_root;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_doc_comment() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates"), &mut files);
    assert!(files.len() > 20);
    let missing: Vec<_> = files
        .iter()
        .filter(|p| {
            p.components()
                .all(|c| c.as_os_str() != "tests" && c.as_os_str() != "benches")
        })
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:#?}"
    );
}

/// The crates that do no I/O, spawn nothing and read no clock (ARCHITECTURE.md).
const PURE_CRATES: [&str; 8] = [
    "model",
    "wire",
    "reassembly",
    "dissect",
    "dissectors",
    "engine",
    "query",
    "analysis",
];

/// Paths a pure crate must not name (prefixes, compared segment by segment): file,
/// network, process, thread, terminal and environment access, clocks, and crates that do
/// I/O for you (protox reads `.proto` files).
const FORBIDDEN_PATHS: &[&str] = &[
    "std::fs",
    "std::net::TcpStream",
    "std::net::TcpListener",
    "std::net::UdpSocket",
    "std::thread",
    "std::process",
    "std::env",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "std::time::SystemTime",
    "std::time::Instant",
    "SystemTime::now",
    "Instant::now",
    "tokio",
    "mio",
    "libc",
    "protox",
    "reqwest",
    "hyper",
];

/// Macros a pure crate must not call.
const FORBIDDEN_MACROS: &[&str] = &["println", "eprintln", "print", "eprint", "dbg"];

/// `text` with comments removed and the insides of string and char literals blanked, so
/// only code is left to read.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            // Block comments nest in Rust.
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if text[j..].starts_with("/*") {
                    depth += 1;
                    j += 2;
                } else if text[j..].starts_with("*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            i = j;
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes; // r, hashes, quote
            let end = rest[body..]
                .find(&close)
                .map_or(rest.len(), |e| body + e + close.len());
            out.push_str("\"\"");
            i += end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if b.get(i + 1) == Some(&b'\\') {
                let end = text[i + 2..].find('\'').map_or(b.len(), |e| i + 2 + e + 1);
                out.push_str("' '");
                i = end;
            } else if let Some(c) = text[i + 1..].chars().next()
                && text[i + 1 + c.len_utf8()..].starts_with('\'')
            {
                out.push_str("' '");
                i += 2 + c.len_utf8();
            } else {
                out.push('\'');
                i += 1;
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// `r"`, `r#"`, `br##"`…: the number of hashes of a raw string starting here.
fn raw_string_start(s: &str) -> Option<usize> {
    let s = s.strip_prefix('b').unwrap_or(s);
    let s = s.strip_prefix('r')?;
    let hashes = s.len() - s.trim_start_matches('#').len();
    s[hashes..].starts_with('"').then_some(hashes)
}

/// `code` without the items marked `#[cfg(test)]` (unit tests may do what they like).
fn without_test_items(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends at its first `;` before any `{`, or at the `}` matching its first `{`.
        let (semi, brace) = (item.find(';'), item.find('{'));
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => s + 1,
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = item.len();
                for (k, c) in item[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => s + 1,
            (None, None) => item.len(),
        };
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Colons,
    Other(char),
}

fn tokens(code: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_alphanumeric() || d == '_' {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Ident(code[i..end].trim_start_matches("r#").to_owned()));
        } else if c == ':' && chars.peek().map(|&(_, d)| d) == Some(':') {
            chars.next();
            out.push(Tok::Colons);
        } else if !c.is_whitespace() {
            out.push(Tok::Other(c));
        }
    }
    out
}

/// Expands a `use` tree starting at `toks[*i]` under `prefix` into full paths.
fn use_tree(toks: &[Tok], i: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    loop {
        match toks.get(*i) {
            Some(Tok::Ident(id)) if id == "as" => {
                *i += 2; // the alias
                out.push(path);
                return;
            }
            Some(Tok::Ident(id)) => {
                if id != "self" {
                    path.push(id.clone());
                }
                *i += 1;
            }
            Some(Tok::Colons) => *i += 1,
            Some(Tok::Other('{')) => {
                *i += 1;
                loop {
                    match toks.get(*i) {
                        Some(Tok::Other('}')) => {
                            *i += 1;
                            return;
                        }
                        Some(Tok::Other(',')) => *i += 1,
                        None => return,
                        _ => use_tree(toks, i, &path, out),
                    }
                }
            }
            Some(Tok::Other('*')) => {
                *i += 1;
                path.push("*".to_owned());
                out.push(path);
                return;
            }
            _ => {
                out.push(path);
                return;
            }
        }
    }
}

/// Every path the code names: each `use` tree expanded, and each `a::b::c` in expressions
/// and types; plus the macros it calls (`name!`).
fn paths_and_macros(code: &str) -> (Vec<Vec<String>>, Vec<String>) {
    let toks = tokens(code);
    let mut paths = Vec::new();
    let mut macros = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Ident(id) if id == "use" => {
                i += 1;
                use_tree(&toks, &mut i, &[], &mut paths);
            }
            Tok::Ident(id) if toks.get(i + 1) == Some(&Tok::Other('!')) => {
                macros.push(id.clone());
                i += 2;
            }
            Tok::Ident(_) | Tok::Colons => {
                let mut path = Vec::new();
                while let Some(t) = toks.get(i) {
                    match t {
                        Tok::Ident(id) => path.push(id.clone()),
                        Tok::Colons => {}
                        _ => break,
                    }
                    i += 1;
                    if !matches!(toks.get(i), Some(Tok::Colons)) && !matches!(t, Tok::Colons) {
                        break;
                    }
                }
                if path.len() > 1 || path.first().is_some_and(|p| p == "protox" || p == "tokio") {
                    paths.push(path);
                }
            }
            _ => i += 1,
        }
    }
    (paths, macros)
}

/// What in `text` (a whole source file) breaks purity: forbidden paths and macros.
fn impurities(text: &str) -> Vec<String> {
    let code = without_test_items(&code_only(text));
    let (paths, macros) = paths_and_macros(&code);
    let mut bad = Vec::new();
    for p in paths {
        let joined = p.join("::");
        for f in FORBIDDEN_PATHS {
            let fs: Vec<&str> = f.split("::").collect();
            // Anywhere in the path: `SystemTime::now` after `std::time::`.
            let hit = p.windows(fs.len()).enumerate().any(|(k, w)| {
                (k == 0 || !f.starts_with("std")) && w.iter().zip(&fs).all(|(a, b)| a == b)
            });
            if hit {
                bad.push(format!("uses {joined}"));
            }
        }
    }
    for m in macros {
        if FORBIDDEN_MACROS.contains(&m.as_str()) {
            bad.push(format!("calls {m}!"));
        }
    }
    bad
}

/// The core crates do no I/O, spawn nothing and read no clock (ARCHITECTURE.md): their
/// code is read as paths (`use` trees expanded, comments and strings ignored), not grepped.
#[test]
fn pure_crates_do_no_io() {
    let mut bad = Vec::new();
    for krate in PURE_CRATES {
        let mut files = Vec::new();
        rust_files(
            &repo_root().join("crates").join(krate).join("src"),
            &mut files,
        );
        for f in files {
            // Test modules in their own files (`tests.rs`) may do what they like.
            if f.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for b in impurities(&text) {
                bad.push(format!("{}: {b}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "pure crates must not do I/O: {bad:#?}");
}

/// The purity check catches what a substring search missed or mistook.
#[test]
fn the_purity_check_reads_code() {
    let caught = [
        "use protox::Compiler;",
        "fn f() { let c = protox::Compiler::new(&[\"a\"]); }",
        "use std::{fs, io};",
        "use std::{io::Read, fs::File as F};",
        "fn f() { let _ = ::std :: fs :: read(\"x\"); }",
        "use std::time::Instant;",
        "fn f() { let t = std::time::SystemTime::now(); }",
        "use std::thread::spawn;",
        "fn f() { println!(\"hi\"); }",
        "use std::env;",
    ];
    for src in caught {
        assert!(!impurities(src).is_empty(), "not caught: {src}");
    }
    let clean = [
        "// std::fs::read is not used here\nfn f() {}",
        "/* use std::fs; */ fn f() {}",
        "fn f() -> &'static str { \"std::fs::read and println!(x)\" }",
        "fn f() { let c = 'a'; let s = r#\"use std::fs;\"#; }",
        "use std::io::Read; use std::collections::HashMap;",
        "#[cfg(test)]\nmod tests { use std::fs; fn t() { println!(); } }\nfn g() {}",
        "use crate::fs_like::thing;",
    ];
    for src in clean {
        assert_eq!(impurities(src), Vec::<String>::new(), "flagged: {src}");
    }
    // Code after a test module is still checked.
    assert!(!impurities("#[cfg(test)]\nmod tests {}\nuse std::fs;").is_empty());
}

/// Performance claims come from benches, never from timed or ignored tests: no
/// `#[ignore]` anywhere, and no clock reads in test code (servers may keep deadlines).
#[test]
fn no_ignored_or_timed_tests() {
    let mut files = Vec::new();
    rust_files(&repo_root().join("crates"), &mut files);
    let mut bad = Vec::new();
    for p in files {
        if p.ends_with("tidy.rs")
            || p.components()
                .any(|c| c.as_os_str() == "benches" || c.as_os_str() == "examples")
        {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        if text.contains("#[ignore") {
            bad.push(format!("{}: #[ignore]", p.display()));
        }
        let is_test_file = p.components().any(|c| c.as_os_str() == "tests")
            || p.file_name().is_some_and(|n| n == "tests.rs");
        let test_code = if is_test_file {
            text.as_str()
        } else {
            text.split("#[cfg(test)]").nth(1).unwrap_or("")
        };
        if test_code.contains("Instant::now") {
            bad.push(format!("{}: timed test", p.display()));
        }
    }
    assert!(bad.is_empty(), "ignored or timed tests: {bad:#?}");
}

/// `text` without `//` comments (line and doc comments) and `/* */` blocks; string
/// literals are kept as they are (a `//` inside one is rare enough in these files).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The protocol modules the `protocols! { … }` list in `dissectors/src/lib.rs` registers
/// (comments ignored, `#[cfg(…)]` attributes skipped).
fn registered_protocols() -> Vec<String> {
    let lib = std::fs::read_to_string(repo_root().join("crates/dissectors/src/lib.rs"))
        .expect("dissectors/src/lib.rs");
    let code = strip_comments(&lib);
    let start = code
        .find("\nprotocols! {")
        .expect("a `protocols! { … }` list in lib.rs");
    let body = &code[start + "\nprotocols! {".len()..];
    let body = &body[..body.find('}').expect("the list ends")];
    body.split(',')
        .map(|item| {
            // Drop attributes: everything up to the last `]`.
            let item = item.rsplit(']').next().unwrap_or(item);
            item.trim().to_owned()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn every_protocol_module_is_registered() {
    let src = repo_root().join("crates/dissectors/src");
    let registered = registered_protocols();
    let mut modules = Vec::new();
    for e in std::fs::read_dir(&src).expect("dissectors/src").flatten() {
        if e.path().is_dir() {
            modules.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(modules.contains(&"http1".to_owned()));
    for m in &modules {
        assert!(
            registered.contains(m),
            "protocol module `{m}` has no line in the `protocols!` list of dissectors/src/lib.rs: {registered:?}"
        );
        let modrs = std::fs::read_to_string(src.join(m).join("mod.rs")).unwrap_or_default();
        assert!(
            strip_comments(&modrs).contains("pub fn dissector("),
            "protocol module `{m}` has no `pub fn dissector(&Config)` constructor"
        );
    }
    for r in &registered {
        assert!(modules.contains(r), "`{r}` is registered but has no folder");
    }
}

/// The registration check reads code, not comments: a protocol named only in a comment
/// is not registered.
#[test]
fn a_commented_out_protocol_is_not_registered() {
    let code = strip_comments("protocols! {\n    http1,\n    // dns,\n    /* mqtt, */\n}\n");
    assert!(code.contains("http1"));
    assert!(!code.contains("dns"));
    assert!(!code.contains("mqtt"));
    assert!(registered_protocols().iter().all(|p| !p.contains("//")));
}

/// Each crate's `mizu-*` dependencies (normal ones, not dev or build) from its Cargo.toml.
fn cargo_mizu_deps(manifest: &str) -> Vec<String> {
    let mut deps = Vec::new();
    let mut in_deps = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && let Some(rest) = line.strip_prefix("mizu-") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            deps.push(name);
        }
    }
    deps.sort();
    deps
}

/// The ARCHITECTURE.md code map: crate → the crates its last column names (words in
/// parentheses and names that are not crates of the workspace are the reader's notes).
fn architecture_table(crates: &[String]) -> Vec<(String, Vec<String>)> {
    let text =
        std::fs::read_to_string(repo_root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| \`name\` | what | depends on |`
        if cells.len() < 4 {
            continue;
        }
        let Some(name) = cells[1].strip_prefix('`').and_then(|c| c.strip_suffix('`')) else {
            continue;
        };
        if !crates.iter().any(|c| c == name) {
            continue;
        }
        let mut deps_cell = String::new();
        let mut depth = 0;
        for c in cells[cells.len() - 2].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => deps_cell.push(c),
                _ => {}
            }
        }
        let mut deps: Vec<String> = deps_cell
            .split([',', ' '])
            .map(|d| {
                d.trim_matches(|c: char| c == '`' || c.is_whitespace())
                    .to_owned()
            })
            .filter(|d| crates.contains(d))
            .collect();
        deps.sort();
        rows.push((name.to_owned(), deps));
    }
    rows
}

/// The map checks itself: ARCHITECTURE.md's dependency column is exactly what each
/// crate's Cargo.toml says, and every crate has a row.
#[test]
fn the_architecture_table_matches_the_manifests() {
    let mut crates = Vec::new();
    for e in std::fs::read_dir(repo_root().join("crates"))
        .expect("crates/")
        .flatten()
    {
        if e.path().join("Cargo.toml").is_file() {
            crates.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    crates.sort();
    let table = architecture_table(&crates);
    let mut problems = Vec::new();
    for c in &crates {
        let manifest =
            std::fs::read_to_string(repo_root().join("crates").join(c).join("Cargo.toml"))
                .expect("Cargo.toml");
        let actual = cargo_mizu_deps(&manifest);
        match table.iter().find(|(n, _)| n == c) {
            None => problems.push(format!("`{c}` has no row in the ARCHITECTURE.md code map")),
            Some((_, listed)) if *listed != actual => problems.push(format!(
                "`{c}`: ARCHITECTURE.md says {listed:?}, Cargo.toml has {actual:?}"
            )),
            Some(_) => {}
        }
    }
    assert!(
        problems.is_empty(),
        "the code map has drifted: {problems:#?}"
    );
}

/// The table reader ignores notes in parentheses and words that are not crates.
#[test]
fn the_table_reader_reads_only_crate_names() {
    // `given` stands for a crate whose name appears only in the hub row's note in
    // parentheses ("dissect (the `ProtocolTable` it is given)"): it must not be read.
    let crates: Vec<String> = ["hub", "store", "query", "dissect", "dissectors", "given"]
        .map(String::from)
        .to_vec();
    let rows = architecture_table(&crates);
    let hub = rows.iter().find(|(n, _)| n == "hub").expect("hub row");
    assert_eq!(hub.1, ["dissect", "query", "store"]);
    assert_eq!(
        cargo_mizu_deps(
            "[dependencies]\nmizu-model.workspace = true\nserde = \"1\"\n[dev-dependencies]\nmizu-wire.workspace = true\n"
        ),
        vec!["model".to_owned()]
    );
}
