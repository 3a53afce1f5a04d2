//! The sign-in side of an axum app: [`SesameAuth`] (the shared configuration and session
//! store, used as router state), the [`SesameSession`] extractor (this browser's session and a
//! client bound to it), and ready-made handlers for `/sign-in`, `/sign-up`, `/callback` and
//! `/sign-out`.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use axum_extra::extract::cookie::{Cookie, Key, SameSite, SignedCookieJar};
use sesame_client::{CallbackError, Error, InteractionMode, SesameClient, SignInOptions};
use url::Url;

use crate::session::{new_session_id, MemorySessionStore, SessionStorage, SessionStore};

/// The default name of the session cookie (distinct from the server's own `_session`).
///
/// ```
/// assert_eq!(sesame_axum::DEFAULT_COOKIE_NAME, "sesame_app_session");
/// ```
pub const DEFAULT_COOKIE_NAME: &str = "sesame_app_session";

#[derive(Clone)]
struct AuthSettings {
    client: SesameClient,
    sessions: Arc<dyn SessionStore>,
    cookie_key: Key,
    cookie_name: String,
    secure_cookie: bool,
    redirect_uri: Url,
    post_logout_redirect_uri: Option<String>,
    sign_in_path: String,
    sign_up_path: String,
    sign_out_path: String,
    after_sign_in_path: String,
}

/// Sign-in for an axum app: the client, where the server sends users back, and where the
/// sessions live. Cheap to clone; use it as router state (or make it
/// [`FromRef`] of yours).
///
/// ```no_run
/// use axum::Router;
/// use sesame_axum::SesameAuth;
/// use sesame_client::{SesameClient, SesameConfig};
///
/// # fn app() -> Result<Router, sesame_client::Error> {
/// let client = SesameClient::new(SesameConfig::new("http://localhost:3001", "<app id>").app_secret("<secret>"))?;
/// let auth = SesameAuth::new(client, "http://localhost:3000/callback")?
///     .post_logout_redirect_uri("http://localhost:3000/");
/// // GET /sign-in, /sign-up, /callback, /sign-out
/// let app: Router = auth.routes().with_state(auth);
/// # Ok(app)
/// # }
/// ```
#[derive(Clone)]
pub struct SesameAuth {
    settings: Arc<AuthSettings>,
}

impl std::fmt::Debug for SesameAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesameAuth")
            .field("redirect_uri", &self.settings.redirect_uri.as_str())
            .field("cookie_name", &self.settings.cookie_name)
            .finish_non_exhaustive()
    }
}

