//! `mizu read --proto FILE_OR_DIR`: compile `.proto` files (in-process, with `protox`) into
//! the schema the HTTP/2 dissector decodes gRPC messages with.
//!
//! A file is compiled with its own directory as the import path; a directory is searched
//! recursively for `*.proto` files, all compiled with the directory as the import path.

use mizu_dissectors::protobuf::Schema;
use mizu_dissectors::{Config, Registry};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Relative paths of every `.proto` file under `dir` (sorted, at most 10 000).
fn proto_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if out.len() >= 10_000 {
            return;
        }
        let r = rel.join(e.file_name());
        let p = dir.join(&r);
        if p.is_dir() {
            proto_files(dir, &r, out);
        } else if p.extension().is_some_and(|x| x == "proto") {
            out.push(r);
        }
    }
}

/// The registry with HTTP/2 (gRPC) and HTTP/1 (gRPC-Web) decoding through the schema in
/// `path`, compiled here (the dissectors read no files).
pub fn registry(path: &Path) -> Result<Registry, String> {
    let (include, files) = if path.is_dir() {
        let mut files = Vec::new();
        proto_files(path, Path::new(""), &mut files);
        if files.is_empty() {
            return Err(format!("no .proto files in {}", path.display()));
        }
        (path.to_path_buf(), files)
    } else {
        let name = path
            .file_name()
            .ok_or_else(|| format!("{} is not a file", path.display()))?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        (dir.to_path_buf(), vec![PathBuf::from(name)])
    };
    let mut c = protox::Compiler::new([include]).map_err(|e| e.to_string())?;
    c.include_imports(true);
    c.open_files(files).map_err(|e| format!("{e}"))?;
    let schema = Schema::from_pool(c.descriptor_pool());
    Ok(Registry::new(&Config {
        schema: Some(Arc::new(schema)),
    }))
}
