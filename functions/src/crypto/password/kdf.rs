//! The one seam under password hashing: PBKDF2-HMAC-SHA256. In the Worker it is WebCrypto
//! (`crypto.subtle.deriveBits`), native code that keeps 100,000 iterations inside a request's
//! CPU budget; on the host (tests, xtask) it is the `pbkdf2` crate. Both compute the same
//! bytes: the host one is checked against RFC 7914's vectors, the Worker one by the end-to-end
//! sign-in with a hash made by Node's `crypto.pbkdf2Sync`.

use thiserror::Error;

#[derive(Debug, Error)]
#[error("password hashing failed: {0}")]
pub struct KdfError(pub String);

#[cfg(not(target_arch = "wasm32"))]
pub async fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 32], KdfError> {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out);
    Ok(out)
}

#[cfg(target_arch = "wasm32")]
pub async fn pbkdf2_sha256(
    password: &[u8],
    salt: &[u8],
    iterations: u32,
) -> Result<[u8; 32], KdfError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let fail = |e: wasm_bindgen::JsValue| KdfError(format!("{e:?}"));
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let subtle = scope.crypto().map_err(fail)?.subtle();
    let usages = js_sys::Array::of1(&"deriveBits".into());
    let key_data = js_sys::Uint8Array::from(password);
    let key = JsFuture::from(
        subtle
            .import_key_with_str("raw", &key_data, "PBKDF2", false, &usages)
            .map_err(fail)?,
    )
    .await
    .map_err(fail)?;
    let params = web_sys::Pbkdf2Params::new(
        "PBKDF2",
        &"SHA-256".into(),
        iterations,
        &js_sys::Uint8Array::from(salt),
    );
    let bits = JsFuture::from(
        subtle
            .derive_bits_with_object(&params, &key.unchecked_into(), 256)
            .map_err(fail)?,
    )
    .await
    .map_err(fail)?;
    let bytes = js_sys::Uint8Array::new(&bits).to_vec();
    bytes
        .try_into()
        .map_err(|_| KdfError("deriveBits returned the wrong length".into()))
}
