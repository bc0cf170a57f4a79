//! Tests of the JSON writers, and the generator of [`super::super::render_gen`].
//!
//! The generator reads `kafka-protocol`'s sources and writes the table of API keys (from
//! its `ApiKey` enum) and one [`KafkaJson`] impl per message struct. The sources are the
//! crate version `Cargo.lock` pins, read from Cargo's registry
//! (`$CARGO_HOME/registry/src/*/kafka-protocol-<version>/`). They are generated code and
//! regular: every struct is `pub struct Name {` … `}` with one `pub field: Type,` line per
//! field. [`render_gen_matches_the_locked_kafka_protocol`] fails when the committed file
//! differs from what this produces, so an upgrade of the crate is noticed; `UPDATE_EXPECT=1`
//! rewrites it (then review the diff and `field_names.txt`).

use super::*;
use kafka_protocol::messages::produce_response::{
    BatchIndexAndErrorMessage, PartitionProduceResponse,
};

fn json(v: &impl KafkaJson) -> String {
    let mut o = JsonBuf::new();
    v.write_json(&mut o);
    o.finish().as_str().to_owned()
}

#[test]
fn leaves_render_as_kafka_values() {
    assert_eq!(json(&-2i16), "-2");
    assert_eq!(json(&u64::MAX), "18446744073709551615");
    assert_eq!(json(&0.5f64), "0.5");
    assert_eq!(json(&f64::NAN), r#""NaN""#);
    assert_eq!(json(&f64::NEG_INFINITY), r#""-inf""#);
    assert_eq!(json(&Bytes::from_static(b"hello")), r#""hello""#);
    assert_eq!(json(&Bytes::from_static(b"\x00\xffab\"")), r#""AP9hYiI=""#);
    assert_eq!(
        json(&Some(TopicName(StrBytes::from_static_str("or\"d\\ers\n€")))),
        r#""or\"d\\ers\n€""#
    );
    assert_eq!(json(&vec![BrokerId(1), BrokerId(-1)]), "[1,-1]");
    assert_eq!(json(&None::<StrBytes>), "null");
    let id: uuid::Uuid = "0badcafe-abab-4bab-8bab-abababababab"
        .parse()
        .expect("uuid");
    assert_eq!(json(&id), r#""0badcafe-abab-4bab-8bab-abababababab""#);
}

#[test]
fn structs_have_sorted_camel_case_keys_and_tagged_fields_when_present() {
    let e = BatchIndexAndErrorMessage::default().with_batch_index(3);
    assert_eq!(
        json(&e),
        r#"{"batchIndex":3,"batchIndexErrorMessage":null}"#
    );
    let e = e
        .with_unknown_tagged_field(10, Bytes::from_static(b"x"))
        .with_unknown_tagged_field(2, Bytes::from_static(b"\xff"));
    assert_eq!(
        json(&e),
        r#"{"batchIndex":3,"batchIndexErrorMessage":null,"unknownTaggedFields":{"10":"x","2":"/w=="}}"#
    );
    let p = PartitionProduceResponse::default().with_record_errors(vec![e]);
    let v: serde_json::Value = serde_json::from_str(&json(&p)).expect("json");
    assert_eq!(v["currentLeader"]["leaderId"], -1);
    assert_eq!(v["recordErrors"][0]["unknownTaggedFields"]["2"], "/w==");
}

// ---- The generator of render_gen.rs ----------------------------------------------------

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const OUT: &str = "src/kafka/render_gen.rs";

/// The `kafka-protocol` version in the workspace's `Cargo.lock`.
fn locked_version(lock: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"kafka-protocol\"" {
            let v = lines.next()?;
            return Some(v.strip_prefix("version = \"")?.strip_suffix('"')?.to_owned());
        }
    }
    None
}

/// `…/kafka-protocol-<version>/src` in Cargo's registry.
fn crate_sources(version: &str) -> Result<PathBuf, String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let registry = home.join("registry/src");
    let dirs = std::fs::read_dir(&registry)
        .map_err(|e| format!("{}: {e} (run `cargo fetch`)", registry.display()))?;
    for d in dirs.flatten() {
        let src = d.path().join(format!("kafka-protocol-{version}/src"));
        if src.join("messages.rs").is_file() {
            return Ok(src);
        }
    }
    Err(format!(
        "kafka-protocol {version} sources not found under {} (run `cargo fetch`)",
        registry.display()
    ))
}

/// `transactional_id` → `transactionalId` (Kafka's names, camelCased).
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The `ApiKey` variants in declaration order.
fn api_keys(messages_rs: &str) -> Result<Vec<String>, String> {
    let start = messages_rs
        .find("pub enum ApiKey {")
        .ok_or("messages.rs: no `pub enum ApiKey`")?;
    let body = &messages_rs[start..];
    let end = body.find("\n}").ok_or("messages.rs: `ApiKey` not closed")?;
    let mut keys = Vec::new();
    for l in body[..end].lines().skip(1) {
        let l = l.trim();
        if l.starts_with("//") || l.is_empty() {
            continue;
        }
        let (name, _) = l
            .split_once(" = ")
            .ok_or_else(|| format!("messages.rs: unexpected `ApiKey` line {l:?}"))?;
        keys.push(name.to_owned());
    }
    Ok(keys)
}

/// `(module, type)` of each `pub use module::Type;` in messages.rs.
fn reexports(messages_rs: &str) -> Vec<(String, String)> {
    messages_rs
        .lines()
        .filter_map(|l| {
            let (m, t) = l.strip_prefix("pub use ")?.strip_suffix(';')?.split_once("::")?;
            Some((m.to_owned(), t.to_owned()))
        })
        .collect()
}

/// A message struct: its name and field names.
struct Struct {
    name: String,
    fields: Vec<String>,
}

fn structs(module: &str, src: &str) -> Result<Vec<Struct>, String> {
    let mut out = Vec::new();
    let mut lines = src.lines();
    while let Some(l) = lines.next() {
        let Some(name) = l.strip_prefix("pub struct ") else {
            continue;
        };
        let name = name
            .strip_suffix(" {")
            .ok_or_else(|| format!("{module}: unexpected struct line {l:?}"))?;
        let mut fields = Vec::new();
        loop {
            let f = lines
                .next()
                .ok_or_else(|| format!("{module}::{name}: not closed"))?;
            if f == "}" {
                break;
            }
            if let Some(decl) = f.strip_prefix("    pub ") {
                let (field, ty) = decl
                    .split_once(": ")
                    .ok_or_else(|| format!("{module}::{name}: unexpected field {f:?}"))?;
                if field.starts_with("r#") || !ty.ends_with(',') {
                    return Err(format!("{module}::{name}: unexpected field {f:?}"));
                }
                fields.push(field.to_owned());
            } else if !(f.trim().is_empty() || f.trim_start().starts_with("///")) {
                return Err(format!("{module}::{name}: unexpected line {f:?}"));
            }
        }
        out.push(Struct {
            name: name.to_owned(),
            fields,
        });
    }
    Ok(out)
}

fn generate(version: &str, src: &Path) -> Result<String, String> {
    let read = |p: PathBuf| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()));
    let messages_rs = read(src.join("messages.rs"))?;
    let keys = api_keys(&messages_rs)?;
    let uses = reexports(&messages_rs);
    let module_of = |ty: &str| {
        uses.iter()
            .find(|(_, t)| t == ty)
            .map(|(m, _)| m.clone())
            .ok_or_else(|| format!("messages.rs: no `pub use …::{ty};`"))
    };

    let mut o = String::new();
    let _ = writeln!(
        o,
        "//! What `kafka-protocol` {version} decodes, written as JSON: the table of its API keys\n\
         //! and a [`KafkaJson`] impl per message struct (see [`super::render`]).\n\
         //!\n\
         //! @generated from the crate's sources by `kafka/render/tests.rs`\n\
         //! (`UPDATE_EXPECT=1 cargo test -p mizu-dissectors render_gen`). Do not edit: that test\n\
         //! fails when this file differs from its output.\n"
    );
    o.push_str(
        "use super::render::{KafkaJson, tagged_fields};\n\
         use kafka_protocol::messages::*;\n\
         use mizu_model::{JsonBuf, jkey};\n\n\
         /// Every API key `kafka-protocol` decodes with its request and response types. `$cb` is\n\
         /// a macro that receives the table and generates code from it (the decoder in\n\
         /// [`super::body`], the field-name pin test).\n\
         macro_rules! kafka_api_table {\n    ($cb:ident) => {\n        $cb! {\n",
    );
    let mut modules = Vec::new();
    for k in &keys {
        let (q, a) = (format!("{k}Request"), format!("{k}Response"));
        let _ = writeln!(o, "            {k}({q}, {a}),");
        modules.push(module_of(&q)?);
        modules.push(module_of(&a)?);
    }
    o.push_str(
        "        }\n    };\n}\npub(crate) use kafka_api_table;\n",
    );

    let mut seen = BTreeSet::new();
    for m in &modules {
        if !seen.insert(m.clone()) {
            continue;
        }
        let file = read(src.join(format!("messages/{m}.rs")))?;
        for s in structs(m, &file)? {
            let mut fields: Vec<(String, &str)> =
                s.fields.iter().map(|f| (camel(f), f.as_str())).collect();
            fields.sort();
            let _ = writeln!(o, "\nimpl KafkaJson for {m}::{} {{", s.name);
            o.push_str("    fn write_json(&self, o: &mut JsonBuf) {\n        o.begin_object();\n");
            for (key, field) in &fields {
                if *field == "unknown_tagged_fields" {
                    o.push_str("        tagged_fields(&self.unknown_tagged_fields, o);\n");
                } else {
                    let _ = writeln!(o, "        o.k(jkey!(\"{key}\"));");
                    let _ = writeln!(o, "        self.{field}.write_json(o);");
                }
            }
            o.push_str("        o.end_object();\n    }\n}\n");
        }
    }
    Ok(o)
}

#[test]
fn render_gen_matches_the_locked_kafka_protocol() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock_path = root.join("../../Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).expect("read Cargo.lock");
    let version = locked_version(&lock).expect("kafka-protocol in Cargo.lock");
    let src = crate_sources(&version).unwrap_or_else(|e| panic!("{e}"));
    let got = generate(&version, &src).unwrap_or_else(|e| panic!("generating {OUT}: {e}"));
    let path = root.join(OUT);
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &got).expect("write render_gen.rs");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(got.matches("impl KafkaJson for").count() > 400, "every message struct");
    if got != want {
        let diff: Vec<String> = got
            .lines()
            .zip(want.lines().chain(std::iter::repeat("")))
            .filter(|(g, w)| g != w)
            .take(5)
            .map(|(g, w)| format!("generated {g}\ncommitted {w}"))
            .collect();
        panic!(
            "{OUT} is not what kafka-protocol {version} generates (UPDATE_EXPECT=1 to rewrite, \
             then review it and field_names.txt):\n{}",
            diff.join("\n")
        );
    }
}

#[test]
fn parses_the_generated_sources_shape() {
    assert_eq!(camel("transactional_id"), "transactionalId");
    assert_eq!(camel("acks"), "acks");
    assert_eq!(
        locked_version("[[package]]\nname = \"kafka-protocol\"\nversion = \"0.18.0\"\n").as_deref(),
        Some("0.18.0")
    );
    let src = "/// Doc\n#[derive(Debug)]\npub struct A {\n    /// x\n    ///\n    pub b_c: Vec<super::BrokerId>,\n\n    pub unknown_tagged_fields: BTreeMap<i32, Bytes>,\n}\n";
    let s = structs("m", src).expect("parses");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].name, "A");
    assert_eq!(s[0].fields, ["b_c", "unknown_tagged_fields"]);
    assert!(structs("m", "pub struct A {\n    fn x() {}\n}\n").is_err());
    assert!(structs("m", "pub struct A(i32);\n").is_err());
    let keys = api_keys("pub enum ApiKey {\n    /// doc\n    Produce = 0,\n    Fetch = 1,\n}\n")
        .expect("keys");
    assert_eq!(keys, ["Produce", "Fetch"]);
}
