// The Play listing (android/fastlane/metadata/android/<locale>/, fastlane's layout) within
// Play's limits, naming the app as app.toml does, in the words the app itself uses (PIN,
// technician) and addressing the reader as the app does (German "Sie", Dutch "u"). Plain
// JUnit: run from the repository's root.

import java.io.File
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

class StoreListingTests {
    private val listing = File("android/fastlane/metadata/android")

    /** The listing's languages, and the words for PIN and technician the app's own texts use (core/locales). */
    private val terms = mapOf(
        "en-US" to listOf("PIN", "technician"),
        "de-DE" to listOf("PIN-Code", "Techniker"),
        "nl-NL" to listOf("pincode", "technicus"),
    )

    private fun text(locale: String, name: String): String {
        val file = File(listing, "$locale/$name")
        assertTrue("$file is missing", file.isFile)
        return file.readText().trim()
    }

    /** Play counts characters, not bytes or UTF-16 units. */
    private fun assertFits(limit: Int, locale: String, name: String) {
        val length = text(locale, name).let { it.codePointCount(0, it.length) }
        assertTrue("$locale/$name has $length characters; Play takes $limit", length in 1..limit)
    }

    @Test
    fun everyLanguageHasTitleAndDescriptionsWithinPlaysLimits() {
        assertEquals("the listing's languages", terms.keys, listing.list()!!.toSet())
        for (locale in terms.keys) {
            assertFits(30, locale, "title.txt")
            assertFits(80, locale, "short_description.txt")
            assertFits(4000, locale, "full_description.txt")
            File(listing, "$locale/changelogs").listFiles()?.forEach { assertFits(500, locale, "changelogs/${it.name}") }
        }
    }

    @Test
    fun theTitleNamesTheAppAsAppTomlDoes() {
        val name = Regex("""^name = "(.+)"$""", RegexOption.MULTILINE).find(File("app.toml").readText())
            ?.groupValues?.get(1) ?: error("app.toml has no [app] name")
        for (locale in terms.keys) {
            val title = text(locale, "title.txt")
            assertTrue("$locale's title \"$title\" does not start with the app's name \"$name\"", title.startsWith(name))
        }
    }

    @Test
    fun theListingUsesTheAppsWordsForPinAndTechnician() {
        for ((locale, words) in terms) {
            val all = text(locale, "short_description.txt") + "\n" + text(locale, "full_description.txt")
            for (word in words) assertTrue("$locale's listing never says \"$word\"", word in all)
        }
    }

    @Test
    fun germanSaysSieAndDutchSaysU() {
        val informal = mapOf(
            "de-DE" to Regex("""\b(du|dich|dir|dein\w*)\b""", RegexOption.IGNORE_CASE),
            "nl-NL" to Regex("""\b(je|jij|jou|jouw)\b""", RegexOption.IGNORE_CASE),
        )
        for ((locale, pattern) in informal) {
            for (name in listOf("title.txt", "short_description.txt", "full_description.txt")) {
                val found = pattern.findAll(text(locale, name)).map { it.value }.toList()
                assertTrue("$locale/$name addresses the reader informally: $found", found.isEmpty())
            }
        }
    }
}