impl SesameAuth {
    /// Sign-in with `client`, coming back to `redirect_uri` (registered at the server; its path
    /// is where [`routes`](Self::routes) mounts the callback). Sessions are kept in a
    /// [`MemorySessionStore`] behind a cookie signed with a random key; the cookie is `Secure`
    /// when `redirect_uri` is `https`.
    ///
    /// # Errors
    /// [`Error::InvalidUrl`] for a bad `redirect_uri`, [`Error::RandomnessUnavailable`].
    ///
    /// ```
    /// # use sesame_client::{SesameClient, SesameConfig};
    /// let client = SesameClient::new(SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
    /// assert_eq!(auth.redirect_uri(), "http://localhost:3000/callback");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn new(client: SesameClient, redirect_uri: &str) -> Result<Self, Error> {
        let redirect_uri = Url::parse(redirect_uri).map_err(|source| Error::InvalidUrl { url: redirect_uri.to_owned(), source })?;
        let mut key_material = [0_u8; 64];
        aws_lc_rs::rand::fill(&mut key_material).map_err(|_| Error::RandomnessUnavailable)?;
        let settings = AuthSettings {
            client,
            sessions: Arc::new(MemorySessionStore::new()),
            cookie_key: Key::from(&key_material),
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            secure_cookie: redirect_uri.scheme() == "https",
            redirect_uri,
            post_logout_redirect_uri: None,
            sign_in_path: "/sign-in".to_owned(),
            sign_up_path: "/sign-up".to_owned(),
            sign_out_path: "/sign-out".to_owned(),
            after_sign_in_path: "/".to_owned(),
        };
        Ok(Self { settings: Arc::new(settings) })
    }

    fn change(mut self, edit: impl FnOnce(&mut AuthSettings)) -> Self {
        edit(Arc::make_mut(&mut self.settings));
        self
    }

    /// Where the server sends the browser after sign-out (must be registered).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?
    ///     .post_logout_redirect_uri("http://localhost:3000/");
    /// # let _ = auth;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn post_logout_redirect_uri(self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.change(|settings| settings.post_logout_redirect_uri = Some(uri))
    }

    /// The session store (default: a [`MemorySessionStore`]).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?
    ///     .sessions(sesame_axum::MemorySessionStore::new().max_sessions(10_000));
    /// # let _ = auth;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn sessions(self, store: impl SessionStore) -> Self {
        let store: Arc<dyn SessionStore> = Arc::new(store);
        self.change(|settings| settings.sessions = store)
    }

    /// The key that signs the session cookie (default: random per process, which is fine for
    /// the in-memory store; set a stable one with a persistent store).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let key = axum_extra::extract::cookie::Key::from(&[7_u8; 64]);
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?.cookie_key(key);
    /// # let _ = auth;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn cookie_key(self, key: Key) -> Self {
        self.change(|settings| settings.cookie_key = key)
    }

    /// The session cookie's name (default [`DEFAULT_COOKIE_NAME`]).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?.cookie_name("my_app");
    /// # let _ = auth;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn cookie_name(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.change(|settings| settings.cookie_name = name)
    }

    /// Where unauthenticated users are sent, and where [`routes`](Self::routes) mounts sign-in
    /// (default `/sign-in`).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?.sign_in_path("/login");
    /// assert_eq!(auth.sign_in_location(), "/login");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn sign_in_path(self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.change(|settings| settings.sign_in_path = path)
    }

    /// Where the browser lands after a successful callback (default `/`).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?.after_sign_in_path("/dashboard");
    /// # let _ = auth;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    #[must_use]
    pub fn after_sign_in_path(self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.change(|settings| settings.after_sign_in_path = path)
    }

    /// The base client (bound to no user's session; see [`SesameSession::client`]).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
    /// assert_eq!(auth.client().config().app_id, "app");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn client(&self) -> &SesameClient {
        &self.settings.client
    }

    /// The redirect URI sign-ins come back to.
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
    /// assert_eq!(auth.redirect_uri(), "http://localhost:3000/callback");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn redirect_uri(&self) -> &str {
        self.settings.redirect_uri.as_str()
    }

    /// Where unauthenticated users are redirected (the sign-in path).
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
    /// assert_eq!(auth.sign_in_location(), "/sign-in");
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn sign_in_location(&self) -> &str {
        &self.settings.sign_in_path
    }

    /// A router with `GET` sign-in (`/sign-in`), sign-up (`/sign-up`), the callback (the
    /// redirect URI's path) and sign-out (`/sign-out`), for any state `SesameAuth` can be
    /// taken from.
    ///
    /// ```
    /// # let client = sesame_client::SesameClient::new(sesame_client::SesameConfig::new("http://localhost:3001", "app"))?;
    /// let auth = sesame_axum::SesameAuth::new(client, "http://localhost:3000/callback")?;
    /// let app: axum::Router = auth.routes().with_state(auth);
    /// # let _ = app;
    /// # Ok::<(), sesame_client::Error>(())
    /// ```
    pub fn routes<S>(&self) -> Router<S>
    where
        SesameAuth: FromRef<S>,
        S: Clone + Send + Sync + 'static,
    {
        let settings = &self.settings;
        Router::new()
            .route(&settings.sign_in_path, get(sign_in))
            .route(&settings.sign_up_path, get(sign_up))
            .route(settings.redirect_uri.path(), get(callback))
            .route(&settings.sign_out_path, get(sign_out))
    }

    fn session_cookie(&self, session_id: String) -> Cookie<'static> {
        let settings = &self.settings;
        Cookie::build((settings.cookie_name.clone(), session_id))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(settings.secure_cookie)
            .build()
    }
}

