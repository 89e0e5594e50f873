// Joining from a link (issue 12, seeds 001 and 003) and the licence agreement, on the real
// MainActivity against the real lens-server, with the technician's console on its socket:
// what the customer sees is checked on the screen's Views, what the technician sees on the
// console's session list.

import Phone.Companion.CAMERA
import Phone.Companion.MICROPHONE
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.Config
import uniffi.lens_core.Screen

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class JoiningTests {
    private val console = signedInConsole()

    @After
    fun tearDown() = console.close()

    private fun en(id: String) = Locales.text("en", id)

    /**
     * A first start from a link: the tutorial, the licence, waiting. Then the customer leaves,
     * goes back to the start and taps the next technician's link, in each form the server
     * hands out: the same app joins each session, without asking for the accepted licence again.
     */
    @Test
    fun everyLinkFormJoinsItsSessionAndTheTechnicianSeesTheCustomerWaiting() {
        val forms = listOf<(String) -> String>(
            { pin -> "$serverUrl/$pin" },
            { pin -> "$serverUrl/?code=$pin" },
            { pin -> "$serverUrl/join/$pin" },
            { pin -> "lens://join/$pin" },
        )
        var phone: Phone? = null
        for ((n, form) in forms.withIndex()) {
            val created = console.createSession("Lina Link $n")
            val link = form(created.pin)
            val customer = phone ?: Phone(link, CAMERA, MICROPHONE).also { phone = it }
            if (n == 0) {
                customer.await<Screen.Tutorial>("the first start's tutorial")
                customer.tap(en("tutorial-skip"))
                customer.await<Screen.Licence>("the licence after $link")
                customer.tap(en("licence-accept"))
            } else {
                customer.open(link)
            }
            customer.await<Screen.Waiting>("waiting after $link")
            assertTrue("the waiting screen's title after $link", en("waiting-title") in customer.words())
            console.awaitStatus(created.sessionId, "waiting")

            customer.tap(en("leave"))
            customer.await<Screen.Ended>("the end after leaving $link")
            assertTrue("why it ended", en("ended-customer-left") in customer.words())
            console.awaitStatus(created.sessionId, "closed")
            customer.tap(en("ended-back"))
            customer.await<Screen.EnterPin>("the PIN field after $link")
            assertEquals("the PIN field after a session", "", customer.pinField.text.toString())
        }
    }

    /** A link opened while a session is in progress never moves the customer to another technician. */
    @Test
    fun aSecondLinkDuringASessionKeepsTheCustomerWithTheFirstTechnician() {
        val first = console.createSession("Otto Once")
        val second = console.createSession("Otto Twice")
        val customer = Phone("$serverUrl/${first.pin}", CAMERA, MICROPHONE)
        customer.await<Screen.Tutorial>("the first start's tutorial")
        customer.tap(en("tutorial-skip"))
        customer.await<Screen.Licence>("the licence")
        customer.tap(en("licence-accept"))
        customer.await<Screen.Waiting>("waiting for the first technician")
        console.awaitStatus(first.sessionId, "waiting")

        customer.open("$serverUrl/${second.pin}")
        // Time for a wrong join to show, had the app made one.
        Thread.sleep(500)
        customer.idle()
        assertTrue("the second link replaced the waiting screen: ${customer.screen}", customer.screen is Screen.Waiting)
        customer.tap(en("leave"))
        console.awaitStatus(first.sessionId, "closed")
    }

    /** The licence screen shows the server's text in full; Decline ends the session for the technician too. */
    @Test
    fun theLicenceShowsTheServersTextAndDeclineTellsTheTechnician() {
        val created = console.createSession("Dora Decline")
        val customer = Phone("$serverUrl/join/${created.pin}", CAMERA, MICROPHONE)
        customer.await<Screen.Tutorial>("the first start's tutorial")
        customer.tap(en("tutorial-skip"))
        customer.await<Screen.Licence>("the licence")
        val words = customer.words()
        assertTrue("the licence screen's title", en("licence-title") in words)
        assertTrue("the server's licence text in full: $words", serverDefaultLicence() in words)
        assertTrue("Accept can be pressed", customer.button(en("licence-accept")).isEnabled)

        customer.tap(en("licence-decline"))
        customer.await<Screen.Ended>("the end after declining")
        assertTrue("the end screen's words", customer.words().containsAll(listOf(en("ended-title"), en("ended-eula-declined"))))
        assertFalse("a Leave button after the end", en("leave") in customer.words())
        console.awaitStatus(created.sessionId, "closed", endReason = "eula_declined")
    }
}
