//! Detection properties over every committed capture (issue 14): no entry is emitted with
//! the wrong protocol (each `testdata/<dir>/` holds one protocol family), and no HTTP entry
//! has an empty method, an empty path and no status at once (what junk decodes to).

mod common;

use common::{fixtures, read_entries};

#[test]
fn every_fixture_yields_only_its_protocol_and_no_empty_entries() {
    let files = fixtures();
    assert!(files.len() >= 30, "fixtures found: {}", files.len());
    for f in files {
        let dir = f
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|d| d.to_str())
            .unwrap_or("")
            .to_owned();
        let want = match dir.as_str() {
            "http1" | "http2" => "http",
            other => other,
        };
        for e in read_entries(&f) {
            assert_eq!(
                e["protocol"]["name"],
                want,
                "{}: entry of the wrong protocol: {e}",
                f.display()
            );
            if want != "http" {
                continue;
            }
            let method = e["request"]["method"].as_str().unwrap_or("");
            let path = e["request"]["path"].as_str().unwrap_or("");
            let status = e["response"]["status"].as_i64().unwrap_or(0);
            assert!(
                !(method.is_empty() && path.is_empty() && status == 0),
                "{}: an entry with no method, no path and no status: {e}",
                f.display()
            );
        }
    }
}
