//! Errors of the JSON API, as `{"error": "<code>", "message": "<sentence>"}` with a fitting
//! status. Internal errors are logged here and never shown in detail to the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::flow::sessions::{self, FlowError};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For a 403: the permission that was missing (see `access.rs`).
    pub permission: Option<&'static str>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    permission: Option<&'a str>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            permission: None,
        }
    }

    /// Names the permission a 403 is about.
    pub fn with_permission(mut self, permission: &'static str) -> ApiError {
        self.permission = Some(permission);
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A refusal of the session flow is a conflict with the session's state: `code` names
    /// the request's usual one, and a session that is over is always `already_ended`.
    pub fn conflict(error: FlowError, code: &'static str) -> ApiError {
        match error {
            FlowError::Refused(message) if message == sessions::ALREADY_OVER => {
                ApiError::new(StatusCode::CONFLICT, "already_ended", message)
            }
            FlowError::Refused(message) => ApiError::new(StatusCode::CONFLICT, code, message),
            FlowError::Internal(error) => error.into(),
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign in to the Lens console first.",
        )
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> ApiError {
        tracing::error!(error = format!("{error:#}"), "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on the server.",
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> ApiError {
        anyhow::Error::from(error).into()
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
        ApiError::new(rejection.status(), "bad_request", rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(Body {
                error: self.code,
                message: &self.message,
                permission: self.permission,
            }),
        )
            .into_response()
    }
}
