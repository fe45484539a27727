//! Structured Field Values for HTTP (RFC 8941): the subset HTTP Message
//! Signatures (RFC 9421) and Digest Fields (RFC 9530) need — dictionaries,
//! lists, inner lists, items with parameters — parsed strictly and
//! serialised canonically (RFC 8941 §4.1), so that a signature base built
//! from a parsed value is the same bytes the signer built.
//!
//! Parsing is linear in the input and bounded: values longer than
//! [`crate::MAX_HEADER_LEN`] are refused before parsing, members and
//! parameters are capped, and nothing recurses beyond one inner list.

use std::fmt::Write as _;

use base64::Engine as _;

/// Most members or items or parameters in one value.
const MAX_MEMBERS: usize = 64;

/// A bare item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BareItem {
    /// An integer (at most 15 digits).
    Integer(i64),
    /// A decimal, kept as thousandths (at most 12 integer digits, 3 fraction digits).
    Decimal(i64),
    /// A string (printable ASCII).
    String(String),
    /// A token.
    Token(String),
    /// A byte sequence.
    Bytes(Vec<u8>),
    /// A boolean.
    Boolean(bool),
}

/// Parameters, in order.
pub type Params = Vec<(String, BareItem)>;

/// An item or an inner list, with parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// An item.
    Item(BareItem, Params),
    /// An inner list.
    InnerList(Vec<(BareItem, Params)>, Params),
}

/// A dictionary, in order (a later duplicate key replaces the value in place,
/// as RFC 8941 §4.2.2 says).
pub type Dictionary = Vec<(String, Member)>;

/// Why a value did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SfError(pub &'static str);

impl std::fmt::Display for SfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

type R<T> = Result<T, SfError>;

