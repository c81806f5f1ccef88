//! The keys JWT authorizers check signatures with: a JWKS document
//! (`{"keys": [...]}`, RFC 7517) given as `serve --jwks FILE`. API Gateway
//! fetches it from the issuer (`{issuer}/.well-known/openid-configuration`
//! → `jwks_uri`); the runner stays offline, so the file stands in for it.

use std::path::Path;

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::Value;

use crate::files;

/// A JWKS document is a few keys (a Cognito pool's two are 1 KiB); more
/// than 1 MiB is not one.
pub const MAX_JWKS_BYTES: u64 = 1024 * 1024;

/// The RSA signing keys of a JWKS document, by `kid`.
pub struct Jwks {
    keys: Vec<SigningKey>,
}

/// One RSA signing key of the document.
pub struct SigningKey {
    kid: String,
    pub key: DecodingKey,
    /// The JWK's `alg` (RFC 7517 4.4: the algorithm "intended for use with
    /// the key"): a token naming another is not checked with it. `None`:
    /// the JWK does not say, any RSA-based one.
    pub alg: Option<Algorithm>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks").field("kids", &self.kids()).finish()
    }
}

impl Jwks {
    pub fn load(path: &Path) -> Result<Jwks, String> {
        let text = files::read_bounded(path, MAX_JWKS_BYTES)?;
        Jwks::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Keeps the RSA keys with a `kid` (a token names its key by `kid`) not
    /// marked for encryption (`"use": "enc"`, or an `alg` that is not an RSA
    /// signature's, like `RSA-OAEP`); ignores other key types, as an issuer
    /// may publish them too. No usable key at all is an error.
    pub fn parse(text: &str) -> Result<Jwks, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let listed = doc.get("keys").and_then(Value::as_array).ok_or(r#"not a JWKS document ({"keys": [...]})"#)?;
        let mut keys = Vec::new();
        for (i, key) in listed.iter().enumerate() {
            let field = |name: &str| key.get(name).and_then(Value::as_str);
            if field("kty") != Some("RSA") || field("use") == Some("enc") {
                continue;
            }
            let Some(kid) = field("kid") else { continue };
            let alg = match field("alg") {
                None => None,
                Some(name) => match name.parse::<Algorithm>() {
                    Ok(alg) if alg.family() == AlgorithmFamily::Rsa => Some(alg),
                    _ => continue,
                },
            };
            let (Some(n), Some(e)) = (field("n"), field("e")) else {
                return Err(format!("key {i} (kid {kid:?}) lacks its modulus n or exponent e"));
            };
            let decoding = DecodingKey::from_rsa_components(n, e)
                .map_err(|err| format!("key {i} (kid {kid:?}): n and e must be base64url: {err}"))?;
            keys.push(SigningKey { kid: kid.to_owned(), key: decoding, alg });
        }
        if keys.is_empty() {
            return Err("no RSA signing key with a kid in its keys".into());
        }
        Ok(Jwks { keys })
    }

    /// The key a token's `kid` names.
    pub fn key(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|key| key.kid.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_rsa_signing_keys_with_a_kid() {
        let doc = r#"{"keys": [
            {"kty": "RSA", "kid": "one", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "kid": "ps", "alg": "PS384", "n": "AQAB", "e": "AQAB"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}
        ]}"#;
        let jwks = Jwks::parse(doc).unwrap();
        assert_eq!(jwks.kids(), ["one", "ps"]);
        assert_eq!(jwks.key("one").map(|k| k.alg), Some(None));
        assert_eq!(jwks.key("ps").map(|k| k.alg), Some(Some(Algorithm::PS384)));
        assert!(jwks.key("enc").is_none());
    }

    #[test]
    fn bad_documents_are_errors_not_panics() {
        let cases = [
            ("", "not JSON"),
            ("[]", "not a JWKS document"),
            (r#"{"keys": {}}"#, "not a JWKS document"),
            (r#"{"keys": []}"#, "no RSA signing key"),
            (r#"{"keys": [{"kty": "EC", "kid": "x"}]}"#, "no RSA signing key"),
            (r#"{"keys": [{"kty": "RSA", "kid": "x", "e": "AQAB"}]}"#, "lacks its modulus"),
            (r#"{"keys": [{"kty": "RSA", "kid": "x", "n": "!!", "e": "AQAB"}]}"#, "base64url"),
        ];
        for (doc, expected) in cases {
            let e = Jwks::parse(doc).unwrap_err();
            assert!(e.contains(expected), "{doc}: {e}");
        }
        let missing = Jwks::load(Path::new("/nonexistent/jwks.json")).unwrap_err();
        assert!(missing.contains("cannot read /nonexistent/jwks.json"), "{missing}");
    }
}
