//! [`Authenticated`]: the guide's `@authenticated(shouldRedirect, fetchUserInfo)` decorator as
//! an axum extractor. The user type chooses what is loaded (ID-token claims, or a userinfo
//! fetch); the failure type chooses between a redirect to sign-in and a 401.

use std::marker::PhantomData;

use async_trait::async_trait;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use sesame_client::{Error, IdTokenClaims, SesameClient, UserInfo};

use crate::auth::{means_signed_out, AuthError, SesameAuth, SesameSession};

/// What [`Authenticated`] loads for a signed-in user.
///
/// ```
/// use async_trait::async_trait;
/// use sesame_axum::UserSource;
/// use sesame_client::{Error, SesameClient};
///
/// /// Just the user id.
/// struct UserId(String);
///
/// #[async_trait]
/// impl UserSource for UserId {
///     async fn load(client: &SesameClient) -> Result<Self, Error> {
///         Ok(UserId(client.id_token_claims().await?.sub))
///     }
/// }
/// ```
#[async_trait]
pub trait UserSource: Sized + Send + 'static {
    /// Loads the user from a signed-in session's client.
    async fn load(client: &SesameClient) -> Result<Self, Error>;
}

/// The stored ID token's claims (no network; `fetchUserInfo=False`).
#[async_trait]
impl UserSource for IdTokenClaims {
    async fn load(client: &SesameClient) -> Result<Self, Error> {
        client.id_token_claims().await
    }
}

/// A userinfo fetch, refreshing the access token if needed (`fetchUserInfo=True`).
#[async_trait]
impl UserSource for UserInfo {
    async fn load(client: &SesameClient) -> Result<Self, Error> {
        client.fetch_user_info().await
    }
}

/// How [`Authenticated`] answers when nobody is signed in.
///
/// ```
/// use axum::response::{IntoResponse, Response};
/// use sesame_axum::{OnUnauthenticated, SesameAuth};
///
/// /// A plain 403 page.
/// struct Forbidden;
///
/// impl OnUnauthenticated for Forbidden {
///     fn respond(_auth: &SesameAuth) -> Response {
///         (axum::http::StatusCode::FORBIDDEN, "sign in first").into_response()
///     }
/// }
/// ```
pub trait OnUnauthenticated: Send + Sync + 'static {
    /// The response for an unauthenticated request.
    fn respond(auth: &SesameAuth) -> Response;
}

/// Redirect to the sign-in path (`shouldRedirect=True`), for pages.
///
/// ```
/// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
/// use sesame_axum::OnUnauthenticated;
/// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
/// let response = sesame_axum::RedirectToSignIn::respond(&auth);
/// assert_eq!(response.headers()["location"], "/sign-in");
/// # Ok::<(), sesame_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RedirectToSignIn;

impl OnUnauthenticated for RedirectToSignIn {
    fn respond(auth: &SesameAuth) -> Response {
        Redirect::to(auth.sign_in_location()).into_response()
    }
}

/// `401 {"error": "Not authenticated"}` (`shouldRedirect=False`), for JSON endpoints.
///
/// ```
/// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
/// use sesame_axum::OnUnauthenticated;
/// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
/// assert_eq!(sesame_axum::RespondUnauthorized::respond(&auth).status(), 401);
/// # Ok::<(), sesame_client::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RespondUnauthorized;

impl OnUnauthenticated for RespondUnauthorized {
    fn respond(_auth: &SesameAuth) -> Response {
        (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"error": "Not authenticated"}))).into_response()
    }
}

/// A signed-in user, or the request is answered by `F` (a redirect to sign-in by default).
///
/// `U` is [`IdTokenClaims`] (default) or [`UserInfo`] (fetched from the server, like the
/// guide's `fetchUserInfo=True`), or any [`UserSource`]. Failures that mean the session is
/// gone (no ID token, no refresh token, `invalid_grant`) count as unauthenticated; other
/// failures answer `502` through [`AuthError`].
///
/// ```no_run
/// use axum::Json;
/// use sesame_axum::{Authenticated, RespondUnauthorized};
/// use sesame_client::{IdTokenClaims, UserInfo};
///
/// // A page: redirect to /sign-in when signed out, fetch the userinfo.
/// async fn profile(user: Authenticated<UserInfo>) -> String {
///     format!("Hello {:?}", user.user.username)
/// }
///
/// // An API: 401 JSON when signed out, claims from the ID token.
/// async fn me(user: Authenticated<IdTokenClaims, RespondUnauthorized>) -> Json<IdTokenClaims> {
///     Json(user.user)
/// }
/// ```
pub struct Authenticated<U = IdTokenClaims, F = RedirectToSignIn> {
    /// What `U` loaded.
    pub user: U,
    /// The session, e.g. to ask for access tokens.
    pub session: SesameSession,
    on_unauthenticated: PhantomData<fn() -> F>,
}

impl<U: std::fmt::Debug, F> std::fmt::Debug for Authenticated<U, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticated").field("user", &self.user).finish_non_exhaustive()
    }
}

impl<U, F> Authenticated<U, F> {
    /// The client bound to the user's session.
    ///
    /// ```no_run
    /// async fn handler(user: sesame_axum::Authenticated) -> Result<String, sesame_axum::AuthError> {
    ///     Ok(user.client().access_token(Some("https://api.example.com")).await?)
    /// }
    /// ```
    pub fn client(&self) -> &SesameClient {
        self.session.client()
    }
}

impl<S, U, F> FromRequestParts<S> for Authenticated<U, F>
where
    SesameAuth: FromRef<S>,
    S: Send + Sync,
    U: UserSource,
    F: OnUnauthenticated,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = SesameSession::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let signed_in = session.client().is_authenticated().await.map_err(|error| AuthError(error).into_response())?;
        if !signed_in {
            return Err(F::respond(session.auth()));
        }
        match U::load(session.client()).await {
            Ok(user) => Ok(Self { user, session, on_unauthenticated: PhantomData }),
            Err(error) if means_signed_out(&error) => Err(F::respond(session.auth())),
            Err(error) => Err(AuthError(error).into_response()),
        }
    }
}
