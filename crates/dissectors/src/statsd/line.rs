//! One StatsD line → the JSON of its entry's request (see the module docs of
//! [`super`]). Pure functions over bytes: never panic, never allocate beyond the line.

use serde_json::{Map, Value, json};

/// Lines of one datagram (or stream read) that become entries; more are skipped.
pub const MAX_LINES: usize = 1024;

/// The metric types and their names.
const TYPES: [(&str, &str); 6] = [
    ("c", "counter"),
    ("g", "gauge"),
    ("ms", "timer"),
    ("h", "histogram"),
    ("s", "set"),
    ("d", "distribution"),
];

fn kind_of(t: &str) -> Option<&'static str> {
    TYPES.iter().find(|(k, _)| *k == t).map(|(_, n)| *n)
}

fn printable(b: &[u8]) -> bool {
    b.iter().all(|&c| (0x20..0x7f).contains(&c) || c == b'\t')
}

fn number(s: &str) -> Option<f64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let ok = !s.is_empty()
        && s.bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'.' | b'e' | b'E' | b'+'));
    ok.then(|| s.parse::<f64>().ok())
        .flatten()
        .filter(|f| f.is_finite())
}

/// Whether `line` (no `\n`) is a well-formed metric, event or service check: the probe.
pub fn plausible(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() || !printable(line) {
        return false;
    }
    if line.starts_with(b"_e{") || line.starts_with(b"_sc|") {
        return true;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return false;
    };
    parse(text).is_ok()
}

/// Parses one line (without its `\n`) into the request JSON, or says what is wrong.
pub fn parse(line: &str) -> Result<Value, String> {
    if line.starts_with("_e{") {
        return Ok(json!({"kind": "event", "line": line}));
    }
    if let Some(rest) = line.strip_prefix("_sc|") {
        let name = rest.split('|').next().unwrap_or("");
        return Ok(json!({"kind": "serviceCheck", "name": name, "line": line}));
    }
    let (name, rest) = line
        .split_once(':')
        .ok_or_else(|| "no `:` after the metric name".to_owned())?;
    if name.is_empty() || name.contains(['|', '@', '#']) {
        return Err("empty or invalid metric name".to_owned());
    }
    let mut fields = rest.split('|');
    let values = fields.next().unwrap_or("");
    let ty = fields
        .next()
        .ok_or_else(|| "no `|<type>` after the value".to_owned())?;
    let kind = kind_of(ty).ok_or_else(|| format!("unknown metric type `{ty}`"))?;
    let mut parsed = Vec::new();
    for v in values.split(':') {
        if v.is_empty() {
            return Err("empty value".to_owned());
        }
        match (kind, number(v)) {
            ("set", _) => parsed.push(Value::from(v)),
            (_, Some(f)) => parsed.push(json_number(f)),
            (_, None) => return Err(format!("value `{v}` is not a number")),
        }
    }
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("type".into(), ty.into());
    m.insert("kind".into(), kind.into());
    if parsed.len() == 1 {
        m.insert("value".into(), parsed.pop().unwrap_or(Value::Null));
    } else {
        m.insert("values".into(), Value::Array(parsed));
    }
    for f in fields {
        if let Some(rate) = f.strip_prefix('@') {
            let r = number(rate).ok_or_else(|| format!("sample rate `{rate}` is not a number"))?;
            m.insert("sampleRate".into(), json_number(r));
        } else if let Some(tags) = f.strip_prefix('#') {
            let tags: Vec<Value> = tags
                .split(',')
                .filter(|t| !t.is_empty())
                .map(Value::from)
                .collect();
            m.insert("tags".into(), Value::Array(tags));
        } else if let Some(c) = f.strip_prefix("c:") {
            m.insert("container".into(), c.into());
        } else if let Some(t) = f.strip_prefix('T') {
            let t = t
                .parse::<u64>()
                .map_err(|_| format!("timestamp `{t}` is not an integer"))?;
            m.insert("timestamp".into(), t.into());
        } else {
            return Err(format!("unknown field `{f}`"));
        }
    }
    Ok(Value::Object(m))
}

/// An integer-valued float as an integer (`1`, not `1.0`), as clients write them.
fn json_number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::from(f as i64)
    } else {
        Value::from(f)
    }
}
