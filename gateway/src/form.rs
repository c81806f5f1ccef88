//! `application/x-www-form-urlencoded` decoding, for query strings and form bodies.

/// Decodes `a=1&b=x+y` into pairs in order. `None` if a percent-escape does
/// not decode to UTF-8.
pub fn decode_pairs(input: &str) -> Option<Vec<(String, String)>> {
    input
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            Some((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

fn decode_component(input: &str) -> Option<String> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push(hex(bytes[i + 1])? << 4 | hex(bytes[i + 2])?);
                i += 2;
            }
            // A lone `%` stays as it is, as browsers and API Gateway leave it.
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::decode_pairs;

    fn pairs(input: &str) -> Vec<(String, String)> {
        decode_pairs(input).unwrap()
    }

    #[test]
    fn decodes_plus_percent_and_bare_names() {
        assert_eq!(
            pairs("a=1+2&b=%E4%BD%A0&c"),
            [("a".into(), "1 2".into()), ("b".into(), "你".into()), ("c".into(), String::new())]
        );
    }

    #[test]
    fn keeps_a_lone_percent_and_rejects_bad_utf8() {
        assert_eq!(pairs("a=100%&b=%zz"), [("a".into(), "100%".into()), ("b".into(), "%zz".into())]);
        assert_eq!(decode_pairs("a=%FF"), None);
    }
}
