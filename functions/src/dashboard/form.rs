//! Reading the dashboard's form posts: `application/x-www-form-urlencoded` bodies into a struct.

use serde::de::DeserializeOwned;

use crate::http::error::ApiError;
use crate::http::{Body, Request};

/// The form in `req`'s body, or the 415/413/400 that refuses it.
pub fn parse<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let content_type = req.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let Body::Bytes(bytes) = &req.body else {
        return Err(ApiError::PayloadTooLarge);
    };
    serde_urlencoded::from_bytes(bytes).map_err(|e| ApiError::MalformedJson(e.to_string()))
}
