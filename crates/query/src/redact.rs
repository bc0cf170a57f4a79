//! Redaction: replace the values a `redact("path", …)` filter names with
//! `"[REDACTED]"`. Paths are selectors (wildcards, `..name`, case-insensitive header
//! names); a `.json()` step rewrites the body text, base64 again if it was base64.
//! `.xml()` steps are not supported here and redact nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use crate::compile::{Step, selector_steps};

/// The replacement text.
pub use mizu_model::redact::REDACTED;

const MAX_DEPTH: usize = 256;

/// Replaces the values at each of `paths` (selector syntax) in `entry`. Paths that do
/// not parse are ignored; use [`crate::compile`] with `redact(...)` to check them.
pub fn redact(entry: &mut Value, paths: &[String]) {
    for p in paths {
        if let Ok(sel) = crate::parser::parse_selector(p) {
            let (steps, pred) = selector_steps(&sel);
            if pred.is_none() {
                redact_steps(entry, &steps, 0);
            }
        }
    }
}

pub(crate) fn redact_steps(v: &mut Value, steps: &[Step], depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Some((step, rest)) = steps.split_first() else {
        *v = Value::String(REDACTED.to_string());
        return;
    };
    match step {
        Step::Key { name, ci } => {
            if let Value::Object(m) = v {
                if *ci {
                    for (k, c) in m.iter_mut() {
                        if k.eq_ignore_ascii_case(name) {
                            redact_steps(c, rest, depth + 1);
                        }
                    }
                } else if let Some(c) = m.get_mut(name) {
                    redact_steps(c, rest, depth + 1);
                }
            }
        }
        Step::Index(i) => {
            if let Value::Array(a) = v {
                let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                let i = if *i < 0 { i + len } else { *i };
                if let Some(c) = usize::try_from(i).ok().and_then(|i| a.get_mut(i)) {
                    redact_steps(c, rest, depth + 1);
                }
            }
        }
        Step::Wildcard => match v {
            Value::Object(m) => m
                .values_mut()
                .for_each(|c| redact_steps(c, rest, depth + 1)),
            Value::Array(a) => a.iter_mut().for_each(|c| redact_steps(c, rest, depth + 1)),
            _ => {}
        },
        Step::Descent(name) => descend(v, name, rest, depth),
        Step::Json => match v {
            Value::String(s) => {
                let (mut inner, was_b64) = match serde_json::from_str::<Value>(s) {
                    Ok(j) => (j, false),
                    Err(_) => match crate::decode::base64_decode(s)
                        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    {
                        Some(j) => (j, true),
                        None => return,
                    },
                };
                redact_steps(&mut inner, rest, depth + 1);
                let text = inner.to_string();
                *s = if was_b64 { STANDARD.encode(text) } else { text };
            }
            Value::Array(_) | Value::Object(_) => redact_steps(v, rest, depth + 1),
            _ => {}
        },
        Step::Xml => {}
    }
}

fn descend(v: &mut Value, name: &str, rest: &[Step], depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m.iter_mut() {
                if k == name {
                    redact_steps(c, rest, depth + 1);
                }
                descend(c, name, rest, depth + 1);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| descend(c, name, rest, depth + 1)),
        _ => {}
    }
}
