//! The HTTP routes and the layers around them: the technician's API, the hand-off API, the
//! customer's join, the console and landing pages, app links and assets.

pub mod admin_api;
pub mod app_links;
pub mod auth;
pub mod collaboration_api;
pub mod console;
pub mod error;
pub mod handoff_api;
pub mod join;
pub mod landing;
pub mod links;
pub mod sessions_api;
pub mod transfer_api;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use lens_core::signal::{CUSTOMER_WS_PATH, JOIN_PATH, TECHNICIAN_WS_PATH};
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::ws;

/// JSON bodies here are a PIN, a name, a password: a few hundred bytes.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(|| async { "ok" }))
        .route("/api/login", post(auth::login))
        .route("/api/logout", post(auth::logout))
        .route("/api/me", get(auth::me))
        .route(
            "/api/sessions",
            post(sessions_api::create).get(sessions_api::list),
        )
        .route("/api/sessions/{id}/log", get(sessions_api::log))
        .route("/api/sessions/{id}/pin", post(sessions_api::replace_pin))
        .route(
            "/api/sessions/{id}/transfer",
            get(transfer_api::targets).post(transfer_api::transfer),
        )
        .route(
            "/api/sessions/{id}/invitations",
            get(collaboration_api::options).post(collaboration_api::invite),
        )
        .route(
            "/api/sessions/{id}/collaborators/{peer}",
            axum::routing::patch(collaboration_api::set_permissions)
                .delete(collaboration_api::remove),
        )
        .route("/api/collaborate/join", post(collaboration_api::redeem))
        .route(
            ws::collaborator::COLLABORATOR_WS_PATH,
            get(ws::collaborator::upgrade),
        )
        .route(
            crate::flow::collaboration::COLLABORATE_PATH,
            get(console::collaborate),
        )
        .route(
            "/api/admin/approved-technicians",
            get(collaboration_api::approved_list).post(collaboration_api::approve),
        )
        .route(
            "/api/admin/approved-technicians/{id}",
            delete(collaboration_api::unapprove),
        )
        .route(
            "/api/admin/groups",
            get(admin_api::list_groups).post(admin_api::create_group),
        )
        .route("/api/admin/groups/{id}", put(admin_api::update_group))
        .route(
            "/api/admin/technicians",
            get(admin_api::list_technicians).post(admin_api::invite_technician),
        )
        .route(
            "/api/admin/technicians/{id}",
            put(admin_api::update_technician),
        )
        .route(JOIN_PATH, post(join::join))
        .route(CUSTOMER_WS_PATH, get(ws::customer::upgrade))
        .route(TECHNICIAN_WS_PATH, get(ws::technician::upgrade))
        .route("/", get(console::root))
        .route("/console", get(console::index))
        .route(console::ASSETS_PATH, get(console::asset))
        .route("/{pin}", get(console::pin_link))
        .nest(handoff_api::PREFIX, handoff_api::router())
        .route(
            app_links::APPLE_PATH,
            get(app_links::apple_app_site_association),
        )
        .route(app_links::ANDROID_PATH, get(app_links::android_asset_links))
        .route(
            crate::http::links::MANUAL_ENTRY_PATH,
            get(crate::http::landing::manual_entry),
        )
        .route("/join/{pin}", get(console::pin_link))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(
            // Spans name the route pattern, never the URI: URIs carry PINs (`/123456`) and
            // customer tokens (`?token=`), which must not reach the logs.
            TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("<no route>", MatchedPath::as_str);
                tracing::info_span!("http", method = %request.method(), route)
            }),
        )
        .with_state(state)
}

/// What a page may load and where it may connect: scripts and styles only from this server
/// (no inline code, so an injected string cannot run), requests and sockets only to this
/// server (an injected script could not send a PIN elsewhere; in current browsers `'self'`
/// covers the same-origin `ws:`/`wss:` console socket), no framing (click-jacking the Start
/// button). Sent with every answer, the API's and error pages included.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src 'self' blob: mediastream:; connect-src 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; form-action 'self'";

/// A year, as HSTS is usually sent; only when the public URL is https.
const HSTS: &str = "max-age=31536000";

async fn security_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Links carry PINs; a page must never pass its address on to another site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    if state.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    // Pages show PINs, the API returns PINs and tokens, redirects carry PINs in their
    // address: none of it may stay in a browser's or a proxy's cache. Only the compiled-in
    // scripts and styles say otherwise (`console::page`).
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
