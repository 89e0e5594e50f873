// The customer's words as core/locales/*.ftl spell them, so that a test checks which message
// a screen shows without copying its wording (the wording belongs to the .ftl files).

import java.io.File

object Locales {
    private val cache = mutableMapOf<String, Map<String, String>>()

    /** The single-line messages of `language` ("en", "de", "nl"): id to its text. */
    fun messages(language: String): Map<String, String> = cache.getOrPut(language) {
        val file = File("core/locales/$language.ftl")
        check(file.isFile) { "$file is missing (run the tests from the repository's root)" }
        val message = Regex("^([A-Za-z][A-Za-z0-9_-]*) = (.+)$")
        file.readLines().mapNotNull { message.find(it)?.destructured }
            .associate { (id, text) -> id to text.trim() }
    }

    /** The message `id` in `language`; fails when the language lacks it. */
    fun text(language: String, id: String): String =
        messages(language)[id] ?: error("core/locales/$language.ftl has no message $id")
}
