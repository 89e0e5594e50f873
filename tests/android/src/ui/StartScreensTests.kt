// Before a session (issue 12, seeds 000 and 003): the tutorial, the permission prompts and
// their refusal, the PIN typed digit by digit, a recreated Activity, and a German phone. The real
// MainActivity against the real lens-server; the expected words are read from
// core/locales/*.ftl (Locales), never copied here.

import Phone.Companion.CAMERA
import Phone.Companion.MICROPHONE
import android.Manifest
import android.provider.Settings
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertSame
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.Shadows.shadowOf
import org.robolectric.annotation.Config
import uniffi.lens_core.Screen

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class StartScreensTests {
    private val console = signedInConsole()

    @After
    fun tearDown() = console.close()

    private fun en(id: String) = Locales.text("en", id)

    /** A returning customer types the PIN: the model's sentence while it is short, Join at the sixth digit. */
    @Test
    fun typingThePinShowsTheModelsSentenceAndEnablesJoinOnlyForSixDigits() {
        val created = console.createSession("Pia Pin")
        val customer = Phone(null, CAMERA, MICROPHONE)
        customer.await<Screen.Tutorial>("the first start's tutorial")
        customer.tap(en("tutorial-skip"))
        customer.await<Screen.EnterPin>("the PIN field")
        assertTrue("the PIN screen's title", en("enter-pin-title") in customer.words())
        assertFalse("Join with nothing typed", customer.button(en("enter-pin-join")).isEnabled)

        val field = customer.pinField
        val problems = mutableListOf<String?>()
        for (n in 1..created.pin.length) {
            val typed = created.pin.take(n)
            field.append(created.pin[n - 1].toString())
            val shown = customer.await<Screen.EnterPin>("\"$typed\"") { it.input == typed }
            assertSame("the PIN field was replaced while typing (the keyboard would close)", field, customer.pinField)
            assertEquals("the field's text", typed, field.text.toString())
            val join = customer.button(en("enter-pin-join"))
            problems += shown.problem
            if (n < 6) {
                val problem = checkNotNull(shown.problem) { "no sentence at \"$typed\"" }
                assertTrue("the sentence at \"$typed\" is not on the screen", problem in customer.words())
                assertFalse("Join at \"$typed\"", join.isEnabled)
            } else {
                assertEquals("a sentence with the whole PIN", null, shown.problem)
                assertTrue("Join with the whole PIN", join.isEnabled)
            }
        }
        assertNotEquals("one and two digits read the same", problems[0], problems[1])
        assertTrue("an old sentence stays on the screen", problems.filterNotNull().none { it in customer.words() })

        // A new Activity (the system recreated it) shows what was typed.
        customer.recreate()
        assertEquals("the PIN in a recreated Activity", created.pin, customer.pinField.text.toString())
        customer.tap(en("enter-pin-join"))
        customer.await<Screen.Licence>("the licence after Join")
        assertTrue("the licence screen's title", en("licence-title") in customer.words())
    }

    /**
     * No permission yet: the explanation, the system's prompts, a refusal of both (the camera
     * is essential), then only the camera allowed (joining without the microphone is offered),
     * and the microphone allowed in the settings: back in the app, the PIN field.
     */
    @Test
    fun refusedPermissionsShowWhatTheyMeanAndGrantingThemLeadsToThePinField() {
        val customer = Phone()
        customer.await<Screen.Tutorial>("the first start's tutorial")
        customer.tap(en("tutorial-skip"))
        customer.await<Screen.Permissions>("the permissions' explanation")
        assertTrue("the permissions screen's title", en("permissions-title") in customer.words())
        customer.tap(en("permissions-allow"))
        val asked = customer.awaitPrompts()
        assertTrue("the prompts asked for $asked", asked.containsAll(listOf(CAMERA, MICROPHONE, Manifest.permission.POST_NOTIFICATIONS)))

        customer.answerPrompts()
        customer.await<Screen.PermissionsRefused>("the camera refused")
        val refused = customer.words()
        assertTrue("the refusal's words: $refused", refused.containsAll(listOf(en("permissions-refused-title"), en("permissions-refused-camera-body"))))
        assertFalse("joining without the camera is offered", en("permissions-without-microphone") in refused)
        customer.tap(en("permissions-open-settings"))
        // Robolectric records the prompts as started activities too: the settings come after them.
        val settings = customer.awaitThat("the settings opening") {
            generateSequence { shadowOf(customer.activity).nextStartedActivity }
                .firstOrNull { it.action == Settings.ACTION_APPLICATION_DETAILS_SETTINGS }
        }
        assertEquals("the app's page in the settings", "package:${RuntimeEnvironment.getApplication().packageName}", settings.dataString)

        customer.tap(en("permissions-try-again"))
        customer.answerPrompts(CAMERA)
        customer.await<Screen.PermissionsRefused>("the microphone refused") { it.withoutMicrophone != null }
        assertTrue("the microphone's refusal", en("permissions-refused-microphone-title") in customer.words())
        assertTrue("joining without the microphone is offered", en("permissions-without-microphone") in customer.words())

        // The customer allows the microphone in the system settings and comes back.
        shadowOf(RuntimeEnvironment.getApplication()).grantPermissions(MICROPHONE)
        customer.activityController.pause().resume()
        customer.await<Screen.EnterPin>("the PIN field once both are allowed")
        assertTrue("the PIN screen's title", en("enter-pin-title") in customer.words())
    }

    /** Only the camera: the customer chooses to go on without the microphone. */
    @Test
    fun joiningWithoutTheMicrophoneLeadsToThePinField() {
        val customer = Phone(null, CAMERA)
        customer.await<Screen.Tutorial>("the first start's tutorial")
        customer.tap(en("tutorial-skip"))
        customer.await<Screen.Permissions>("the permissions' explanation")
        customer.tap(en("permissions-allow"))
        customer.answerPrompts(CAMERA)
        customer.await<Screen.PermissionsRefused>("the microphone refused")
        customer.tap(en("permissions-without-microphone"))
        customer.await<Screen.EnterPin>("the PIN field without the microphone")
    }

    /** A German phone: German words from the first screen on, the PIN's sentence included. */
    @Test
    @Config(sdk = [34], qualifiers = "de-rDE")
    fun aGermanPhoneShowsGermanWords() {
        fun de(id: String) = Locales.text("de", id)
        val customer = Phone()
        customer.await<Screen.Tutorial>("the tutorial")
        val tutorial = customer.words()
        assertTrue("German tutorial: $tutorial", tutorial.containsAll(listOf(de("tutorial-1-title"), de("tutorial-skip"))))
        assertFalse("English on a German phone: $tutorial", en("tutorial-1-title") in tutorial)
        customer.tap(de("tutorial-skip"))
        customer.await<Screen.Permissions>("the permissions' explanation")
        assertTrue("German permissions screen", customer.words().containsAll(listOf(de("permissions-title"), de("permissions-allow"))))
        customer.tap(de("permissions-allow"))
        customer.answerPrompts(CAMERA, MICROPHONE)
        customer.await<Screen.EnterPin>("the PIN field")
        assertTrue("German PIN screen", customer.words().containsAll(listOf(de("enter-pin-title"), de("enter-pin-join"))))
        customer.pinField.append("1")
        val short = customer.await<Screen.EnterPin>("one digit") { it.input == "1" }
        val problem = checkNotNull(short.problem) { "no sentence for one digit" }
        assertTrue("the sentence on the screen", problem in customer.words())
        assertFalse("an English sentence on a German phone: $problem", problem in Locales.messages("en").values)
    }
}
