// The customer app's screens through the bindings (issue 11): the app model in core decides
// every screen and word; the shell only draws them and passes the customer's taps back as
// intents. A real server and technician, and a webrtc-rs answerer for the technician's media
// (MediaAnswerer), take a session from the PIN field to Live and back to the start. The
// expected words are read from core/locales/*.ftl, never copied here.

import uniffi.lens_core.Effect
import uniffi.lens_core.Intent
import uniffi.lens_core.Screen
import uniffi.lens_ffi.LensSession
import uniffi.lens_ffi.PermissionGrants
import uniffi.lens_ffi.SessionOptions

class AppFlowTests(private val server: Server) {
    fun all(): List<Pair<String, () -> Unit>> = listOf(
        "app: the PIN typed digit by digit, Joining, Licence, Waiting, Connecting, Live (mute), Ended, back to the PIN field" to ::pinToLiveAndBack,
        "app: a German phone reads German words on every screen up to the end" to ::germanPhone,
        "app: first start shows the tutorial and asks for permissions through the shell's effects" to ::firstStart,
    )

    private fun console() = TechnicianConsole.signIn(server.url, server.email, server.password)

    /** A returning customer whose phone already granted the camera and the microphone. */
    private fun app(locales: List<String>) = LensSession(
        server.url,
        SessionOptions(
            bindIp = "127.0.0.1",
            locales = locales,
            tutorialSeen = true,
            permissions = PermissionGrants(camera = true, microphone = true),
        ),
        MemoryEulaStorage(),
    )

    /** Types `text` one character at a time, as a keyboard does; the screen after each key. */
    private fun RecordingAppListener.typeSlowly(session: LensSession, text: String): List<Screen.EnterPin> =
        (1..text.length).map { n ->
            val typed = text.substring(0, n)
            session.act(Intent.Typed(typed))
            update<Screen.EnterPin>("the PIN field with \"$typed\"") { it.input == typed }
        }

    private fun pinToLiveAndBack(): Unit = console().use { console ->
        console.connect()
        val created = console.createSession("Pia Customer")
        app(listOf("en-GB")).use { session ->
            val ui = RecordingAppListener()
            session.subscribeApp(ui).use {
                val start = ui.expect<Screen.EnterPin>()
                checkEquals<Screen>(start, session.screen(), "screen()")
                checkEquals(Locales.text("en", "enter-pin-title"), start.title, "PIN screen title")
                check("127.0.0.1" in start.organisation) { "the organisation is not the server's host: ${start.organisation}" }
                checkEquals("", start.input, "the PIN field at start")
                check(!start.join.enabled) { "Join is enabled with nothing typed" }

                // The problem shows while typing, and Join waits for the sixth digit.
                val typing = ui.typeSlowly(session, created.pin)
                for (screen in typing.dropLast(1)) {
                    check(!screen.join.enabled) { "Join is enabled at \"${screen.input}\"" }
                    check(!screen.problem.isNullOrBlank()) { "no problem shown at \"${screen.input}\"" }
                }
                check(typing[0].problem != typing[1].problem) { "one and two digits read the same: ${typing[0].problem}" }
                val complete = typing.last()
                check(complete.join.enabled) { "Join is not enabled for the whole PIN" }
                checkEquals(null, complete.problem, "the problem with a whole PIN")
                // A letter is a problem of its own, and takes Join away again.
                val withLetter = created.pin.dropLast(1) + "x"
                session.act(Intent.Typed(withLetter))
                val letter = ui.update<Screen.EnterPin>("the PIN field with a letter") { it.input == withLetter }
                check(!letter.join.enabled) { "Join is enabled with a letter in the PIN" }
                check(letter.problem != null && letter.problem != typing[4].problem) { "a letter reads like a short PIN: ${letter.problem}" }
                session.act(Intent.Typed(created.pin))
                ui.update<Screen.EnterPin>("the whole PIN again") { it.input == created.pin && it.join.enabled }

                session.act(Intent.Join)
                ui.expect<Screen.Joining>()
                val licence = ui.expect<Screen.Licence>()
                checkEquals(Locales.text("en", "licence-title"), licence.title, "licence title")
                check(server.technicianName in licence.intro) { "the licence intro does not name the technician: ${licence.intro}" }
                check(licence.text.isNotBlank()) { "no licence text" }
                check(licence.accept.enabled && licence.decline.enabled) { "Accept or Decline disabled: $licence" }

                session.act(Intent.Accept(System.currentTimeMillis()))
                val waiting = ui.expect<Screen.Waiting>()
                checkEquals(Locales.text("en", "waiting-title"), waiting.title, "waiting title")
                check(waiting.preview) { "no camera preview while waiting" }
                console.awaitStatus(created.sessionId, "waiting")

                console.start(created.sessionId)
                ui.expect<Screen.Connecting>()
                val (answerer, answer) = MediaAnswerer.answering(console.awaitOffer(created.sessionId))
                answerer.use {
                    console.answer(created.sessionId, answer)
                    val live = ui.expect<Screen.Live>()
                    check(server.technicianName in live.title) { "the live title does not name the technician: ${live.title}" }
                    check(!live.controls.mute.on) { "muted before the customer muted" }
                    checkEquals(Locales.text("en", "live-mute"), live.controls.mute.label, "the mute button")
                    answerer.awaitConnected()

                    session.act(Intent.SetMuted(true))
                    val muted = ui.update<Screen.Live>("the microphone muted") { it.controls.mute.on }
                    checkEquals(Locales.text("en", "live-unmute"), muted.controls.mute.label, "the mute button while muted")
                    eventually("the engine to mute the microphone") { session.microphoneMuted() }
                    session.act(Intent.SetMuted(false))
                    val unmuted = ui.update<Screen.Live>("the microphone on again") { !it.controls.mute.on }
                    checkEquals(Locales.text("en", "live-mute"), unmuted.controls.mute.label, "the mute button after unmuting")
                    eventually("the engine to unmute the microphone") { !session.microphoneMuted() }

                    console.end(created.sessionId)
                    val ended = ui.expect<Screen.Ended>()
                    checkEquals(Locales.text("en", "ended-title"), ended.title, "ended title")
                    checkEquals(Locales.text("en", "ended-technician-ended"), ended.reason, "why it ended")
                    check(ended.back.enabled) { "no way back to the start" }
                }

                session.act(Intent.BackToStart)
                val again = ui.expect<Screen.EnterPin>()
                checkEquals("", again.input, "the PIN field after the session")
                check(!again.join.enabled) { "Join is enabled with nothing typed after the session" }
                checkEquals(emptyList<Effect>(), ui.effects.toList(), "effects for the shell")
            }
        }
    }

