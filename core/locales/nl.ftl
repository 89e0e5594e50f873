# De teksten van de klant-app in het Nederlands (aanspreekvorm „u”).
# Dezelfde ids en variabelen als en.ftl: core/src/l10n/tests.rs controleert dat.
# Termen zoals in de producthulp: pincode, sessie, technicus, licentieovereenkomst voor
# eindgebruikers, mobiele apparaat, Overslaan, OK.

## Tutorial (first start)
tutorial-1-title = Laat uw technicus het probleem zien
tutorial-1-body = Richt de camera van uw mobiele apparaat op de router, de cv-ketel of de machine. Uw technicus ziet het beeld live en praat met u.
tutorial-2-title = U hebt een pincode of een link nodig
tutorial-2-body = Uw technicus geeft u een zescijferige pincode of stuurt u een link per e-mail of sms.
tutorial-3-title = U houdt zelf de controle
tutorial-3-body = Er wordt niets verzonden voordat u de licentieovereenkomst voor eindgebruikers accepteert en uw technicus de sessie start. U kunt op elk moment uw microfoon dempen, de video pauzeren of de sessie verlaten.
tutorial-skip = Overslaan
tutorial-next = Volgende
tutorial-ok = OK
tutorial-progress = Stap { $step } van { $steps }

## Permissions
permissions-title = Camera en microfoon
permissions-body = Lens gebruikt de camera zodat uw technicus het probleem kan zien, en de microfoon zodat u met elkaar kunt praten. Uw mobiele apparaat vraagt u zo om toegang te verlenen: tik op OK.
permissions-allow = Doorgaan
permissions-refused-title = Lens kan de camera niet gebruiken
permissions-refused-camera-body = Zonder camera kan uw technicus het probleem niet zien. Verleen toegang tot de camera in de instellingen en probeer het daarna opnieuw.
permissions-refused-microphone-title = Lens kan de microfoon niet gebruiken
permissions-refused-microphone-body = Zonder microfoon kan uw technicus u niet horen. Verleen toegang tot de microfoon in de instellingen, of neem deel zonder microfoon.
permissions-refused-microphone-required-body = Zonder microfoon kan uw technicus u niet horen. Verleen toegang tot de microfoon in de instellingen en probeer het daarna opnieuw.
permissions-open-settings = Instellingen openen
permissions-try-again = Opnieuw proberen
permissions-without-microphone = Deelnemen zonder microfoon

## Enter PIN
enter-pin-title = Deelnemen aan een sessie
enter-pin-organisation = Ondersteuning door { $organisation }
enter-pin-prompt = Voer de zescijferige pincode in die u van uw technicus hebt gekregen.
enter-pin-join = Deelnemen

## Join input problems (one per JoinInputError)
join-error-empty = Voer de zescijferige pincode in die u van uw technicus hebt gekregen.
join-error-too-long = Dit is te lang voor een pincode of een sessielink.
join-error-wrong-length = { $found ->
    [one] De pincode heeft zes cijfers; u hebt er maar één ingevoerd.
   *[other] De pincode heeft zes cijfers; u hebt er { $found } ingevoerd.
}
join-error-not-digits = De pincode mag alleen cijfers bevatten, bijvoorbeeld 123 456.
join-error-unknown-host = Deze link verwijst naar { $host }, en dat is geen ondersteuningsdienst die deze app kent.
join-error-insecure-scheme = Deze link is niet beveiligd. Gebruik de link die begint met https://.
join-error-credentials = Deze link bevat een gebruikersnaam of wachtwoord, wat sessielinks nooit doen.
join-error-port = Deze link bevat een poortnummer, wat sessielinks nooit doen.
join-error-conflicting-pins = Deze link bevat twee verschillende pincodes.
join-error-unsupported-link = Dit is geen sessielink. Controleer de link of typ de zescijferige pincode.
join-error-unreadable = Dit is geen zescijferige pincode en ook geen link die deze app kan lezen.

## Joining
joining-title = Verbinding maken
joining-body = Uw pincode wordt gecontroleerd…

## Licence agreement
licence-title = Licentieovereenkomst voor eindgebruikers
licence-intro = { $technician } gaat u helpen. Lees en accepteer de licentieovereenkomst voor eindgebruikers om door te gaan.
licence-accept = Accepteren
licence-decline = Weigeren