impl<'a> Parser<'a> {
    fn new(s: &'a str) -> R<Self> {
        if s.len() > crate::MAX_HEADER_LEN {
            return Err(SfError("value too long"));
        }
        let mut p = Parser {
            s: s.as_bytes(),
            i: 0,
        };
        p.skip_sp();
        Ok(p)
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn end(&mut self) -> R<()> {
        self.skip_sp();
        if self.i == self.s.len() {
            Ok(())
        } else {
            Err(SfError("unexpected characters after the value"))
        }
    }

    fn key(&mut self) -> R<String> {
        let start = self.i;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.i += 1,
            _ => return Err(SfError("a key must start with a lowercase letter or *")),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(&c) {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn params(&mut self) -> R<Params> {
        let mut out: Params = Vec::new();
        while self.peek() == Some(b';') {
            self.i += 1;
            self.skip_sp();
            let k = self.key()?;
            let v = if self.peek() == Some(b'=') {
                self.i += 1;
                self.bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            if let Some(slot) = out.iter_mut().find(|(n, _)| *n == k) {
                slot.1 = v;
            } else {
                if out.len() == MAX_MEMBERS {
                    return Err(SfError("too many parameters"));
                }
                out.push((k, v));
            }
        }
        Ok(out)
    }

    fn bare_item(&mut self) -> R<BareItem> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => {
                self.i += 1;
                let v = match self.peek() {
                    Some(b'1') => true,
                    Some(b'0') => false,
                    _ => return Err(SfError("a boolean is ?0 or ?1")),
                };
                self.i += 1;
                Ok(BareItem::Boolean(v))
            }
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => self.token(),
            _ => Err(SfError("expected an item")),
        }
    }

    fn number(&mut self) -> R<BareItem> {
        let neg = self.peek() == Some(b'-');
        if neg {
            self.i += 1;
        }
        let start = self.i;
        let mut dot = None;
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                self.i += 1;
            } else if c == b'.' && dot.is_none() {
                dot = Some(self.i);
                self.i += 1;
            } else {
                break;
            }
            let len = self.i - start;
            if (dot.is_none() && len > 15) || len > 16 {
                return Err(SfError("number too long"));
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        let sign = if neg { -1 } else { 1 };
        match dot {
            None => {
                if text.is_empty() {
                    return Err(SfError("expected a digit"));
                }
                text.parse::<i64>()
                    .map(|n| BareItem::Integer(sign * n))
                    .map_err(|_| SfError("bad integer"))
            }
            Some(d) => {
                let (int, frac) = (&text[..d - start], &text[d - start + 1..]);
                if int.is_empty() || int.len() > 12 || frac.is_empty() || frac.len() > 3 {
                    return Err(SfError("bad decimal"));
                }
                let int: i64 = int.parse().map_err(|_| SfError("bad decimal"))?;
                let mut f: i64 = frac.parse().map_err(|_| SfError("bad decimal"))?;
                for _ in frac.len()..3 {
                    f *= 10;
                }
                Ok(BareItem::Decimal(sign * (int * 1000 + f)))
            }
        }
    }

    fn string(&mut self) -> R<BareItem> {
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(SfError("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(BareItem::String(out));
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.i += 1;
                        }
                        _ => return Err(SfError("bad escape in string")),
                    }
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(c as char);
                    self.i += 1;
                }
                Some(_) => return Err(SfError("string holds a character outside printable ASCII")),
            }
        }
    }

    fn token(&mut self) -> R<BareItem> {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            // tchar / ":" / "/"
            if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c) {
                self.i += 1;
            } else {
                break;
            }
        }
        Ok(BareItem::Token(
            String::from_utf8_lossy(&self.s[start..self.i]).into_owned(),
        ))
    }

    fn bytes(&mut self) -> R<BareItem> {
        self.i += 1;
        let start = self.i;
        while let Some(c) = self.peek() {
            if c == b':' {
                let text = &self.s[start..self.i];
                self.i += 1;
                return crate::codec::B64_LENIENT
                    .decode(text)
                    .map(BareItem::Bytes)
                    .map_err(|_| SfError("bad base64 in byte sequence"));
            }
            if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=') {
                return Err(SfError("bad character in byte sequence"));
            }
            self.i += 1;
        }
        Err(SfError("unterminated byte sequence"))
    }

    fn item_or_inner(&mut self) -> R<Member> {
        if self.peek() == Some(b'(') {
            self.i += 1;
            let mut items = Vec::new();
            loop {
                self.skip_sp();
                if self.peek() == Some(b')') {
                    self.i += 1;
                    let p = self.params()?;
                    return Ok(Member::InnerList(items, p));
                }
                if items.len() == MAX_MEMBERS {
                    return Err(SfError("inner list too long"));
                }
                let it = self.bare_item()?;
                let p = self.params()?;
                items.push((it, p));
                match self.peek() {
                    Some(b' ' | b')') => {}
                    _ => return Err(SfError("inner list items are separated by spaces")),
                }
            }
        }
        let it = self.bare_item()?;
        let p = self.params()?;
        Ok(Member::Item(it, p))
    }

    /// After a member: end, or a comma and another member.
    fn next_member(&mut self) -> R<bool> {
        self.skip_ows();
        if self.i == self.s.len() {
            return Ok(false);
        }
        if self.peek() != Some(b',') {
            return Err(SfError("members are separated by commas"));
        }
        self.i += 1;
        self.skip_ows();
        if self.i == self.s.len() {
            return Err(SfError("trailing comma"));
        }
        Ok(true)
    }
}

