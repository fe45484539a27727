//! Integer fields as JSON Schema counts them: `5` and `5.0` are both the
//! integer 5 (a number with no fraction), so a client whose JSON library
//! writes every number as a float is not refused. Anything with a fraction,
//! or out of the field's range, is.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Big(u64),
    Float(f64),
}

fn whole<'de, D: Deserializer<'de>, T: TryFrom<i64>>(n: Number) -> Result<T, D::Error> {
    use serde::de::Error;
    let i = match n {
        Number::Int(i) => i,
        Number::Big(b) => return Err(D::Error::custom(format!("{b} is too large"))),
        Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
        Number::Float(f) => {
            return Err(D::Error::custom(format!("{f} is not an integer")));
        }
    };
    T::try_from(i).map_err(|_| D::Error::custom(format!("{i} is out of range")))
}

/// An integer.
pub fn int<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<T, D::Error> {
    whole::<D, T>(Number::deserialize(d)?)
}

/// An integer or null/absent.
pub fn opt<'de, D: Deserializer<'de>, T: TryFrom<i64>>(d: D) -> Result<Option<T>, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => whole::<D, T>(n).map(Some),
    }
}

/// A field that, when present, is an integer or null (which clears it):
/// absent is `None`, null is `Some(None)`.
pub fn present<'de, D: Deserializer<'de>, T: TryFrom<i64>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    opt(d).map(Some)
}

/// Any field that, when present, is a value or null (which clears it):
/// absent is `None` (with `#[serde(default)]`), null is `Some(None)`.
pub fn present_value<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A field that may be absent but, when present, is not null: absent is
/// `None` (with `#[serde(default)]`); null is refused.
pub fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug)]
    struct X {
        #[serde(deserialize_with = "super::int")]
        a: u32,
        #[serde(default, deserialize_with = "super::opt")]
        b: Option<i64>,
        #[serde(default, deserialize_with = "super::present")]
        c: Option<Option<u32>>,
    }

    #[test]
    fn whole_floats_are_integers_and_nothing_else_is() {
        let x: X = serde_json::from_str(r#"{"a": 5.0, "b": -3, "c": null}"#).unwrap();
        assert_eq!((x.a, x.b, x.c), (5, Some(-3), Some(None)));
        let x: X = serde_json::from_str(r#"{"a": 5}"#).unwrap();
        assert_eq!((x.b, x.c), (None, None));
        for bad in [
            r#"{"a": 5.5}"#,
            r#"{"a": -1}"#,
            r#"{"a": 1e20}"#,
            r#"{"a": "5"}"#,
            r#"{"a": 5, "c": 4294967296}"#,
            r#"{"a": 18446744073709551615}"#,
        ] {
            assert!(serde_json::from_str::<X>(bad).is_err(), "{bad}");
        }
    }
}
