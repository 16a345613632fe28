//! Pagination on the wire: `limit` and `after` in, `Link` headers out.
//!
//! `rel="self"` comes first and `rel="next"` last, in separate headers, in Okta's order (the
//! Python SDK keeps only the last `Link` header, so `next` must be it).

use axum::http::header::{HeaderMap, HeaderValue, LINK};
use store::PageKey;

use super::error::ApiError;

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<PageKey>,
}

impl PageRequest {
    /// Parses `limit` (1..=max, default `default`) and the opaque `after` cursor.
    pub fn parse(
        limit: Option<&str>,
        after: Option<&str>,
        default: u32,
        max: u32,
    ) -> Result<Self, ApiError> {
        let limit = match limit.map(str::trim).filter(|s| !s.is_empty()) {
            None => default,
            Some(text) => match text.parse::<i64>() {
                Ok(n) if n >= 1 => u32::try_from(n.min(i64::from(max))).unwrap_or(max),
                Ok(_) => {
                    return Err(ApiError::InvalidPaging(
                        "limit: must be a positive number".into(),
                    ))
                }
                Err(_) => {
                    return Err(ApiError::InvalidPaging("limit: must be a number".into()));
                }
            },
        };
        let after = match after.filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(
                PageKey::decode(text)
                    .ok_or_else(|| ApiError::InvalidPaging("after: invalid cursor".into()))?,
            ),
        };
        Ok(Self { limit, after })
    }
}

/// Writes `Link` headers: self (the request as made) and next (when `next` is set).
/// `query` holds the list's own parameters (without `after`), already in request order.
pub fn link_headers(
    headers: &mut HeaderMap,
    base_href: &str,
    query: &[(&str, String)],
    after: Option<&str>,
    next: Option<&str>,
) {
    let href = |cursor: Option<&str>| {
        let mut params: Vec<String> = query
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
            .collect();
        if let Some(c) = cursor {
            params.push(format!("after={}", urlencoding::encode(c)));
        }
        if params.is_empty() {
            base_href.to_owned()
        } else {
            format!("{base_href}?{}", params.join("&"))
        }
    };
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"self\"", href(after))) {
        headers.append(LINK, v);
    }
    if let Some(cursor) = next {
        if let Ok(v) = HeaderValue::from_str(&format!("<{}>; rel=\"next\"", href(Some(cursor)))) {
            headers.append(LINK, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_defaults_and_caps() {
        assert_eq!(PageRequest::parse(None, None, 200, 200).unwrap().limit, 200);
        assert_eq!(
            PageRequest::parse(Some("500"), None, 200, 200)
                .unwrap()
                .limit,
            200
        );
        assert_eq!(
            PageRequest::parse(Some("7"), None, 200, 200).unwrap().limit,
            7
        );
    }

    #[test]
    fn bad_limit_or_cursor_is_e0000029() {
        for (limit, after) in [
            (Some("0"), None),
            (Some("-1"), None),
            (Some("ten"), None),
            (None, Some("%%%")),
        ] {
            let err = PageRequest::parse(limit, after, 200, 200).unwrap_err();
            assert_eq!(err.parts().0, "E0000029");
        }
    }

    #[test]
    fn self_first_next_last() {
        let mut h = HeaderMap::new();
        link_headers(
            &mut h,
            "https://x/api/v1/users",
            &[("limit", "2".into())],
            None,
            Some("abc"),
        );
        let links: Vec<_> = h
            .get_all(LINK)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            links,
            vec![
                "<https://x/api/v1/users?limit=2>; rel=\"self\"".to_owned(),
                "<https://x/api/v1/users?limit=2&after=abc>; rel=\"next\"".to_owned(),
            ]
        );
    }
}
