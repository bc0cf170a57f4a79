//! Traffic validation rules at ingest (`--traffic-validation-file`): the file is compiled
//! by [`mizu_analysis::rules::RuleSet`]; each HTTP entry a rule applies to gets a `rules`
//! object (full in the entry, `{status, latency, numberOfRules}` in its list item) before
//! it is stored, so `rules.status == false` selects the failures.
//!
//! Reload: the hub checks the file's modification time and size at most once a second,
//! from the ingest path (no thread, no signal handling), and swaps in the new rules when
//! they compile. A file that no longer compiles keeps the previous rules; the error is
//! shown by `GET /rules` and counted in `mizu_hub_rules_reload_errors_total`.
//! Per-rule passes and failures are counted in `/metrics`
//! (`mizu_hub_rule_results_total{rule,result}`), reset when the file is reloaded.

use crate::Hub;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mizu_analysis::rules::{Annotation, RuleSet, splice_member};
use mizu_model::Entry;
use serde_json::json;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// How often the file's mtime is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(1);
/// A rules file larger than this is refused.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// One compiled version of the file with its counters.
pub(crate) struct Loaded {
    pub set: RuleSet,
    /// (passed, failed) per rule, in file order.
    counts: Vec<(AtomicU64, AtomicU64)>,
    stamp: Option<(SystemTime, u64)>,
    loaded_ms: i64,
}

/// The rules file as the hub holds it.
pub(crate) struct Rules {
    path: PathBuf,
    current: RwLock<Arc<Loaded>>,
    last_check: Mutex<Instant>,
    reloads: AtomicU64,
    reload_errors: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// The file version that last failed to compile (not retried until it changes).
    failed_stamp: Mutex<Option<Option<(SystemTime, u64)>>>,
}

fn stamp(path: &Path) -> Option<(SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Reads and compiles a rules file; the error names the file, then the rule and field.
pub fn load_rules_file(path: &Path) -> Result<RuleSet, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "traffic validation file {}: {e} (give the path of a YAML file with a `rules:` list; see docs/rules.md)",
            path.display()
        )
    })?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "traffic validation file {}: {} bytes, at most {MAX_FILE_BYTES}",
            path.display(),
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("traffic validation file {}: {e}", path.display()))?;
    RuleSet::parse(&text).map_err(|e| {
        format!(
            "traffic validation file {}: {e} (see docs/rules.md)",
            path.display()
        )
    })
}

fn loaded(set: RuleSet, stamp: Option<(SystemTime, u64)>) -> Arc<Loaded> {
    let counts = (0..set.len())
        .map(|_| (AtomicU64::new(0), AtomicU64::new(0)))
        .collect();
    Arc::new(Loaded {
        set,
        counts,
        stamp,
        loaded_ms: crate::filter::now_ms(),
    })
}

impl Rules {
    pub(crate) fn open(path: &Path) -> Result<Rules, String> {
        let st = stamp(path);
        let set = load_rules_file(path)?;
        Ok(Rules {
            path: path.to_owned(),
            current: RwLock::new(loaded(set, st)),
            last_check: Mutex::new(Instant::now()),
            reloads: AtomicU64::new(0),
            reload_errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            failed_stamp: Mutex::new(None),
        })
    }

    fn get(&self) -> Arc<Loaded> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The rules in force, reloading the file first if it changed (checked ≤ once a second).
    pub(crate) fn current(&self) -> Arc<Loaded> {
        let due = {
            let mut last = self.last_check.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() >= CHECK_EVERY {
                *last = Instant::now();
                true
            } else {
                false
            }
        };
        if due {
            self.reload_if_changed();
        }
        self.get()
    }

