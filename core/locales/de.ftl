# Die Texte der Kunden-App auf Deutsch (Anrede „Sie“).
# Dieselben IDs und Variablen wie en.ftl: core/src/l10n/tests.rs prüft das.
# Begriffe wie in der Produkthilfe: PIN-Code, Sitzung, Techniker, Endbenutzer-Lizenzvertrag,
# Mobilgerät, Überspringen, OK.

## Tutorial (first start)
tutorial-1-title = Zeigen Sie Ihrem Techniker das Problem
tutorial-1-body = Richten Sie die Kamera Ihres Mobilgeräts auf den Router, den Heizkessel oder die Maschine. Ihr Techniker sieht das Bild live und spricht mit Ihnen.
tutorial-2-title = Sie benötigen einen PIN-Code oder einen Link
tutorial-2-body = Ihr Techniker nennt Ihnen einen sechsstelligen PIN-Code oder sendet Ihnen einen Link per E-Mail oder SMS.
tutorial-3-title = Sie behalten die Kontrolle
tutorial-3-body = Es wird nichts übertragen, bevor Sie den Endbenutzer-Lizenzvertrag akzeptieren und Ihr Techniker die Sitzung startet. Sie können jederzeit das Mikrofon stummschalten, das Video anhalten oder die Sitzung verlassen.
tutorial-skip = Überspringen
tutorial-next = Weiter
tutorial-ok = OK
tutorial-progress = Schritt { $step } von { $steps }

## Permissions
permissions-title = Kamera und Mikrofon
permissions-body = Lens verwendet die Kamera, damit Ihr Techniker das Problem sehen kann, und das Mikrofon, damit Sie miteinander sprechen können. Ihr Mobilgerät fragt Sie gleich um Erlaubnis: Tippen Sie auf OK.
permissions-allow = Fortfahren
permissions-refused-title = Lens kann die Kamera nicht verwenden
permissions-refused-camera-body = Ohne Kamera kann Ihr Techniker das Problem nicht sehen. Erlauben Sie den Zugriff auf die Kamera in den Einstellungen und versuchen Sie es dann erneut.
permissions-refused-microphone-title = Lens kann das Mikrofon nicht verwenden
permissions-refused-microphone-body = Ohne Mikrofon kann Ihr Techniker Sie nicht hören. Erlauben Sie den Zugriff auf das Mikrofon in den Einstellungen oder nehmen Sie ohne Mikrofon teil.
permissions-refused-microphone-required-body = Ohne Mikrofon kann Ihr Techniker Sie nicht hören. Erlauben Sie den Zugriff auf das Mikrofon in den Einstellungen und versuchen Sie es dann erneut.
permissions-open-settings = Einstellungen öffnen
permissions-try-again = Erneut versuchen
permissions-without-microphone = Ohne Mikrofon teilnehmen

## Enter PIN
enter-pin-title = An einer Sitzung teilnehmen
enter-pin-organisation = Support von { $organisation }
enter-pin-prompt = Geben Sie den sechsstelligen PIN-Code ein, den Ihnen Ihr Techniker genannt hat.
enter-pin-join = Teilnehmen

## Join input problems (one per JoinInputError)
join-error-empty = Bitte geben Sie den sechsstelligen PIN-Code ein, den Ihnen Ihr Techniker genannt hat.
join-error-too-long = Die Eingabe ist zu lang für einen PIN-Code oder einen Sitzungslink.
join-error-wrong-length = { $found ->
    [one] Der PIN-Code hat sechs Stellen; Sie haben nur eine eingegeben.
   *[other] Der PIN-Code hat sechs Stellen; Sie haben { $found } eingegeben.
}
join-error-not-digits = Der PIN-Code darf nur Ziffern enthalten, zum Beispiel 123 456.
join-error-unknown-host = Dieser Link führt zu { $host }, einem Support-Dienst, den diese App nicht kennt.
join-error-insecure-scheme = Dieser Link ist nicht sicher. Bitte verwenden Sie den Link, der mit https:// beginnt.
join-error-credentials = Dieser Link enthält einen Benutzernamen oder ein Passwort, was Sitzungslinks nie tun.
join-error-port = Dieser Link enthält eine Portnummer, was Sitzungslinks nie tun.
join-error-conflicting-pins = Dieser Link enthält zwei verschiedene PIN-Codes.
join-error-unsupported-link = Dies ist kein Sitzungslink. Bitte prüfen Sie den Link oder geben Sie den sechsstelligen PIN-Code ein.
join-error-unreadable = Dies ist weder ein sechsstelliger PIN-Code noch ein Link, den diese App lesen kann.

## Joining
joining-title = Verbindung wird hergestellt
joining-body = Ihr PIN-Code wird geprüft…

## Licence agreement
licence-title = Endbenutzer-Lizenzvertrag
licence-intro = { $technician } hilft Ihnen. Bitte lesen und akzeptieren Sie den Endbenutzer-Lizenzvertrag, um fortzufahren.
licence-accept = Akzeptieren
licence-decline = Ablehnen

