//! [`StoreConfig`] and [`StoreError`].

use std::path::PathBuf;

/// Default budget: Mizu's `max-entries-db-size` default, `200MB`.
pub const DEFAULT_MAX_BYTES: u64 = 200_000_000;

/// Store settings.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Byte budget (`max-entries-db-size`): accounted bytes of all kept records.
    pub max_bytes: u64,
    /// Persist to this directory (segment log); `None` keeps everything in memory only.
    pub data_dir: Option<PathBuf>,
    /// `fdatasync` every batch before acknowledging it (default true). Off only for
    /// benchmarks and tests that do not test durability.
    pub sync: bool,
    /// Segment file size; default budget/8 clamped to 1 MiB..64 MiB.
    pub segment_bytes: Option<u64>,
    /// The values records' facets intern (derived from the protocol registry by the hub;
    /// the default lists what the built-in filter macros compare). Filters must be
    /// compiled with the same table for their prefilter to read the facets.
    pub facets: mizu_query::FacetTable,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_bytes: DEFAULT_MAX_BYTES,
            data_dir: None,
            sync: true,
            segment_bytes: None,
            facets: mizu_query::FacetTable::default(),
        }
    }
}

/// Why an append or open failed.
#[derive(Debug)]
pub enum StoreError {
    /// One record is bigger than a quarter of the budget (it would evict too much).
    TooLarge { size: u64, max: u64 },
    /// The bytes given are not a compact JSON object (`{…}`).
    NotAnObject,
    /// The data dir could not be read or written.
    Io(std::io::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::TooLarge { size, max } => write!(
                f,
                "entry of {size} bytes is larger than the store accepts ({max} bytes: a quarter of max-entries-db-size)"
            ),
            StoreError::NotAnObject => f.write_str("entry is not a JSON object"),
            StoreError::Io(e) => write!(f, "data dir: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}
