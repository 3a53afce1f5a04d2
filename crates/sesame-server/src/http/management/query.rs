//! Reading list filters from the raw query string, so odd input (repeated keys, bad
//! encodings) can never turn into a rejection outside Logto's error shape.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use sesame_core::model::{Listing, Page};

use super::{paginated, PageQuery};

/// The first value of `name`.
pub fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// Logto's optional pagination: without `page` and `page_size`, the whole list.
pub fn is_paged(query: Option<&str>) -> bool {
    query_value(query, "page").is_some() || query_value(query, "page_size").is_some()
}

/// The window to read for an optionally paginated route.
pub fn optional_window(page: &PageQuery, query: Option<&str>) -> Page {
    if is_paged(query) {
        page.window()
    } else {
        Page::ALL
    }
}

/// The response of an optionally paginated route: headers only when paginated.
pub fn optionally_paginated<T: Serialize>(page: &PageQuery, query: Option<&str>, listing: Listing<T>) -> Response {
    if is_paged(query) {
        paginated(page, listing)
    } else {
        Json(listing.items).into_response()
    }
}