    /// Reloads when the file's mtime or size changed. Returns whether new rules are in force.
    pub(crate) fn reload_if_changed(&self) -> bool {
        let now = stamp(&self.path);
        if now.is_some() && now == self.get().stamp {
            return false;
        }
        if *self.failed_stamp.lock().unwrap_or_else(|e| e.into_inner()) == Some(now) {
            return false;
        }
        match load_rules_file(&self.path) {
            Ok(set) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = loaded(set, now);
                self.reloads.fetch_add(1, Ordering::Relaxed);
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = None;
                *self.failed_stamp.lock().unwrap_or_else(|e| e.into_inner()) = None;
                true
            }
            Err(e) => {
                // Keep the rules in force; retry only when the file changes again.
                *self.failed_stamp.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
                self.reload_errors.fetch_add(1, Ordering::Relaxed);
                *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
                false
            }
        }
    }

    /// Checks an entry and writes its `rules` object into the entry JSON and the list item.
    pub(crate) fn annotate(&self, entry: &Entry, json: &mut Vec<u8>, base: &mut Vec<u8>) {
        thread_local! {
            // Reused per ingest thread: its buffers keep their capacity between entries.
            static SCRATCH: std::cell::RefCell<Annotation> = std::cell::RefCell::default();
        }
        let cur = self.current();
        SCRATCH.with(|a| {
            let Ok(mut a) = a.try_borrow_mut() else {
                return;
            };
            if !cur.set.annotate(entry, &mut a) {
                return;
            }
            for &(i, passed) in &a.results {
                if let Some((p, f)) = cur.counts.get(i) {
                    if passed { p } else { f }.fetch_add(1, Ordering::Relaxed);
                }
            }
            splice_member(json, "rules", &a.full);
            splice_member(base, "rules", &a.short);
        });
    }

    pub(crate) fn render_metrics(&self, o: &mut String) {
        let cur = self.get();
        let _ = writeln!(
            o,
            "# HELP mizu_hub_rule_results_total Entries checked by each traffic validation rule, by result (reset on reload).\n# TYPE mizu_hub_rule_results_total counter"
        );
        for (i, r) in cur.set.rules().iter().enumerate() {
            let Some((p, f)) = cur.counts.get(i) else {
                continue;
            };
            let name = label(&r.name);
            let _ = writeln!(
                o,
                "mizu_hub_rule_results_total{{rule=\"{name}\",result=\"pass\"}} {}",
                p.load(Ordering::Relaxed)
            );
            let _ = writeln!(
                o,
                "mizu_hub_rule_results_total{{rule=\"{name}\",result=\"fail\"}} {}",
                f.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            o,
            "# HELP mizu_hub_rules_reloads_total Times the traffic validation file was reloaded.\n# TYPE mizu_hub_rules_reloads_total counter\nmizu_hub_rules_reloads_total {}",
            self.reloads.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            o,
            "# HELP mizu_hub_rules_reload_errors_total Reloads refused because the changed file did not compile.\n# TYPE mizu_hub_rules_reload_errors_total counter\nmizu_hub_rules_reload_errors_total {}",
            self.reload_errors.load(Ordering::Relaxed)
        );
    }
}

/// A Prometheus label value: `\`, `"` and newlines escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) fn routes() -> Router<Hub> {
    Router::new().route("/rules", get(list))
}

/// `GET /rules`: the rules in force with their counters, and the last reload error.
async fn list(State(hub): State<Hub>) -> Response {
    let Some(rules) = &hub.inner.rules else {
        return axum::Json(json!({"file": null, "rules": []})).into_response();
    };
    let cur = rules.current();
    let list: Vec<_> = cur
        .set
        .rules()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (p, f) = cur.counts.get(i).map_or((0, 0), |(p, f)| {
                (p.load(Ordering::Relaxed), f.load(Ordering::Relaxed))
            });
            json!({"name": r.name, "type": r.kind, "passed": p, "failed": f})
        })
        .collect();
    axum::Json(json!({
        "file": rules.path.display().to_string(),
        "loadedAt": cur.loaded_ms,
        "reloads": rules.reloads.load(Ordering::Relaxed),
        "lastError": *rules.last_error.lock().unwrap_or_else(|e| e.into_inner()),
        "rules": list,
    }))
    .into_response()
}
