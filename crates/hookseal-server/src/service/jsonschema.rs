//! JSON Schema validation of message payloads against their event type's
//! schema (`event_types.validate_payloads`).
//!
//! The validation vocabulary of JSON Schema 2020-12 (and draft-07's
//! spelling of tuples and `definitions`): `type`, `enum`, `const`, the
//! number, string, array and object assertions, `allOf`/`anyOf`/`oneOf`/
//! `not`, `if`/`then`/`else`, `dependentRequired`, boolean schemas, and
//! `$ref` to the schema itself (`#`, `#/$defs/…`, `#/definitions/…`, any
//! JSON Pointer into it). `format` is an annotation, as 2020-12 has it by
//! default. A reference outside the schema (another document, `$id`
//! resolution, `$dynamicRef`) is refused when the schema is stored, never
//! silently ignored. Unknown keywords are ignored, as the specification
//! requires.

use std::collections::HashMap;

use serde_json::{Map, Value};

/// How deep `$ref`s and subschemas may nest while validating (a schema
/// that refers to itself without consuming the instance would not end).
const MAX_DEPTH: usize = 128;

/// A checked schema, its patterns compiled.
pub struct Schema<'a> {
    root: &'a Value,
    patterns: HashMap<String, regex::Regex>,
}

/// Why an instance failed: where (`.items[0].amount`), and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub path: String,
    pub message: String,
}

