use super::*;

#[test]
fn round_trip_carries_the_version() {
    let text = encode(&CustomerMessage::Offer {
        sdp: "v=0".into(),
        ice_restart: false,
    });
    assert!(text.contains("\"v\":1"), "{text}");
    assert_eq!(
        decode::<CustomerMessage>(&text),
        Ok(CustomerMessage::Offer {
            sdp: "v=0".into(),
            ice_restart: false
        })
    );
}

#[test]
fn unknown_fields_are_tolerated() {
    let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"start","future":"field"}"#);
    assert_eq!(m, Ok(ServerToCustomer::start()));
}

#[test]
fn unknown_type_is_a_typed_error() {
    let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"teleport"}"#);
    assert_eq!(m, Err(SignalError::UnknownType("teleport".into())));
}

#[test]
fn known_type_with_bad_fields_is_not_unknown() {
    let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"answer"}"#);
    assert!(matches!(m, Err(SignalError::InvalidFields { .. })), "{m:?}");
}

#[test]
fn oversized_message_is_refused_before_parsing() {
    let sdp = "a".repeat(MAX_MESSAGE_BYTES);
    let text = encode(&CustomerMessage::Offer {
        sdp,
        ice_restart: false,
    });
    assert!(matches!(
        decode::<CustomerMessage>(&text),
        Err(SignalError::TooLarge { .. })
    ));
}

#[test]
fn other_versions_are_refused() {
    let m = decode::<ServerToCustomer>(r#"{"v":2,"type":"start"}"#);
    assert_eq!(m, Err(SignalError::UnsupportedVersion(2)));
}

#[test]
fn garbage_is_malformed() {
    assert!(matches!(
        decode::<ServerToCustomer>("[1,2"),
        Err(SignalError::Malformed(_))
    ));
    assert!(matches!(
        decode::<ServerToCustomer>("42"),
        Err(SignalError::Malformed(_))
    ));
}

#[test]
fn hold_and_the_new_statuses_have_their_wire_names() {
    assert_eq!(
        decode::<ServerToCustomer>(r#"{"v":1,"type":"hold"}"#),
        Ok(ServerToCustomer::Hold)
    );
    let hold = decode::<TechnicianMessage>(r#"{"v":1,"type":"hold","session_id":"s"}"#);
    assert_eq!(
        hold,
        Ok(TechnicianMessage::Hold {
            session_id: "s".into()
        })
    );
    assert_eq!(
        serde_json::to_value(SessionStatus::OnHold).unwrap(),
        "on_hold"
    );
    assert_eq!(
        serde_json::to_value(SessionStatus::TimedOut).unwrap(),
        "timed_out"
    );
    assert_eq!(
        serde_json::to_value(EndReason::IdleTimedOut).unwrap(),
        "idle_timed_out"
    );
}

#[test]
fn a_device_problem_crosses_in_snake_case() {
    let m = CustomerMessage::DeviceProblem {
        device: Device::Camera,
        problem: DeviceProblem::Busy,
        detail: "Device or resource busy".into(),
    };
    let text = encode(&m);
    assert!(
        text.contains(r#""type":"device_problem""#) && text.contains(r#""problem":"busy""#),
        "{text}"
    );
    assert_eq!(decode::<CustomerMessage>(&text), Ok(m));
    assert_eq!(
        DeviceProblem::PermissionDenied.describe(Device::Microphone),
        "The customer's system refused access to the microphone"
    );
}

#[test]
fn the_paused_notice_round_trips() {
    let paused = CustomerMessage::MediaState {
        video_paused: true,
        paused_by: Some(PausedBy::Customer),
    };
    let text = encode(&paused);
    assert!(
        text.contains(r#""type":"media_state""#) && text.contains(r#""video_paused":true"#),
        "{text}"
    );
    assert!(text.contains(r#""paused_by":"customer""#), "{text}");
    assert_eq!(decode::<CustomerMessage>(&text), Ok(paused));
    // An app from before `paused_by` is still understood.
    let older = decode::<CustomerMessage>(r#"{"v":1,"type":"media_state","video_paused":false}"#);
    assert_eq!(
        older,
        Ok(CustomerMessage::MediaState {
            video_paused: false,
            paused_by: None
        })
    );
}

#[test]
fn camera_controls_cross_in_snake_case_each_way() {
    let asked = decode::<TechnicianMessage>(
        r#"{"v":1,"type":"camera_control","session_id":"s","control":"torch_on"}"#,
    );
    assert_eq!(
        asked,
        Ok(TechnicianMessage::CameraControl {
            session_id: "s".into(),
            control: CameraControl::TorchOn
        })
    );
    let relayed = encode(&ServerToCustomer::CameraControl {
        control: CameraControl::PauseVideo,
    });
    assert!(
        relayed.contains(r#""type":"camera_control""#)
            && relayed.contains(r#""control":"pause_video""#),
        "{relayed}"
    );
    let refused = CustomerMessage::ControlRefused {
        control: CameraControl::SwitchCamera,
        message: "Switching camera is not supported".into(),
    };
    let text = encode(&refused);
    assert!(
        text.contains(r#""type":"control_refused""#)
            && text.contains(r#""control":"switch_camera""#),
        "{text}"
    );
    assert_eq!(decode::<CustomerMessage>(&text), Ok(refused));
    let to_console = encode(&ServerToTechnician::ControlRefused {
        session_id: "s".into(),
        control: CameraControl::ResumeVideo,
        message: "m".into(),
    });
    assert!(
        to_console.contains(r#""type":"control_refused""#),
        "{to_console}"
    );
    for control in [
        CameraControl::PauseVideo,
        CameraControl::ResumeVideo,
        CameraControl::SwitchCamera,
        CameraControl::TorchOn,
        CameraControl::TorchOff,
    ] {
        assert_eq!(serde_json::to_value(control).unwrap(), control.name());
    }
}

#[test]
fn a_control_from_a_newer_server_is_a_typed_error_not_an_unknown_type() {
    let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"camera_control","control":"zoom_in"}"#);
    assert!(
        matches!(&m, Err(SignalError::InvalidFields { kind, .. }) if kind == "camera_control"),
        "{m:?}"
    );
}

#[test]
fn candidate_uses_browser_field_names() {
    let c = IceCandidate {
        candidate: "candidate:1".into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    };
    let text = serde_json::to_string(&c).unwrap();
    assert!(
        text.contains("sdpMid") && text.contains("sdpMLineIndex"),
        "{text}"
    );
}

#[test]
fn statuses_and_end_reasons_read_back_by_their_wire_names() {
    for &status in SessionStatus::ALL {
        let json = serde_json::to_value(status).unwrap();
        assert_eq!(json, status.as_str());
        assert_eq!(
            serde_json::from_value::<SessionStatus>(json).ok(),
            Some(status)
        );
        assert_eq!(status.as_str().parse(), Ok(status));
    }
    for &reason in EndReason::ALL {
        let json = serde_json::to_value(reason).unwrap();
        assert_eq!(json, reason.as_str());
        assert_eq!(serde_json::from_value::<EndReason>(json).ok(), Some(reason));
        assert_eq!(reason.as_str().parse(), Ok(reason));
    }
    assert_eq!(
        EndReason::PinReplaced.as_str(),
        "pin_replaced",
        "the console and the database know it by this name"
    );
    assert!(serde_json::from_str::<EndReason>(r#""lost_in_space""#).is_err());
    assert!("lost_in_space".parse::<SessionStatus>().is_err());
}
