//! The archive `mizu logs` writes: each file deflated into a ZIP through the `zip` crate
//! (deflate by flate2's pure-Rust backend, the one the workspace already uses).

use std::io::{Cursor, Write};

use ::zip::write::SimpleFileOptions;
use ::zip::{CompressionMethod, ZipWriter};

/// Builds a ZIP archive holding `files` (name, content), each entry deflated, mode 0644. Entries carry the ZIP epoch (1980-01-01) as their
/// time, so the same logs give the same bytes.
pub fn write(files: &[(String, Vec<u8>)]) -> anyhow::Result<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, data) in files {
        zip.start_file(name.as_str(), options)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn entries_are_deflated_and_read_back_unchanged() -> anyhow::Result<()> {
        let log = "hub log line\n".repeat(200).into_bytes();
        let files = vec![
            ("mizu/mizu-hub-1/hub.log".to_string(), log.clone()),
            ("mizu/events.txt".to_string(), Vec::new()),
            ("mizu_cli.log".to_string(), b"cli".to_vec()),
        ];
        let bytes = write(&files)?;
        assert!(
            bytes.len() < log.len(),
            "{} bytes not compressed",
            bytes.len()
        );
        assert_eq!(write(&files)?, bytes, "same input, same archive");
        let mut archive = ::zip::ZipArchive::new(Cursor::new(bytes))?;
        assert_eq!(archive.len(), files.len());
        for (i, (name, data)) in files.iter().enumerate() {
            let mut entry = archive.by_index(i)?;
            assert_eq!(entry.name()?, name.as_str());
            assert_eq!(entry.compression(), CompressionMethod::Deflated);
            assert_eq!(entry.unix_mode(), Some(0o100_644));
            let mut got = Vec::new();
            entry.read_to_end(&mut got)?;
            assert_eq!(&got, data);
        }
        Ok(())
    }
}