## Waiting, connecting, live, on hold
waiting-title = Wachten op uw technicus
waiting-body = { $technician } start de sessie zo. Uw camerabeeld wordt nog niet gedeeld: alleen u ziet dit beeld.
connecting-title = Sessie wordt gestart
connecting-body = { $technician } heeft de sessie gestart. De video wordt verbonden…
live-title = { $collaborators ->
   *[0] { $technician } kijkt mee
    [one] { $technician } en nog een technicus kijken mee
    [other] { $technician } en nog { $collaborators } technici kijken mee
}
live-video-paused-by-you = Uw video is gepauzeerd. { $technician } ziet niets totdat u de video hervat.
live-video-paused-by-technician = { $technician } heeft uw video gepauzeerd.
live-mute = Dempen
live-unmute = Dempen opheffen
live-pause-video = Video pauzeren
live-resume-video = Video hervatten
live-switch-camera = Camera wisselen
live-torch-on = Zaklamp aan
live-torch-off = Zaklamp uit
leave = Verlaten
on-hold-title = In de wacht
on-hold-body = { $technician } heeft de sessie in de wacht gezet. Er wordt niets verzonden totdat de sessie verdergaat.
transferred-title = Doorgegeven aan een collega
transferred-body = Uw sessie gaat nu verder met { $technician }. Er wordt niets verzonden totdat { $technician } de sessie voortzet.
reconnecting-title = Opnieuw verbinden
reconnecting-body = De verbinding is onderbroken. Lens probeert het opnieuw (poging { $attempt })…

## Quality indicator (0 to 5 bars)
quality-0 = Geen verbinding
quality-1 = Zeer slechte verbinding
quality-2 = Slechte verbinding
quality-3 = Redelijke verbinding
quality-4 = Goede verbinding
quality-5 = Uitstekende verbinding

## What the technician did, or asked for
technician-paused-video = { $technician } heeft uw video gepauzeerd
technician-resumed-video = { $technician } heeft uw video hervat
technician-switched-camera = { $technician } heeft van camera gewisseld
technician-torch-on = { $technician } heeft de zaklamp aangezet
technician-torch-off = { $technician } heeft de zaklamp uitgezet
technician-control-refused = { $technician } vroeg om iets wat dit apparaat niet kan: { $reason }

## A camera or microphone that failed during the session
# $device is one of the two words below; both are "de"-words, so "de { $device }" fits both.
device-camera = camera
device-microphone = microfoon
device-problem-missing = Dit apparaat heeft geen { $device } die Lens kan gebruiken. De sessie gaat gewoon verder.
device-problem-busy = Een andere app gebruikt de { $device }. De sessie gaat gewoon verder.
device-problem-permission-denied = Lens mag de { $device } niet gebruiken. De sessie gaat gewoon verder.
device-problem-disconnected = De { $device } werkt niet meer. De sessie gaat gewoon verder.
device-problem-unusable = De { $device } kan niet worden gebruikt. De sessie gaat gewoon verder.

## Ended
ended-title = Sessie beëindigd
ended-back = Terug naar het begin
ended-technician-ended = Uw technicus heeft de sessie beëindigd.
ended-customer-left = U hebt de sessie verlaten.
ended-eula-declined = U hebt de licentieovereenkomst voor eindgebruikers geweigerd, dus de sessie is niet gestart.
ended-waiting-timed-out = Uw technicus heeft de sessie niet op tijd gestart.
ended-connection-lost = De verbinding is verbroken.
ended-media-failed = De videoverbinding kon niet tot stand worden gebracht.
ended-pin-expired = Deze pincode is verlopen. Vraag uw technicus om een nieuwe pincode.
ended-idle-timed-out = De sessie stond te lang in de wacht.
ended-pin-replaced = Uw technicus heeft deze pincode vervangen door een nieuwe. Vraag om de nieuwe pincode.
ended-pin-not-found = Deze pincode is niet geldig. Controleer de cijfers of vraag uw technicus om een nieuwe pincode.
ended-pin-already-used = Deze pincode is al gebruikt. Vraag uw technicus om een nieuwe pincode.
ended-rate-limited = Te veel onjuiste pincodes. Wacht een paar minuten en probeer het dan opnieuw.
ended-busy = De server is bezet. Probeer het over een paar seconden opnieuw.
ended-server-unreachable = De Lens-server is niet bereikbaar. Controleer uw internetverbinding.
ended-permissions-denied = Lens heeft de camera of de microfoon nodig om uw technicus het probleem te laten zien.

## added
preview-desktop = Cameravoorbeeld: wordt op deze computer niet getoond

notification-channel = Lens-sessie
notification-title = Uw technicus kan uw camera zien
notification-body = Lens deelt uw camera en microfoon totdat u de sessie verlaat. Tik om terug te gaan naar de sessie.
notification-leave = Verlaten
