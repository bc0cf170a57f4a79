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
        "analysis",
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

#[test]
fn every_protocol_module_is_registered() {
    let src = repo_root().join("crates/dissectors/src");
    let registry = std::fs::read_to_string(src.join("registry.rs")).expect("registry.rs");
    let mut modules = Vec::new();
    for e in std::fs::read_dir(&src).expect("dissectors/src").flatten() {
        if e.path().is_dir() {
            modules.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(modules.contains(&"http1".to_owned()));
    for m in modules {
        assert!(
            registry.contains(&format!("{m}::")),
            "protocol module `{m}` has no line in registry.rs"
        );
    }
}
