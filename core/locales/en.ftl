# The customer app's words, English (the fallback for every other language).
# Every id here must exist in de.ftl and nl.ftl too: core/src/l10n/tests.rs checks it.

## Tutorial (first start)
tutorial-1-title = Show your technician the problem
tutorial-1-body = Point your phone's camera at the router, boiler or machine. Your technician sees it live and talks with you.
tutorial-2-title = You need a PIN or a link
tutorial-2-body = Your technician gives you a six-digit PIN or sends you a link by e-mail or text message.
tutorial-3-title = You stay in control
tutorial-3-body = Nothing is sent until you accept the licence agreement and your technician starts the session. You can mute, pause the video or leave at any time.
tutorial-skip = Skip
tutorial-next = Next
tutorial-ok = OK
tutorial-progress = Step { $step } of { $steps }

## Permissions
permissions-title = Camera and microphone
permissions-body = Lens uses the camera so that your technician can see the problem, and the microphone so that you can talk. Your phone asks you next: tap OK.
permissions-allow = Continue
permissions-refused-title = Lens cannot use the camera
permissions-refused-camera-body = Without the camera your technician cannot see the problem. Allow the camera in the settings, then try again.
permissions-refused-microphone-title = Lens cannot use the microphone
permissions-refused-microphone-body = Without the microphone your technician cannot hear you. Allow the microphone in the settings, or join without it.
permissions-refused-microphone-required-body = Without the microphone your technician cannot hear you. Allow the microphone in the settings, then try again.
permissions-open-settings = Open settings
permissions-try-again = Try again
permissions-without-microphone = Join without microphone

## Enter PIN
enter-pin-title = Join a session
enter-pin-organisation = Support by { $organisation }
enter-pin-prompt = Enter the six-digit PIN your technician gave you.
enter-pin-join = Join

## Join input problems (one per JoinInputError)
join-error-empty = Please enter the six-digit code your technician gave you.
join-error-too-long = That is too long to be a code or a session link.
join-error-wrong-length = { $found ->
    [one] The code has six digits; this one has { $found }.
   *[other] The code has six digits; this one has { $found }.
}
join-error-not-digits = The code can contain only digits, for example 123 456.
join-error-unknown-host = This link is for { $host }, which is not a support service this app knows.
join-error-insecure-scheme = This link is not secure. Please use the link that starts with https://.
join-error-credentials = This link contains a user name or password, which session links never do.
join-error-port = This link contains a port number, which session links never do.
join-error-conflicting-pins = This link contains two different codes.
join-error-unsupported-link = This is not a session link. Please check the link, or type the six-digit code.
join-error-unreadable = This is neither a six-digit code nor a link this app can read.

## Joining
joining-title = Connecting
joining-body = Looking up your PIN…

## Licence agreement
licence-title = Licence agreement
licence-intro = { $technician } will help you. Please read and accept the licence agreement to continue.
licence-accept = Accept
licence-decline = Decline

## Waiting, connecting, live, on hold
waiting-title = Waiting for your technician
waiting-body = { $technician } will start the session soon. Your camera is not shared yet: only you see this picture.
connecting-title = Starting the session
connecting-body = { $technician } started the session. Connecting the video…
live-title = { $collaborators ->
   *[0] { $technician } is watching
    [one] { $technician } and one more technician are watching
    [other] { $technician } and { $collaborators } more technicians are watching
}
live-video-paused-by-you = Your video is paused. { $technician } sees nothing until you resume it.
live-video-paused-by-technician = { $technician } paused your video.
live-mute = Mute
live-unmute = Unmute
live-pause-video = Pause video
live-resume-video = Resume video
live-switch-camera = Switch camera
live-torch-on = Torch on
live-torch-off = Torch off
leave = Leave
on-hold-title = On hold
on-hold-body = { $technician } put the session on hold. Nothing is sent until they continue.
transferred-title = Passed to a colleague
transferred-body = Your session now continues with { $technician }. Nothing is sent until { $technician } continues it.
reconnecting-title = Reconnecting
reconnecting-body = The connection was interrupted. Trying again (attempt { $attempt })…

## Quality indicator (0 to 5 bars)
quality-0 = No connection
quality-1 = Bad connection
quality-2 = Poor connection
quality-3 = Fair connection
quality-4 = Good connection
quality-5 = Excellent connection

## What the technician did, or asked for
technician-paused-video = { $technician } paused your video
technician-resumed-video = { $technician } resumed your video
technician-switched-camera = { $technician } switched the camera
technician-torch-on = { $technician } turned the torch on
technician-torch-off = { $technician } turned the torch off
technician-control-refused = { $technician } asked for something this phone cannot do: { $reason }

## A camera or microphone that failed during the session
device-camera = camera
device-microphone = microphone
device-problem-missing = This phone has no { $device } that Lens can use. The session goes on without it.
device-problem-busy = Another app is using the { $device }. The session goes on without it.
device-problem-permission-denied = Lens may not use the { $device }. The session goes on without it.
device-problem-disconnected = The { $device } stopped working. The session goes on without it.
device-problem-unusable = The { $device } cannot be used. The session goes on without it.

## Ended
ended-title = Session ended
ended-back = Back to start
ended-technician-ended = Your technician ended the session.
ended-customer-left = You left the session.
ended-eula-declined = You declined the licence agreement, so the session did not start.
ended-waiting-timed-out = Your technician did not start the session in time.
ended-connection-lost = The connection was lost.
ended-media-failed = The video connection could not be established.
ended-pin-expired = This PIN has expired. Ask your technician for a new PIN.
ended-idle-timed-out = The session was on hold for too long.
ended-pin-replaced = Your technician replaced this PIN with a new one. Ask for the new PIN.
ended-pin-not-found = This PIN is not valid. Check the digits or ask your technician for a new PIN.
ended-pin-already-used = This PIN has already been used. Ask your technician for a new PIN.
ended-rate-limited = Too many wrong PINs. Wait a few minutes and try again.
ended-busy = The server is busy. Try again in a few seconds.
ended-server-unreachable = The Lens server could not be reached. Check the network.
ended-permissions-denied = Lens needs the camera or the microphone to show the problem to your technician.

## added
# The desktop window's camera preview area: the desktop shows no local picture before the
# session's video starts (the phones show their camera there).
preview-desktop = Camera preview: not shown on this computer

# The phone's notification while a session runs (Android's foreground service): the channel's
# name in the system settings, what the notification says, and its button.
notification-channel = Lens session
notification-title = Your technician can see your camera
notification-body = Lens shares your camera and microphone until you leave. Tap to return to the session.
notification-leave = Leave
