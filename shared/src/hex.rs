//! Lowercase hex, the spelling of every id, hash and signature we mint. Written by hand rather
//! than with `format!("{:02x}")`, so the widget's Wasm needs no `core::fmt` for it.

pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// The inverse of `encode`, and exactly as strict: lowercase digits only, two per byte. Every
/// other spelling of the same bytes (upper case, a sign, whitespace) is refused, so a token or
/// an id has one spelling and compares as text.
pub fn decode(hex: &str) -> Option<Vec<u8>> {
    fn digit(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decode_is_the_strict_inverse_of_encode() {
        let bytes = [0x00, 0x0f, 0xa0, 0xff];
        assert_eq!(
            super::decode(&super::encode(&bytes)).as_deref(),
            Some(&bytes[..])
        );
        assert_eq!(super::decode(""), Some(vec![]));
        for bad in ["0", "FF", "0F", "+f", "f+", " f", "0g", "ab\n", "éé"] {
            assert_eq!(super::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn two_lowercase_digits_per_byte() {
        assert_eq!(super::encode(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
        assert_eq!(super::encode(&[]), "");
    }
}