impl<'a> Schema<'a> {
    /// Checks `root` is a schema this validator applies in full.
    pub fn compile(root: &'a Value) -> Result<Schema<'a>, String> {
        let mut patterns = HashMap::new();
        check(root, root, &mut patterns, 0)?;
        Ok(Schema { root, patterns })
    }

    /// Validates `instance`, returning the first failure.
    pub fn validate(&self, instance: &Value) -> Result<(), Failure> {
        let mut path = String::new();
        self.at(self.root, instance, &mut path, 0)
    }

    fn fail(path: &str, message: String) -> Result<(), Failure> {
        Err(Failure {
            path: path.to_string(),
            message,
        })
    }

    fn at(
        &self,
        schema: &Value,
        v: &Value,
        path: &mut String,
        depth: usize,
    ) -> Result<(), Failure> {
        if depth > MAX_DEPTH {
            return Self::fail(path, "the schema nests too deeply".into());
        }
        let s = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return Self::fail(path, "no value is allowed here".into()),
            Value::Object(s) => s,
            _ => return Ok(()),
        };
        if let Some(Value::String(r)) = s.get("$ref") {
            // Checked at compile time: it resolves.
            if let Some(target) = resolve(self.root, r) {
                self.at(target, v, path, depth + 1)?;
            }
        }
        if let Some(t) = s.get("type") {
            let ok = match t {
                Value::String(t) => has_type(v, t),
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).any(|t| has_type(v, t)),
                _ => true,
            };
            if !ok {
                return Self::fail(path, format!("must be of type {}", t_text(t)));
            }
        }
        if let Some(Value::Array(options)) = s.get("enum") {
            if !options.iter().any(|o| json_eq(o, v)) {
                return Self::fail(
                    path,
                    format!("must be one of {}", Value::Array(options.clone())),
                );
            }
        }
        if let Some(c) = s.get("const") {
            if !json_eq(c, v) {
                return Self::fail(path, format!("must be {c}"));
            }
        }
        match v {
            Value::Number(n) => self.number(s, n.as_f64().unwrap_or(0.0), path)?,
            Value::String(text) => self.string(s, text, path)?,
            Value::Array(items) => self.array(s, items, path, depth)?,
            Value::Object(o) => self.object(s, o, path, depth)?,
            _ => {}
        }
        if let Some(Value::Array(all)) = s.get("allOf") {
            for sub in all {
                self.at(sub, v, path, depth + 1)?;
            }
        }
        if let Some(Value::Array(any)) = s.get("anyOf") {
            if !any
                .iter()
                .any(|sub| self.at(sub, v, &mut path.clone(), depth + 1).is_ok())
            {
                return Self::fail(path, "must match at least one of anyOf".into());
            }
        }
        if let Some(Value::Array(one)) = s.get("oneOf") {
            let n = one
                .iter()
                .filter(|sub| self.at(sub, v, &mut path.clone(), depth + 1).is_ok())
                .count();
            if n != 1 {
                return Self::fail(
                    path,
                    format!("must match exactly one of oneOf (matches {n})"),
                );
            }
        }
        if let Some(not) = s.get("not") {
            if self.at(not, v, &mut path.clone(), depth + 1).is_ok() {
                return Self::fail(path, "must not match the schema in not".into());
            }
        }
        if let Some(cond) = s.get("if") {
            let branch = if self.at(cond, v, &mut path.clone(), depth + 1).is_ok() {
                s.get("then")
            } else {
                s.get("else")
            };
            if let Some(b) = branch {
                self.at(b, v, path, depth + 1)?;
            }
        }
        Ok(())
    }

    fn number(&self, s: &Map<String, Value>, n: f64, path: &str) -> Result<(), Failure> {
        let num = |k: &str| s.get(k).and_then(Value::as_f64);
        if let Some(m) = num("minimum") {
            if n < m {
                return Self::fail(path, format!("must be at least {m}"));
            }
        }
        if let Some(m) = num("maximum") {
            if n > m {
                return Self::fail(path, format!("must be at most {m}"));
            }
        }
        if let Some(m) = num("exclusiveMinimum") {
            if n <= m {
                return Self::fail(path, format!("must be more than {m}"));
            }
        }
        if let Some(m) = num("exclusiveMaximum") {
            if n >= m {
                return Self::fail(path, format!("must be less than {m}"));
            }
        }
        if let Some(m) = num("multipleOf") {
            let q = n / m;
            if !q.is_finite() || (q - q.round()).abs() > 1e-9 * q.abs().max(1.0) {
                return Self::fail(path, format!("must be a multiple of {m}"));
            }
        }
        Ok(())
    }

    fn string(&self, s: &Map<String, Value>, text: &str, path: &str) -> Result<(), Failure> {
        let len = text.chars().count() as u64;
        if let Some(m) = s.get("minLength").and_then(Value::as_u64) {
            if len < m {
                return Self::fail(path, format!("must be at least {m} characters"));
            }
        }
        if let Some(m) = s.get("maxLength").and_then(Value::as_u64) {
            if len > m {
                return Self::fail(path, format!("must be at most {m} characters"));
            }
        }
        if let Some(Value::String(p)) = s.get("pattern") {
            if let Some(re) = self.patterns.get(p) {
                if !re.is_match(text) {
                    return Self::fail(path, format!("must match the pattern {p}"));
                }
            }
        }
        Ok(())
    }

    fn array(
        &self,
        s: &Map<String, Value>,
        items: &[Value],
        path: &mut String,
        depth: usize,
    ) -> Result<(), Failure> {
        let n = items.len() as u64;
        if let Some(m) = s.get("minItems").and_then(Value::as_u64) {
            if n < m {
                return Self::fail(path, format!("must have at least {m} items"));
            }
        }
        if let Some(m) = s.get("maxItems").and_then(Value::as_u64) {
            if n > m {
                return Self::fail(path, format!("must have at most {m} items"));
            }
        }
        if s.get("uniqueItems") == Some(&Value::Bool(true)) {
            for (i, a) in items.iter().enumerate() {
                if items[..i].iter().any(|b| json_eq(a, b)) {
                    return Self::fail(path, "must not have duplicate items".into());
                }
            }
        }
        // Tuples: `prefixItems` (2020-12) or `items` as an array (draft-07),
        // then `items` / `additionalItems` for the rest.
        let (prefix, rest): (&[Value], Option<&Value>) =
            match (s.get("prefixItems"), s.get("items")) {
                (Some(Value::Array(p)), rest) => (p, rest),
                (_, Some(Value::Array(p))) => (p, s.get("additionalItems")),
                (_, rest) => (&[], rest),
            };
        for (i, item) in items.iter().enumerate() {
            let sub = match prefix.get(i) {
                Some(p) => p,
                None => match rest {
                    Some(r) => r,
                    None => continue,
                },
            };
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            self.at(sub, item, path, depth + 1)?;
            path.truncate(len);
        }
        if let Some(c) = s.get("contains") {
            let matching = items
                .iter()
                .filter(|i| self.at(c, i, &mut path.clone(), depth + 1).is_ok())
                .count() as u64;
            let min = s.get("minContains").and_then(Value::as_u64).unwrap_or(1);
            if matching < min {
                return Self::fail(path, format!("must contain at least {min} matching items"));
            }
            if let Some(max) = s.get("maxContains").and_then(Value::as_u64) {
                if matching > max {
                    return Self::fail(path, format!("must contain at most {max} matching items"));
                }
            }
        }
        Ok(())
    }

    fn object(
        &self,
        s: &Map<String, Value>,
        o: &Map<String, Value>,
        path: &mut String,
        depth: usize,
    ) -> Result<(), Failure> {
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    return Self::fail(path, format!("{r:?} is required"));
                }
            }
        }
        if let Some(Value::Object(deps)) = s.get("dependentRequired") {
            for (k, needs) in deps {
                if o.contains_key(k) {
                    for r in needs
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !o.contains_key(r) {
                            return Self::fail(
                                path,
                                format!("{r:?} is required when {k:?} is present"),
                            );
                        }
                    }
                }
            }
        }
        let n = o.len() as u64;
        if let Some(m) = s.get("minProperties").and_then(Value::as_u64) {
            if n < m {
                return Self::fail(path, format!("must have at least {m} properties"));
            }
        }
        if let Some(m) = s.get("maxProperties").and_then(Value::as_u64) {
            if n > m {
                return Self::fail(path, format!("must have at most {m} properties"));
            }
        }
        let props = s.get("properties").and_then(Value::as_object);
        let pattern_props = s.get("patternProperties").and_then(Value::as_object);
        for (k, v) in o {
            let len = path.len();
            push_key(path, k);
            if let Some(names) = s.get("propertyNames") {
                self.at(names, &Value::String(k.clone()), path, depth + 1)?;
            }
            let mut matched = false;
            if let Some(sub) = props.and_then(|p| p.get(k)) {
                matched = true;
                self.at(sub, v, path, depth + 1)?;
            }
            for (p, sub) in pattern_props.into_iter().flatten() {
                if self.patterns.get(p).is_some_and(|re| re.is_match(k)) {
                    matched = true;
                    self.at(sub, v, path, depth + 1)?;
                }
            }
            if !matched {
                match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        path.truncate(len);
                        return Self::fail(path, format!("{k:?} is not an allowed property"));
                    }
                    Some(sub) => self.at(sub, v, path, depth + 1)?,
                    None => {}
                }
            }
            path.truncate(len);
        }
        Ok(())
    }
}

