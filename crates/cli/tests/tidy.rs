//! House rules, checked like tests (rust-analyzer's "tidy" idea): every source file says
//! what it is, the pure crates stay pure, and every protocol module is registered.

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

/// The core crates do no I/O, spawn nothing and read no clock (ARCHITECTURE.md).
#[test]
fn pure_crates_do_no_io() {
    let forbidden = [
        "std::fs",
        "std::net::TcpStream",
        "std::net::UdpSocket",
        "std::thread",
        "std::process",
        "SystemTime::now",
        "Instant::now",
        "tokio",
        "println!",
        "eprintln!",
    ];
    let mut bad = Vec::new();
    for krate in [
        "model",
        "wire",
        "reassembly",
        "dissect",
        "dissectors",
        "engine",
        "query",
    ] {
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
            // Unit tests inside the file may do what they like.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for word in forbidden {
                if code.contains(word) {
                    bad.push(format!("{}: uses {word}", f.display()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "pure crates must not do I/O: {bad:#?}");
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
