use thiserror::Error;

/// Why a media operation failed. Messages name the step that failed, so a log line is enough
/// to tell a codec problem from a network one.
#[derive(Debug, Error)]
pub enum MediaError {
    #[error("invalid media configuration: {0}")]
    InvalidConfig(String),

    /// A webrtc-rs call failed; `step` says which one (for example "create offer").
    #[error("WebRTC {step} failed: {source}")]
    WebRtc {
        step: &'static str,
        #[source]
        source: webrtc::error::Error,
    },

    #[error("the answer is not a usable SDP answer: {0}")]
    InvalidAnswer(String),

    #[error("the remote ICE candidate was refused: {0}")]
    InvalidCandidate(String),

    #[error("H.264 encoder: {0}")]
    VideoEncoder(String),

    #[error("Opus codec: {0}")]
    AudioCodec(#[from] opus::Error),

    #[error("audio playback device: {0}")]
    Playback(String),

    #[error("media thread could not be started: {0}")]
    Thread(#[from] std::io::Error),
}

impl MediaError {
    pub(crate) fn webrtc(step: &'static str) -> impl FnOnce(webrtc::error::Error) -> Self {
        move |source| Self::WebRtc { step, source }
    }
}