/// Parses a dictionary.
pub fn parse_dictionary(s: &str) -> Result<Dictionary, SfError> {
    let mut p = Parser::new(s)?;
    let mut out: Dictionary = Vec::new();
    if p.i == p.s.len() {
        return Ok(out);
    }
    loop {
        let k = p.key()?;
        let m = if p.peek() == Some(b'=') {
            p.i += 1;
            p.item_or_inner()?
        } else {
            Member::Item(BareItem::Boolean(true), p.params()?)
        };
        if let Some(slot) = out.iter_mut().find(|(n, _)| *n == k) {
            slot.1 = m;
        } else {
            if out.len() == MAX_MEMBERS {
                return Err(SfError("too many members"));
            }
            out.push((k, m));
        }
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

/// Parses a list.
pub fn parse_list(s: &str) -> Result<Vec<Member>, SfError> {
    let mut p = Parser::new(s)?;
    let mut out = Vec::new();
    if p.i == p.s.len() {
        return Ok(out);
    }
    loop {
        if out.len() == MAX_MEMBERS {
            return Err(SfError("too many members"));
        }
        out.push(p.item_or_inner()?);
        if !p.next_member()? {
            return Ok(out);
        }
    }
}

/// Parses one item with parameters.
pub fn parse_item(s: &str) -> Result<(BareItem, Params), SfError> {
    let mut p = Parser::new(s)?;
    let it = p.bare_item()?;
    let params = p.params()?;
    p.end()?;
    Ok((it, params))
}

/// Parses an inner list on its own (the value of `@signature-params`).
pub fn parse_inner_list(s: &str) -> Result<Member, SfError> {
    let mut p = Parser::new(s)?;
    if p.peek() != Some(b'(') {
        return Err(SfError("expected an inner list"));
    }
    let m = p.item_or_inner()?;
    p.end()?;
    Ok(m)
}

/// Canonical serialisation of a bare item.
pub fn write_bare(out: &mut String, it: &BareItem) {
    match it {
        BareItem::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        BareItem::Decimal(m) => {
            let (sign, m) = if *m < 0 { ("-", -m) } else { ("", *m) };
            let frac = format!("{:03}", m % 1000);
            let frac = frac.trim_end_matches('0');
            let _ = write!(
                out,
                "{sign}{}.{}",
                m / 1000,
                if frac.is_empty() { "0" } else { frac }
            );
        }
        BareItem::String(s) => {
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        BareItem::Token(t) => out.push_str(t),
        BareItem::Bytes(b) => {
            out.push(':');
            out.push_str(&crate::codec::B64.encode(b));
            out.push(':');
        }
        BareItem::Boolean(b) => out.push_str(if *b { "?1" } else { "?0" }),
    }
}

/// Canonical serialisation of parameters.
pub fn write_params(out: &mut String, params: &Params) {
    for (k, v) in params {
        out.push(';');
        out.push_str(k);
        if *v != BareItem::Boolean(true) {
            out.push('=');
            write_bare(out, v);
        }
    }
}

/// Canonical serialisation of a member.
pub fn write_member(out: &mut String, m: &Member) {
    match m {
        Member::Item(it, p) => {
            write_bare(out, it);
            write_params(out, p);
        }
        Member::InnerList(items, p) => {
            out.push('(');
            for (i, (it, ip)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_bare(out, it);
                write_params(out, ip);
            }
            out.push(')');
            write_params(out, p);
        }
    }
}

/// Canonical serialisation of a dictionary.
pub fn write_dictionary(d: &Dictionary) -> String {
    let mut out = String::new();
    for (i, (k, m)) in d.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        match m {
            Member::Item(BareItem::Boolean(true), p) => write_params(&mut out, p),
            _ => {
                out.push('=');
                write_member(&mut out, m);
            }
        }
    }
    out
}

/// Canonical serialisation of a list.
pub fn write_list(l: &[Member]) -> String {
    let mut out = String::new();
    for (i, m) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_member(&mut out, m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionaries_round_trip_canonically() {
        for (input, canon) in [
            (
                r#"sig1=("@method" "@authority";req "content-digest");created=1618884473;keyid="test-key-rsa-pss""#,
                r#"sig1=("@method" "@authority";req "content-digest");created=1618884473;keyid="test-key-rsa-pss""#,
            ),
            ("a=1,   b=?0 ,c", "a=1, b=?0, c"),
            ("a=1.50, b=-0.001, c=2.0", "a=1.5, b=-0.001, c=2.0"),
            (
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
            ),
            ("a=1, a=2", "a=2"),
            (r#"k="a\"b\\c";p;q=tok/en:x"#, r#"k="a\"b\\c";p;q=tok/en:x"#),
            ("", ""),
        ] {
            let d = parse_dictionary(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(write_dictionary(&d), canon, "{input}");
        }
    }

    #[test]
    fn malformed_values_are_refused() {
        for bad in [
            "A=1",
            "a=",
            "a=1,",
            "a=(1 2",
            "a=\"x",
            "a=:!!:",
            "a=1 b=2",
            "a=?2",
            "a=1234567890123456",
            "a=1.2345",
            "a=(1,2)",
            "a=\"\u{e9}\"",
            "a=1;B=2",
        ] {
            assert!(parse_dictionary(bad).is_err(), "{bad}");
        }
        assert!(parse_list("1, 2,").is_err());
        assert!(parse_item("1 2").is_err());
    }

    #[test]
    fn lists_and_items() {
        let l = parse_list(r#"("foo" "bar");lvl=5, "baz";x, 42"#).unwrap();
        assert_eq!(write_list(&l), r#"("foo" "bar");lvl=5, "baz";x, 42"#);
        assert_eq!(
            parse_item("  ?1;a=b ").unwrap(),
            (
                BareItem::Boolean(true),
                vec![("a".into(), BareItem::Token("b".into()))]
            )
        );
    }
}
