//! Builds the web UI (`ui/` at the repository root) with npm and precompresses it, so
//! `cargo build` alone produces a binary that serves the whole UI.
//!
//! - `npm ci` runs only when `ui/node_modules` is missing or `package-lock.json` changed
//!   since the last install (a hash kept in `node_modules/.mizu-lock-hash`).
//! - `npm run build` runs only when the UI sources changed: cargo reruns this script on
//!   changes to the listed inputs, and a hash of them kept in `ui/dist/.mizu-stamp` lets
//!   other profiles (check, test, release) reuse the same `ui/dist`.
//! - Every text asset gets `.gz` and `.br` siblings, served by `Accept-Encoding`.
//! - `MIZU_UI_SKIP_BUILD=1` embeds a one-page placeholder instead (no Node.js needed).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const INPUTS: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let ui = manifest.join("../../ui");
    let dist = ui.join("dist");
    println!("cargo::rerun-if-env-changed=MIZU_UI_SKIP_BUILD");
    for input in INPUTS {
        println!("cargo::rerun-if-changed={}", ui.join(input).display());
    }

    if std::env::var_os("MIZU_UI_SKIP_BUILD").is_some_and(|v| v != "0") {
        placeholder(&dist);
        return;
    }
    let stamp = format!("{:016x}", hash_inputs(&ui));
    let stamp_file = dist.join(".mizu-stamp");
    if dist.join("index.html").is_file()
        && fs::read_to_string(&stamp_file).is_ok_and(|s| s.trim() == stamp)
    {
        return;
    }

    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        fail(
            "npm was not found: the web UI (ui/) is built with Node.js 20+ and npm 11. \
             Install them (Debian: scripts/install-deps.sh, or apt-get install nodejs npm && npm i -g npm@11), \
             or set MIZU_UI_SKIP_BUILD=1 to build mizu with a placeholder page instead of the UI.",
        );
    }

    let lock = fs::read(ui.join("package-lock.json")).unwrap_or_default();
    let lock_hash = format!("{:016x}", fnv(0xcbf2_9ce4_8422_2325, &lock));
    let lock_stamp = ui.join("node_modules/.mizu-lock-hash");
    if fs::read_to_string(&lock_stamp).map_or(true, |s| s.trim() != lock_hash) {
        run(npm, &["ci", "--no-audit", "--no-fund"], &ui);
        if let Err(e) = fs::write(&lock_stamp, &lock_hash) {
            println!(
                "cargo::warning=could not write {}: {e}",
                lock_stamp.display()
            );
        }
    }
    run(npm, &["run", "build"], &ui);
    precompress(&dist);
    if let Err(e) = fs::write(&stamp_file, stamp) {
        println!(
            "cargo::warning=could not write {}: {e}",
            stamp_file.display()
        );
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("error: {msg}");
    panic!("{msg}");
}

fn run(npm: &str, args: &[&str], dir: &Path) {
    let out = Command::new(npm).args(args).current_dir(dir).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let tail: String = {
                let lines: Vec<&str> = text.lines().collect();
                lines[lines.len().saturating_sub(60)..].join("\n")
            };
            fail(&format!(
                "`npm {}` failed in {} ({}):\n{tail}\nFix the UI error above (cd ui && npm {} reproduces it), \
                 or set MIZU_UI_SKIP_BUILD=1 to build without the UI.",
                args.join(" "),
                dir.display(),
                o.status,
                args.join(" ")
            ));
        }
        Err(e) => fail(&format!("could not run `npm {}`: {e}", args.join(" "))),
    }
}

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn hash_inputs(ui: &Path) -> u64 {
    let mut files = Vec::new();
    for input in INPUTS {
        collect(&ui.join(input), &mut files);
    }
    files.sort();
    let mut h = 0xcbf2_9ce4_8422_2325;
    for f in files {
        h = fnv(h, f.to_string_lossy().as_bytes());
        h = fnv(h, &fs::read(&f).unwrap_or_default());
    }
    h
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = fs::read_dir(p) {
            for e in rd.flatten() {
                collect(&e.path(), out);
            }
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

fn precompress(dist: &Path) {
    let mut files = Vec::new();
    collect(dist, &mut files);
    for f in files {
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "js" | "css" | "html" | "svg" | "json" | "txt" | "map") {
            continue;
        }
        let Ok(data) = fs::read(&f) else { continue };
        if data.len() < 512 {
            continue;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let gz = gz.write_all(&data).and_then(|()| gz.finish());
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams {
            quality: 11,
            lgwin: 22,
            ..Default::default()
        };
        let br_ok = brotli::BrotliCompress(&mut &data[..], &mut br, &params).is_ok();
        let name = f.to_string_lossy().into_owned();
        if let Ok(gz) = gz {
            let _ = fs::write(format!("{name}.gz"), gz);
        }
        if br_ok {
            let _ = fs::write(format!("{name}.br"), br);
        }
    }
}

fn placeholder(dist: &Path) {
    if dist.join(".mizu-stamp").is_file() {
        return; // a real build is there: keep it
    }
    let _ = fs::create_dir_all(dist);
    let _ = fs::write(
        dist.join("index.html"),
        "<!doctype html><meta charset=utf-8><title>mizu</title>\
         <p>This mizu was built with MIZU_UI_SKIP_BUILD=1, so it has no web UI. \
         The API is here: see docs/api.md (GET /entries, /status, WebSocket /ws).</p>",
    );
}
