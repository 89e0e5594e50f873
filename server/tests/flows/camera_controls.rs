//! The technician controls the customer's camera from the console (issue 3, part 6): the
//! server relays a control only from the technician who owns the session and only while it
//! is active; the customer's answer (its media state, or why it refused) goes back to that
//! technician, and both land in the session log.

use std::time::Duration;

use crate::common::{Technician, TestServer};
use lens_core::signal::{
    CameraControl, CustomerMessage, PausedBy, ServerToCustomer, ServerToTechnician, SessionStatus,
    TechnicianMessage,
};

fn control(session_id: &str, control: CameraControl) -> TechnicianMessage {
    TechnicianMessage::CameraControl {
        session_id: session_id.to_owned(),
        control,
    }
}

#[tokio::test]
async fn a_pause_reaches_the_customer_and_its_answers_reach_the_technician() {
    let lens = TestServer::start().await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Carla Camera").await;

    console
        .send(&control(&session_id, CameraControl::PauseVideo))
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::CameraControl {
            control: CameraControl::PauseVideo
        }
    );
    customer
        .socket
        .send(&CustomerMessage::MediaState {
            video_paused: true,
            paused_by: Some(PausedBy::Technician),
        })
        .await;
    let state = console
        .recv_until(|m| matches!(m, ServerToTechnician::MediaState { .. }).then_some(m))
        .await;
    assert_eq!(
        state,
        ServerToTechnician::MediaState {
            session_id: session_id.clone(),
            video_paused: true,
            paused_by: Some(PausedBy::Technician),
        }
    );

    console
        .send(&control(&session_id, CameraControl::SwitchCamera))
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::CameraControl {
            control: CameraControl::SwitchCamera
        }
    );
    customer
        .socket
        .send(&CustomerMessage::ControlRefused {
            control: CameraControl::SwitchCamera,
            message: "Switching camera is not supported by a desktop camera".into(),
        })
        .await;
    let refused = console
        .recv_until(|m| matches!(m, ServerToTechnician::ControlRefused { .. }).then_some(m))
        .await;
    assert_eq!(
        refused,
        ServerToTechnician::ControlRefused {
            session_id: session_id.clone(),
            control: CameraControl::SwitchCamera,
            message: "Switching camera is not supported by a desktop camera".into(),
        }
    );

    // The technician reads it all back in the session log.
    let log = tess.events(&session_id).await;
    let controls: Vec<_> = log
        .iter()
        .filter(|(event, _)| event == "camera_control" || event == "control_refused")
        .cloned()
        .collect();
    assert_eq!(
        controls,
        vec![
            ("camera_control".into(), Some("Pause video".into())),
            ("camera_control".into(), Some("Switch camera".into())),
            (
                "control_refused".into(),
                Some("Switch camera: Switching camera is not supported by a desktop camera".into())
            ),
        ]
    );
}

#[tokio::test]
async fn controls_are_refused_unless_the_session_is_the_technicians_and_active() {
    let lens = TestServer::start().await;
    lens.add_technician("otto@example.com", "Otto Other", "another password")
        .await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Wanda Waiting").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;

    // Waiting: nothing is relayed before Start.
    console
        .send(&control(&session_id, CameraControl::PauseVideo))
        .await;
    assert!(console.refusal().await.contains("active session"));

    console.start(&session_id).await;
    assert_eq!(customer.socket.recv().await, ServerToCustomer::start());

    // Another technician cannot even tell that the session exists.
    let otto = Technician::login(&lens.url, "otto@example.com", "another password").await;
    let mut otto_console = otto.console().await;
    otto_console
        .send(&control(&session_id, CameraControl::TorchOn))
        .await;
    assert!(otto_console.refusal().await.contains("no such session"));

    // On hold: the customer's media is stopped, there is no camera to control.
    console
        .send(&TechnicianMessage::Hold {
            session_id: session_id.clone(),
        })
        .await;
    assert_eq!(customer.socket.recv().await, ServerToCustomer::Hold);
    console
        .send(&control(&session_id, CameraControl::ResumeVideo))
        .await;
    assert!(console.refusal().await.contains("active session"));

    // None of it reached the customer.
    let stray = customer.socket.try_recv(Duration::from_millis(300)).await;
    assert!(stray.is_err(), "the customer got {stray:?}");
    let log = tess.events(&session_id).await;
    assert!(
        !log.iter().any(|(event, _)| event == "camera_control"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_control_refusal_before_start_is_not_relayed() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Rita Refuser").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    customer
        .socket
        .send(&CustomerMessage::ControlRefused {
            control: CameraControl::TorchOn,
            message: "no".into(),
        })
        .await;
    let answer = customer.socket.recv().await;
    assert!(
        matches!(&answer, ServerToCustomer::Error { message } if message.contains("not started")),
        "{answer:?}"
    );
    // Whatever the console gets meanwhile (lists), no refusal of a control it never sent.
    while let Ok(message) = console.try_recv(Duration::from_millis(300)).await {
        assert!(
            !matches!(message, ServerToTechnician::ControlRefused { .. }),
            "{message:?}"
        );
    }
}
