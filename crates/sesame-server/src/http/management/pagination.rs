//! Logto's pagination: `page` (1-based) and `page_size` (≤ 100) in, `Total-Number` and RFC 8288
//! `Link` headers out.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sesame_core::error::{codes, ApiError};
use sesame_core::model::{Listing, Page};

use crate::http::error::ApiErrorResponse;
use crate::AppState;

const DEFAULT_PAGE_SIZE: u64 = 20;
const MAX_PAGE_SIZE: u64 = 100;

pub struct PageQuery {
    pub page: u64,
    pub page_size: u64,
    /// The request's path and other query parameters, for building `Link`s.
    base: String,
    others: Vec<(String, String)>,
}

impl PageQuery {
    pub fn window(&self) -> Page {
        Page { offset: (self.page - 1) * self.page_size, limit: self.page_size }
    }

    fn link(&self, page: u64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(&self.others);
        query.append_pair("page", &page.to_string()).append_pair("page_size", &self.page_size.to_string());
        format!("{}?{}", self.base, query.finish())
    }
}

fn invalid_pagination() -> ApiErrorResponse {
    ApiError::new(400, codes::GUARD_INVALID_PAGINATION, "Invalid pagination value.").into()
}

impl FromRequestParts<AppState> for PageQuery {
    type Rejection = ApiErrorResponse;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let uri = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()).into_owned().collect();
        let number = |name: &str, default: u64| -> Result<u64, ApiErrorResponse> {
            match pairs.iter().find(|(key, _)| key == name) {
                None => Ok(default),
                Some((_, value)) => value.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(invalid_pagination),
            }
        };
        let page = number("page", 1)?;
        let page_size = number("page_size", DEFAULT_PAGE_SIZE)?;
        if page_size > MAX_PAGE_SIZE || page > u64::MAX / MAX_PAGE_SIZE {
            return Err(invalid_pagination());
        }
        let others = pairs.into_iter().filter(|(key, _)| key != "page" && key != "page_size").collect();
        Ok(Self { page, page_size, base: format!("{}{}", state.provider.endpoint, uri.path()), others })
    }
}

/// A JSON list with `Total-Number` and `Link` headers.
pub fn paginated<T: Serialize>(query: &PageQuery, listing: Listing<T>) -> Response {
    let last = listing.total.div_ceil(query.page_size).max(1);
    let mut links = vec![format!("<{}>; rel=\"first\"", query.link(1))];
    if query.page > 1 {
        links.push(format!("<{}>; rel=\"prev\"", query.link(query.page - 1)));
    }
    if query.page < last {
        links.push(format!("<{}>; rel=\"next\"", query.link(query.page + 1)));
    }
    links.push(format!("<{}>; rel=\"last\"", query.link(last)));
    let mut response = Json(listing.items).into_response();
    let headers = response.headers_mut();
    headers.insert(HeaderName::from_static("total-number"), HeaderValue::from(listing.total));
    if let Ok(value) = HeaderValue::from_str(&links.join(", ")) {
        headers.insert(axum::http::header::LINK, value);
    }
    response
}
