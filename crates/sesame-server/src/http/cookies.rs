//! The browser cookies that bind an interaction and a session to one browser. Both are signed
//! with the deployment's cookie key, HttpOnly and SameSite=Lax.

use axum_extra::extract::cookie::{Cookie, SameSite, SignedCookieJar};

pub const INTERACTION: &str = "_interaction";
pub const SESSION: &str = "_session";

pub fn read(jar: &SignedCookieJar, name: &str) -> Option<String> {
    jar.get(name).map(|cookie| cookie.value().to_owned())
}

pub fn set(jar: SignedCookieJar, name: &'static str, value: String, max_age_secs: i64, secure: bool) -> SignedCookieJar {
    let cookie = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build();
    jar.add(cookie)
}

pub fn clear(jar: SignedCookieJar, name: &'static str) -> SignedCookieJar {
    jar.remove(Cookie::build(name).path("/").build())
}