/// This browser's session: the id from the signed cookie (or a new one), and a
/// [`SesameClient`] whose storage is that session. Rejects (500) only when no session id can
/// be generated.
///
/// Handlers that may have created the session must return [`cookies`](Self::cookies) in
/// their response so the browser keeps the id.
///
/// ```no_run
/// use axum::response::{IntoResponse, Redirect};
/// use sesame_axum::{AuthError, SesameSession};
///
/// async fn sign_in(session: SesameSession) -> Result<impl IntoResponse, AuthError> {
///     let session = session.restart().await?;
///     let url = session.client().sign_in("http://localhost:3000/callback").await?;
///     Ok((session.cookies(), Redirect::to(&url)))
/// }
/// ```
pub struct SesameSession {
    auth: SesameAuth,
    session_id: String,
    jar: SignedCookieJar,
    client: SesameClient,
}

impl std::fmt::Debug for SesameSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SesameSession").finish_non_exhaustive()
    }
}

impl<S> FromRequestParts<S> for SesameSession
where
    SesameAuth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = SesameAuth::from_ref(state);
        let jar = SignedCookieJar::from_headers(&parts.headers, auth.settings.cookie_key.clone());
        let existing = jar.get(&auth.settings.cookie_name).map(|cookie| cookie.value().to_owned());
        let session_id = match existing.filter(|id| !id.is_empty()) {
            Some(id) => id,
            None => new_session_id()?,
        };
        Ok(SesameSession::open(auth, session_id, jar))
    }
}

impl SesameSession {
    fn open(auth: SesameAuth, session_id: String, jar: SignedCookieJar) -> Self {
        let storage = SessionStorage::new(Arc::clone(&auth.settings.sessions), session_id.clone());
        let client = auth.settings.client.with_storage(storage);
        let jar = jar.add(auth.session_cookie(session_id.clone()));
        Self { auth, session_id, jar, client }
    }

    /// The client bound to this session.
    ///
    /// ```no_run
    /// # async fn handler(session: sesame_axum::SesameSession) -> Result<(), sesame_client::Error> {
    /// if session.client().is_authenticated().await? {
    ///     let claims = session.client().id_token_claims().await?;
    ///     println!("{}", claims.sub);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn client(&self) -> &SesameClient {
        &self.client
    }

    /// The shared configuration.
    ///
    /// ```no_run
    /// # fn handler(session: sesame_axum::SesameSession) {
    /// println!("{}", session.auth().redirect_uri());
    /// # }
    /// ```
    pub fn auth(&self) -> &SesameAuth {
        &self.auth
    }

    /// The cookie update to return with the response (sets the session id).
    ///
    /// ```no_run
    /// # use axum::response::IntoResponse;
    /// async fn handler(session: sesame_axum::SesameSession) -> impl IntoResponse {
    ///     (session.cookies(), "ok")
    /// }
    /// ```
    pub fn cookies(&self) -> SignedCookieJar {
        self.jar.clone()
    }

    /// Forgets this session at the store and starts a fresh one with a new id, so an id planted
    /// in the browser before sign-in never becomes a signed-in session (session fixation).
    ///
    /// # Errors
    /// Storage errors, [`Error::RandomnessUnavailable`].
    ///
    /// ```no_run
    /// # async fn handler(session: sesame_axum::SesameSession) -> Result<(), sesame_client::Error> {
    /// let session = session.restart().await?;
    /// # let _ = session;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn restart(self) -> Result<Self, Error> {
        self.auth.settings.sessions.destroy(&self.session_id).await?;
        let session_id = new_session_id()?;
        Ok(Self::open(self.auth, session_id, self.jar))
    }

    /// Forgets this session at the store and returns the cookie removal.
    ///
    /// # Errors
    /// Storage errors.
    ///
    /// ```no_run
    /// # use axum::response::IntoResponse;
    /// async fn handler(session: sesame_axum::SesameSession) -> Result<impl IntoResponse, sesame_client::Error> {
    ///     let cookies = session.end().await?;
    ///     Ok((cookies, "signed out"))
    /// }
    /// ```
    pub async fn end(self) -> Result<SignedCookieJar, Error> {
        self.auth.settings.sessions.destroy(&self.session_id).await?;
        Ok(self.jar.remove(Cookie::build(self.auth.settings.cookie_name.clone()).path("/")))
    }

    /// The callback URL the client checks: the configured redirect URI with this request's
    /// query (the route already fixed the path; proxies may have rewritten it).
    fn callback_url(&self, request_query: Option<&str>) -> String {
        let mut url = self.auth.settings.redirect_uri.clone();
        url.set_query(request_query);
        url.into()
    }
}