    private fun germanPhone(): Unit = console().use { console ->
        val created = console.createSession("Dieter Kunde")
        // The same keystrokes on an English phone, for what a problem reads like in English.
        val english = app(listOf("en")).use { session ->
            val ui = RecordingAppListener()
            session.subscribeApp(ui).use {
                ui.expect<Screen.EnterPin>()
                ui.typeSlowly(session, "12").last()
            }
        }
        app(listOf("de-DE", "en-US")).use { session ->
            val ui = RecordingAppListener()
            session.subscribeApp(ui).use {
                val start = ui.expect<Screen.EnterPin>()
                germanWord("enter-pin-title", start.title)
                germanWord("enter-pin-prompt", start.prompt)
                germanWord("enter-pin-join", start.join.label)
                val typed = ui.typeSlowly(session, "12").last()
                check(!typed.problem.isNullOrBlank() && typed.problem != english.problem) {
                    "the problem is not German: ${typed.problem} (English: ${english.problem})"
                }

                session.act(Intent.Typed(created.pin))
                ui.update<Screen.EnterPin>("the whole PIN") { it.join.enabled }
                session.act(Intent.Join)
                germanWord("joining-title", ui.expect<Screen.Joining>().title)
                val licence = ui.expect<Screen.Licence>()
                germanWord("licence-title", licence.title)
                germanWord("licence-accept", licence.accept.label)
                germanWord("licence-decline", licence.decline.label)

                session.act(Intent.Decline)
                val ended = ui.expect<Screen.Ended>()
                germanWord("ended-title", ended.title)
                germanWord("ended-eula-declined", ended.reason)
                germanWord("ended-back", ended.back.label)
            }
        }
    }

    /** `shown` is de.ftl's message `id`, which is not the English one. */
    private fun germanWord(id: String, shown: String) {
        checkEquals(Locales.text("de", id), shown, "German $id")
        check(shown != Locales.text("en", id)) { "$id is still English in de.ftl: $shown" }
    }

    private fun firstStart() {
        // A new install: no tutorial seen, nothing known about the permissions, no server
        // needed before the PIN.
        LensSession(server.url, SessionOptions(bindIp = "127.0.0.1", locales = listOf("en")), MemoryEulaStorage()).use { session ->
            val ui = RecordingAppListener()
            session.subscribeApp(ui).use {
                val first = ui.expect<Screen.Tutorial>()
                checkEquals(1u, first.step, "tutorial step")
                checkEquals(Locales.text("en", "tutorial-1-title"), first.title, "first tutorial page")
                checkEquals(Locales.text("en", "tutorial-skip"), first.skip.label, "Skip")
                session.act(Intent.TutorialSkip)
                checkEquals<Effect>(Effect.SaveTutorialSeen, ui.nextEffect(), "effect after Skip")

                val permissions = ui.expect<Screen.Permissions>()
                checkEquals(Locales.text("en", "permissions-title"), permissions.title, "permissions title")
                session.act(Intent.AllowPermissions)
                checkEquals<Effect>(Effect.RequestPermissions, ui.nextEffect(), "effect after Allow")
                // The system's prompts: the customer refuses the microphone.
                session.act(Intent.PermissionsAnswered(camera = true, microphone = false))
                val refused = ui.expect<Screen.PermissionsRefused>()
                val without = checkNotNull(refused.withoutMicrophone) { "no way to join without the microphone: $refused" }
                check(without.enabled) { "Join without microphone is disabled" }
                session.act(Intent.OpenSettings)
                checkEquals<Effect>(Effect.OpenSystemSettings, ui.nextEffect(), "effect after Open settings")
                session.act(Intent.JoinWithoutMicrophone)
                ui.expect<Screen.EnterPin>()
            }
        }
    }
}