/// Appends an object key to a path: `.key`, or `["key"]` when it is not a
/// plain name.
fn push_key(path: &mut String, k: &str) {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        path.push('.');
        path.push_str(k);
    } else {
        path.push_str(&format!("[{}]", Value::String(k.to_string())));
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        _ => false,
    }
}

fn t_text(t: &Value) -> String {
    match t {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// JSON equality, numbers by value (`1` equals `1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// A `$ref` within the schema: `#` or `#` followed by a JSON Pointer.
fn resolve<'a>(root: &'a Value, r: &str) -> Option<&'a Value> {
    let pointer = r.strip_prefix('#')?;
    let pointer = percent_decode(pointer)?;
    root.pointer(&pointer)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The keywords whose value is one subschema, an array of them, or an
/// object of them.
const ONE: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
];
const MANY: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
const NAMED: &[&str] = &["properties", "patternProperties", "$defs", "definitions"];

fn check(
    root: &Value,
    s: &Value,
    patterns: &mut HashMap<String, regex::Regex>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("the schema nests too deeply".into());
    }
    let obj = match s {
        Value::Bool(_) => return Ok(()),
        Value::Object(o) => o,
        _ => return Err(format!("a schema must be an object or a boolean, not {s}")),
    };
    for k in [
        "$dynamicRef",
        "$recursiveRef",
        "unevaluatedProperties",
        "unevaluatedItems",
    ] {
        if obj.contains_key(k) {
            return Err(format!("{k} is not supported; write the schema without it"));
        }
    }
    if let Some(r) = obj.get("$ref") {
        let r = r.as_str().ok_or("$ref must be a string")?;
        if resolve(root, r).is_none() {
            return Err(format!(
                "$ref {r:?} does not point into this schema (only local references, #/$defs/…, are supported)"
            ));
        }
    }
    if let Some(t) = obj.get("type") {
        let known = |t: &str| {
            [
                "null", "boolean", "object", "array", "string", "number", "integer",
            ]
            .contains(&t)
        };
        let ok = match t {
            Value::String(t) => known(t),
            Value::Array(ts) => ts.iter().all(|t| t.as_str().is_some_and(known)),
            _ => false,
        };
        if !ok {
            return Err(format!("type {t} is not a JSON Schema type"));
        }
    }
    if obj.get("enum").is_some_and(|e| !e.is_array()) {
        return Err("enum must be an array".into());
    }
    if obj
        .get("required")
        .is_some_and(|r| !r.as_array().is_some_and(|a| a.iter().all(Value::is_string)))
    {
        return Err("required must be an array of strings".into());
    }
    for k in [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ] {
        if obj.get(k).is_some_and(|v| !v.is_number()) {
            return Err(format!("{k} must be a number"));
        }
    }
    if obj
        .get("multipleOf")
        .and_then(Value::as_f64)
        .is_some_and(|m| m <= 0.0)
    {
        return Err("multipleOf must be more than 0".into());
    }
    for k in [
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
        "minContains",
        "maxContains",
    ] {
        if obj.get(k).is_some_and(|v| v.as_u64().is_none()) {
            return Err(format!("{k} must be a non-negative integer"));
        }
    }
    let mut add_pattern = |p: &str| -> Result<(), String> {
        if !patterns.contains_key(p) {
            let re = regex::RegexBuilder::new(p)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("pattern {p:?}: {e}"))?;
            patterns.insert(p.to_string(), re);
        }
        Ok(())
    };
    if let Some(p) = obj.get("pattern") {
        add_pattern(p.as_str().ok_or("pattern must be a string")?)?;
    }
    if let Some(Value::Object(pp)) = obj.get("patternProperties") {
        for p in pp.keys() {
            add_pattern(p)?;
        }
    }
    for k in ONE {
        if let Some(sub) = obj.get(*k) {
            check(root, sub, patterns, depth + 1)?;
        }
    }
    match obj.get("items") {
        Some(Value::Array(subs)) => {
            for sub in subs {
                check(root, sub, patterns, depth + 1)?;
            }
        }
        Some(sub) => check(root, sub, patterns, depth + 1)?,
        None => {}
    }
    for k in MANY {
        if let Some(v) = obj.get(*k) {
            let subs = v
                .as_array()
                .ok_or(format!("{k} must be an array of schemas"))?;
            for sub in subs {
                check(root, sub, patterns, depth + 1)?;
            }
        }
    }
    for k in NAMED {
        if let Some(v) = obj.get(*k) {
            let subs = v
                .as_object()
                .ok_or(format!("{k} must be an object of schemas"))?;
            for sub in subs.values() {
                check(root, sub, patterns, depth + 1)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fails(schema: Value, v: Value) -> Option<Failure> {
        Schema::compile(&schema).unwrap().validate(&v).err()
    }

    #[test]
    fn objects_and_paths() {
        let s = json!({
            "type": "object",
            "required": ["id", "amount"],
            "properties": {
                "id": {"type": "string", "pattern": "^pay_"},
                "amount": {"type": "integer", "minimum": 1},
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}}
            },
            "additionalProperties": false,
            "$defs": {"item": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string", "minLength": 2}}}}
        });
        assert_eq!(fails(s.clone(), json!({"id": "pay_1", "amount": 5})), None);
        assert_eq!(
            fails(s.clone(), json!({"id": "pay_1", "amount": 5.0})),
            None
        );
        let f = fails(s.clone(), json!({"id": "pay_1"})).unwrap();
        assert_eq!(
            (f.path.as_str(), f.message.as_str()),
            ("", "\"amount\" is required")
        );
        let f = fails(s.clone(), json!({"id": "x", "amount": 5})).unwrap();
        assert_eq!(f.path, ".id");
        let f = fails(s.clone(), json!({"id": "pay_1", "amount": 0})).unwrap();
        assert_eq!(
            (f.path.as_str(), f.message.as_str()),
            (".amount", "must be at least 1")
        );
        let f = fails(
            s.clone(),
            json!({"id": "pay_1", "amount": 1, "items": [{"sku": "ab"}, {"sku": "a"}]}),
        )
        .unwrap();
        assert_eq!(f.path, ".items[1].sku");
        let f = fails(s, json!({"id": "pay_1", "amount": 1, "extra": 1})).unwrap();
        assert!(f.message.contains("not an allowed property"), "{f:?}");
    }

    #[test]
    fn combinators_and_conditions() {
        let s = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert!(fails(s.clone(), json!("a")).is_none());
        assert!(fails(s, json!(1.5)).is_some());
        let s = json!({"if": {"properties": {"kind": {"const": "card"}}}, "then": {"required": ["last4"]}});
        assert!(fails(s.clone(), json!({"kind": "card"})).is_some());
        assert!(fails(s.clone(), json!({"kind": "bank"})).is_none());
        assert!(fails(json!({"not": {"type": "null"}}), json!(null)).is_some());
        assert!(fails(json!({"enum": [1, "a"]}), json!(1.0)).is_none());
        assert!(fails(json!({"uniqueItems": true}), json!([1, 1.0])).is_some());
        assert!(fails(json!({"multipleOf": 0.01}), json!(10.25)).is_none());
        assert!(fails(json!(false), json!(1)).is_some());
        assert!(fails(
            json!({"items": [{"type": "string"}], "additionalItems": false}),
            json!(["a", 1])
        )
        .is_some());
        assert!(fails(
            json!({"contains": {"const": 3}, "minContains": 2}),
            json!([3, 1, 3])
        )
        .is_none());
    }

    #[test]
    fn refused_schemas() {
        for bad in [
            json!({"$ref": "https://example.com/s.json"}),
            json!({"$ref": "#/$defs/missing"}),
            json!({"type": "money"}),
            json!({"pattern": "("}),
            json!({"properties": {"a": 3}}),
            json!({"minLength": -1}),
            json!({"multipleOf": 0}),
            json!({"unevaluatedProperties": false}),
            json!(3),
        ] {
            assert!(Schema::compile(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn self_reference_ends() {
        let s = json!({"$ref": "#"});
        let f = Schema::compile(&s)
            .unwrap()
            .validate(&json!(1))
            .unwrap_err();
        assert!(f.message.contains("too deeply"));
        let tree = json!({"type": "object", "properties": {"child": {"$ref": "#"}}});
        assert!(fails(tree, json!({"child": {"child": {}}})).is_none());
    }

    use proptest::prelude::*;

    /// JSON values built from the keywords the validator knows, so that
    /// generated schemas compile often and exercise every branch.
    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..5).prop_map(|n| json!(n)),
            (-5.0f64..5.0).prop_map(|f| json!(f)),
            prop_oneof![
                Just("string"),
                Just("integer"),
                Just("number"),
                Just("object"),
                Just("array"),
                Just("null"),
                Just("boolean"),
                Just("a"),
                Just("^a+$"),
                Just("#"),
                Just("#/$defs/d"),
                Just("("),
            ]
            .prop_map(|s| json!(s)),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            let key = prop_oneof![
                Just("type"),
                Just("properties"),
                Just("required"),
                Just("items"),
                Just("additionalProperties"),
                Just("enum"),
                Just("const"),
                Just("not"),
                Just("anyOf"),
                Just("allOf"),
                Just("oneOf"),
                Just("if"),
                Just("then"),
                Just("else"),
                Just("$ref"),
                Just("$defs"),
                Just("d"),
                Just("pattern"),
                Just("minimum"),
                Just("maximum"),
                Just("minLength"),
                Just("maxItems"),
                Just("multipleOf"),
                Just("uniqueItems"),
                Just("contains"),
                Just("minContains"),
                Just("patternProperties"),
                Just("propertyNames"),
                Just("dependentRequired"),
                Just("format"),
                Just("a"),
            ];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key, inner), 0..5).prop_map(|kv| {
                    Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                }),
            ]
        })
    }

    proptest! {
        /// Whatever a customer stores as a schema and whatever payload meets
        /// it: a clean refusal or a verdict, never a panic; and the verdict
        /// agrees with the combinators built around the schema.
        #[test]
        fn any_schema_any_instance(schema in arb_json(), instance in arb_json()) {
            if let Ok(compiled) = Schema::compile(&schema) {
                let ok = compiled.validate(&instance).is_ok();
                let _ = compiled.validate(&schema);
                // Wrapping moves the root: references ("#", "#/$defs/…")
                // would point elsewhere, so only schemas without them are
                // compared against their wrappers.
                prop_assume!(!schema.to_string().contains("\"$ref\""));
                let (not, all, any) = (
                    json!({"not": schema.clone()}),
                    json!({"allOf": [schema.clone(), true]}),
                    json!({"anyOf": [false, schema.clone()]}),
                );
                let negated = Schema::compile(&not).unwrap();
                let both = Schema::compile(&all).unwrap();
                let either = Schema::compile(&any).unwrap();
                prop_assert_eq!(negated.validate(&instance).is_ok(), !ok);
                prop_assert_eq!(both.validate(&instance).is_ok(), ok);
                prop_assert_eq!(either.validate(&instance).is_ok(), ok);
            }
        }
    }
}
