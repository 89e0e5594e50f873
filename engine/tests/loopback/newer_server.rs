//! A server newer than this app sends a camera control the app does not know: the app sets
//! it aside as a typed error (logged), nothing panics, and the session goes on (the next
//! control, which it does know, gets its answer). The server here is a stand-in that speaks
//! the protocol's JSON on a loopback socket, as a newer release would (`stand_in`).

use crate::stand_in::{StandIn, engine_with_stand_in, join_and_accept, next_from_customer};
use lens_core::session::SessionState;
use lens_core::signal::{CameraControl, CustomerMessage};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_this_build_does_not_know_is_set_aside_and_the_session_goes_on() {
    let StandIn {
        engine,
        mut from_customer,
        to_customer,
    } = engine_with_stand_in().await;
    let _events = join_and_accept(&engine, "123456", &mut from_customer).await;

    // A control from the future, then one this build knows.
    to_customer
        .send(r#"{"v":1,"type":"camera_control","control":"zoom_in"}"#.into())
        .unwrap();
    to_customer
        .send(r#"{"v":1,"type":"camera_control","control":"switch_camera"}"#.into())
        .unwrap();

    // The unknown one got no answer and changed nothing; the known one is answered (before
    // the technician started there is no video to control).
    match next_from_customer(&mut from_customer).await {
        CustomerMessage::ControlRefused { control, message } => {
            assert_eq!(control, CameraControl::SwitchCamera);
            assert_eq!(message, "The customer's video is not running now");
        }
        other => panic!("expected the refusal of switch_camera, got {other:?}"),
    }
    assert!(
        matches!(engine.state(), SessionState::WaitingForTechnician { .. }),
        "{:?}",
        engine.state()
    );

    // Still in the session: leaving reaches the server.
    engine.leave().unwrap();
    assert_eq!(
        next_from_customer(&mut from_customer).await,
        CustomerMessage::Leave
    );
    engine.shutdown().await;
}
