//! The network side: the webrtc-rs peer connection (`peer`), the RTCP tap that reads what the
//! technician's receiver reports (`rtcp_tap`), the budget for NACK retransmissions
//! (`rtx_budget`) and which of them can still help (`resend_window`), and the once-a-second
//! link statistics (`link_monitor`).

pub(crate) mod link_monitor;
pub(crate) mod peer;
pub(crate) mod resend_window;
pub(crate) mod rtcp_tap;
pub(crate) mod rtx_budget;
pub(crate) mod turn_check;