/// A sign-in handler failure, answered as a short HTML-escaped page: `400` for a refused
/// callback, `500` for storage failures, `502` when the identity server failed.
///
/// ```
/// use axum::response::IntoResponse;
/// let response = sesame_axum::AuthError::from(sesame_client::Error::NotAuthenticated).into_response();
/// assert_eq!(response.status(), 502);
/// ```
#[derive(Debug)]
pub struct AuthError(pub Error);

impl From<Error> for AuthError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            Error::Callback(_) => StatusCode::BAD_REQUEST,
            Error::Storage(_) | Error::RandomnessUnavailable => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_GATEWAY,
        };
        let body = format!("<h2>Error</h2>{}", crate::html_escape(&self.0.to_string()));
        (status, axum::response::Html(body)).into_response()
    }
}

async fn start_sign_in(session: SesameSession, mode: Option<InteractionMode>) -> Result<Response, AuthError> {
    let session = session.restart().await?;
    let mut options = SignInOptions::new(session.auth.redirect_uri());
    if let Some(mode) = mode {
        options = options.interaction_mode(mode);
    }
    let url = session.client().sign_in(options).await?;
    Ok((session.cookies(), Redirect::to(&url)).into_response())
}

/// `GET /sign-in`: a fresh session, then a redirect to the server's sign-in page.
///
/// # Errors
/// [`AuthError`] when discovery or storage fails.
///
/// ```no_run
/// # let auth: sesame_axum::SesameAuth = todo!();
/// let app: axum::Router = axum::Router::new()
///     .route("/login", axum::routing::get(sesame_axum::sign_in))
///     .with_state(auth);
/// ```
pub async fn sign_in(session: SesameSession) -> Result<Response, AuthError> {
    start_sign_in(session, None).await
}

/// `GET /sign-up`: as [`sign_in`], opening the registration page (`interaction_mode=signUp`).
///
/// # Errors
/// [`AuthError`] when discovery or storage fails.
///
/// ```no_run
/// # let auth: sesame_axum::SesameAuth = todo!();
/// let app: axum::Router = axum::Router::new()
///     .route("/register", axum::routing::get(sesame_axum::sign_up))
///     .with_state(auth);
/// ```
pub async fn sign_up(session: SesameSession) -> Result<Response, AuthError> {
    start_sign_in(session, Some(InteractionMode::SignUp)).await
}

/// The callback route: redeems the code, then redirects to the after-sign-in path.
///
/// # Errors
/// [`AuthError`] (400 for a refused callback such as a state mismatch or `error=`).
///
/// ```no_run
/// # let auth: sesame_axum::SesameAuth = todo!();
/// let app: axum::Router = axum::Router::new()
///     .route("/callback", axum::routing::get(sesame_axum::callback))
///     .with_state(auth);
/// ```
pub async fn callback(session: SesameSession, OriginalUri(uri): OriginalUri) -> Result<Response, AuthError> {
    let callback_url = session.callback_url(uri.query());
    session.client().handle_sign_in_callback(&callback_url).await?;
    Ok((session.cookies(), Redirect::to(&session.auth.settings.after_sign_in_path)).into_response())
}

/// `GET /sign-out`: forgets the session and redirects to the server's end-session endpoint,
/// which returns the browser to the post-logout redirect URI.
///
/// # Errors
/// [`AuthError`] when discovery or storage fails.
///
/// ```no_run
/// # let auth: sesame_axum::SesameAuth = todo!();
/// let app: axum::Router = axum::Router::new()
///     .route("/logout", axum::routing::get(sesame_axum::sign_out))
///     .with_state(auth);
/// ```
pub async fn sign_out(session: SesameSession) -> Result<Response, AuthError> {
    let post_logout = session.auth.settings.post_logout_redirect_uri.clone();
    let url = session.client().sign_out(post_logout.as_deref()).await?;
    let cookies = session.end().await?;
    Ok((cookies, Redirect::to(&url)).into_response())
}

/// Whether a failure means "nobody is (still) signed in" rather than "something broke".
pub(crate) fn means_signed_out(error: &Error) -> bool {
    match error {
        Error::NotAuthenticated | Error::NoRefreshToken => true,
        Error::OAuth(oauth) => oauth.error == "invalid_grant",
        Error::Callback(CallbackError::NoSignInSession) => true,
        _ => false,
    }
}
