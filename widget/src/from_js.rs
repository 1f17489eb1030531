//! Reading JS values into `shared::api`'s types: a small serde `Deserializer` over `JsValue`,
//! used instead of `serde_wasm_bindgen::from_value` for every value the widget reads (replies,
//! stored drafts, `window.Ticketbooth` arguments). Writing still goes through
//! serde-wasm-bindgen's `to_value`.
//!
//! Why, measured (README "Size"): serde-wasm-bindgen builds a message for every error
//! (`Error::custom` formats at once), which keeps serde's `Unexpected` display code in the Wasm,
//! `<f64 as Display>` and its float-printing tables included: ~14 KB brotli of the widget for
//! messages nobody reads (a bad reply is "no answer", a bad stored draft is "no draft"). Here an
//! error carries no message, so none of that code is reachable; the derived `Deserialize`
//! impls, and with them the field names the contract fixes, are the same.

use std::fmt;

use js_sys::{Array, Object};
use serde::de::value::StringDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use wasm_bindgen::{JsCast, JsValue};

/// `value` as a `T`, or `None` when it does not have `T`'s shape.
pub fn from_js<T: DeserializeOwned>(value: JsValue) -> Option<T> {
    T::deserialize(De(value)).ok()
}

/// "Not that shape", deliberately without details (see the module's comment).
#[derive(Debug)]
pub struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid value")
    }
}

impl std::error::Error for Invalid {}

impl de::Error for Invalid {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Invalid
    }
}

struct De(JsValue);

impl<'de> de::Deserializer<'de> for De {
    type Error = Invalid;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        let v = self.0;
        if v.is_null() || v.is_undefined() {
            visitor.visit_unit()
        } else if let Some(b) = v.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = v.as_f64() {
            // JSON numbers are f64; whole ones are offered as integers, which is what a field
            // of an integer type asks for.
            if n.fract() == 0.0 && n >= 0.0 && n < u64::MAX as f64 {
                visitor.visit_u64(n as u64)
            } else if n.fract() == 0.0 && n >= i64::MIN as f64 && n < 0.0 {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
            }
        } else if let Some(s) = v.as_string() {
            visitor.visit_string(s)
        } else if Array::is_array(&v) {
            let array: Array = v.unchecked_into();
            visitor.visit_seq(Seq { array, next: 0 })
        } else if v.is_object() {
            let keys = Object::keys(v.unchecked_ref::<Object>());
            visitor.visit_map(Map {
                object: v,
                keys,
                next: 0,
            })
        } else {
            Err(Invalid)
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if self.0.is_null() || self.0.is_undefined() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    /// Unit variants, as the wire spells them: a string (`"open"`, `"bot"`).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        let name = self.0.as_string().ok_or(Invalid)?;
        let name: StringDeserializer<Invalid> = name.into_deserializer();
        visitor.visit_enum(name)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        visitor.visit_newtype_struct(self)
    }

    // The typed entry points go straight to the one visit method their type accepts, so a
    // derived struct visitor is only ever asked for a map (its sequence form and every other
    // branch of `deserialize_any` are not instantiated for it: measured ~4 KB smaller).

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_bool(self.0.as_bool().ok_or(Invalid)?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_string(self.0.as_string().ok_or(Invalid)?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        self.deserialize_string(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        if !Array::is_array(&self.0) {
            return Err(Invalid);
        }
        let array: Array = self.0.unchecked_into();
        visitor.visit_seq(Seq { array, next: 0 })
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        let v = self.0;
        if !v.is_object() || Array::is_array(&v) {
            return Err(Invalid);
        }
        let keys = Object::keys(v.unchecked_ref::<Object>());
        visitor.visit_map(Map {
            object: v,
            keys,
            next: 0,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Invalid> {
        self.deserialize_map(visitor)
    }

    /// A field the type does not know: skipped, whatever it holds.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Invalid> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct tuple tuple_struct
    }
}

struct Seq {
    array: Array,
    next: u32,
}

impl<'de> SeqAccess<'de> for Seq {
    type Error = Invalid;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Invalid> {
        if self.next >= self.array.length() {
            return Ok(None);
        }
        let item = self.array.get(self.next);
        self.next += 1;
        seed.deserialize(De(item)).map(Some)
    }
}

struct Map {
    object: JsValue,
    keys: Array,
    next: u32,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Invalid;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Invalid> {
        if self.next >= self.keys.length() {
            return Ok(None);
        }
        seed.deserialize(De(self.keys.get(self.next))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Invalid> {
        let key = self.keys.get(self.next);
        self.next += 1;
        let value = js_sys::Reflect::get(&self.object, &key).map_err(|_| Invalid)?;
        seed.deserialize(De(value))
    }
}
