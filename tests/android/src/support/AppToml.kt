// app.toml (one app per operator) read as the Gradle build and tests/android/app-config.sh read
// it: `key = "string"` or `key = ["a", "b"]`, one per line, under [server] and [app]. The test
// reads the file itself so that it checks what the builds made of it, not their own copy.
package app.lens.test.support

import java.io.File

class AppToml private constructor(private val values: Map<String, List<String>>) {
    fun string(key: String): String =
        values[key]?.singleOrNull() ?: error("app.toml: $key is not one string")

    fun list(key: String): List<String> = values[key] ?: error("app.toml: no $key")

    companion object {
        private val SECTION = Regex("""^\s*\[\s*([A-Za-z0-9_]+)\s*]\s*$""")
        private val ENTRY = Regex("""^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$""")
        private val STRING = Regex(""""([^"]*)"""")

        /** The app.toml run.sh gives the server (LENS_APP_TOML), else the repository's. */
        fun current(): AppToml = read(File(System.getenv("LENS_APP_TOML") ?: "app.toml"))

        fun read(file: File): AppToml {
            var section = ""
            val values = mutableMapOf<String, List<String>>()
            for (line in file.readLines()) {
                if (line.isBlank() || line.trimStart().startsWith("#")) continue
                val header = SECTION.find(line)
                if (header != null) {
                    section = header.groupValues[1]
                    continue
                }
                val (key, value) = ENTRY.find(line)?.destructured ?: error("app.toml: cannot read $line")
                values["$section.$key"] = STRING.findAll(value).map { it.groupValues[1] }.toList()
            }
            return AppToml(values)
        }
    }
}