## Waiting, connecting, live, on hold
waiting-title = Warten auf Ihren Techniker
waiting-body = { $technician } startet die Sitzung in Kürze. Ihre Kamera wird noch nicht übertragen: Nur Sie sehen dieses Bild.
connecting-title = Sitzung wird gestartet
connecting-body = { $technician } hat die Sitzung gestartet. Das Video wird verbunden…
live-title = { $collaborators ->
   *[0] { $technician } sieht zu
    [one] { $technician } und ein weiterer Techniker sehen zu
    [other] { $technician } und { $collaborators } weitere Techniker sehen zu
}
live-video-paused-by-you = Ihr Video ist angehalten. { $technician } sieht nichts, bis Sie es fortsetzen.
live-video-paused-by-technician = { $technician } hat Ihr Video angehalten.
live-mute = Stummschalten
live-unmute = Stummschaltung aufheben
live-pause-video = Video anhalten
live-resume-video = Video fortsetzen
live-switch-camera = Kamera wechseln
live-torch-on = Taschenlampe ein
live-torch-off = Taschenlampe aus
leave = Verlassen
on-hold-title = Sitzung pausiert
on-hold-body = { $technician } hat die Sitzung pausiert. Es wird nichts übertragen, bis die Sitzung weitergeht.
transferred-title = An Kollegen übergeben
transferred-body = Ihre Sitzung wird jetzt von { $technician } weitergeführt. Es wird nichts übertragen, bis { $technician } die Sitzung fortsetzt.
reconnecting-title = Verbindung wird wiederhergestellt
reconnecting-body = Die Verbindung wurde unterbrochen. Lens versucht es erneut ({ $attempt }. Versuch)…

## Quality indicator (0 to 5 bars)
quality-0 = Keine Verbindung
quality-1 = Sehr schlechte Verbindung
quality-2 = Schlechte Verbindung
quality-3 = Mäßige Verbindung
quality-4 = Gute Verbindung
quality-5 = Ausgezeichnete Verbindung

## What the technician did, or asked for
technician-paused-video = { $technician } hat Ihr Video angehalten
technician-resumed-video = { $technician } hat Ihr Video fortgesetzt
technician-switched-camera = { $technician } hat die Kamera gewechselt
technician-torch-on = { $technician } hat die Taschenlampe eingeschaltet
technician-torch-off = { $technician } hat die Taschenlampe ausgeschaltet
technician-control-refused = { $technician } hat etwas angefordert, das dieses Mobilgerät nicht kann: { $reason }

## A camera or microphone that failed during the session
# $device is one of the two words below, with its article: "die Kamera" and "das Mikrofon"
# read the same in the nominative and the accusative, so the sentences place $device only
# there and never at the start of a sentence.
device-camera = die Kamera
device-microphone = das Mikrofon
device-problem-missing = Auf diesem Mobilgerät ist { $device } für Lens nicht verfügbar. Die Sitzung wird trotzdem fortgesetzt.
device-problem-busy = Eine andere App verwendet gerade { $device }. Die Sitzung wird trotzdem fortgesetzt.
device-problem-permission-denied = Lens darf { $device } nicht verwenden. Die Sitzung wird trotzdem fortgesetzt.
device-problem-disconnected = Während der Sitzung ist { $device } ausgefallen. Die Sitzung wird trotzdem fortgesetzt.
device-problem-unusable = Lens kann { $device } nicht verwenden. Die Sitzung wird trotzdem fortgesetzt.

## Ended
ended-title = Sitzung beendet
ended-back = Zurück zum Start
ended-technician-ended = Ihr Techniker hat die Sitzung beendet.
ended-customer-left = Sie haben die Sitzung verlassen.
ended-eula-declined = Sie haben den Endbenutzer-Lizenzvertrag abgelehnt, daher wurde die Sitzung nicht gestartet.
ended-waiting-timed-out = Ihr Techniker hat die Sitzung nicht rechtzeitig gestartet.
ended-connection-lost = Die Verbindung ist abgebrochen.
ended-media-failed = Die Videoverbindung konnte nicht hergestellt werden.
ended-pin-expired = Dieser PIN-Code ist abgelaufen. Bitten Sie Ihren Techniker um einen neuen PIN-Code.
ended-idle-timed-out = Die Sitzung war zu lange pausiert.
ended-pin-replaced = Ihr Techniker hat diesen PIN-Code durch einen neuen ersetzt. Bitten Sie um den neuen PIN-Code.
ended-pin-not-found = Dieser PIN-Code ist ungültig. Prüfen Sie die Ziffern oder bitten Sie Ihren Techniker um einen neuen PIN-Code.
ended-pin-already-used = Dieser PIN-Code wurde bereits verwendet. Bitten Sie Ihren Techniker um einen neuen PIN-Code.
ended-rate-limited = Zu viele falsche PIN-Codes. Warten Sie einige Minuten und versuchen Sie es dann erneut.
ended-busy = Der Server ist ausgelastet. Versuchen Sie es in einigen Sekunden erneut.
ended-server-unreachable = Der Lens-Server ist nicht erreichbar. Prüfen Sie Ihre Internetverbindung.
ended-permissions-denied = Lens benötigt die Kamera oder das Mikrofon, um Ihrem Techniker das Problem zu zeigen.

## added
preview-desktop = Kameravorschau: wird auf diesem Computer nicht angezeigt

notification-channel = Lens-Sitzung
notification-title = Ihr Techniker kann Ihre Kamera sehen
notification-body = Lens teilt Ihre Kamera und Ihr Mikrofon, bis Sie die Sitzung verlassen. Tippen Sie hier, um zur Sitzung zurückzukehren.
notification-leave = Verlassen
