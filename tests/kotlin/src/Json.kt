// Just enough JSON for the server's answers: objects become maps, arrays lists, numbers
// doubles. The JVM has no JSON parser of its own and the test takes no dependencies.

object Json {
    fun parse(text: String): Any? {
        val reader = Reader(text)
        val value = reader.value()
        reader.skipSpace()
        require(reader.done()) { "trailing characters in JSON: $text" }
        return value
    }

    @Suppress("UNCHECKED_CAST")
    fun obj(text: String): Map<String, Any?> = parse(text) as Map<String, Any?>

    fun quote(s: String): String = buildString {
        append('"')
        for (c in s) {
            when (c) {
                '"' -> append("\\\"")
                '\\' -> append("\\\\")
                '\n' -> append("\\n")
                '\r' -> append("\\r")
                '\t' -> append("\\t")
                else -> if (c < ' ') append("\\u%04x".format(c.code)) else append(c)
            }
        }
        append('"')
    }

    private class Reader(val s: String) {
        var i = 0

        fun done() = i == s.length

        fun skipSpace() {
            while (i < s.length && s[i].isWhitespace()) i++
        }

        fun value(): Any? {
            skipSpace()
            require(i < s.length) { "unexpected end of JSON" }
            return when (s[i]) {
                '{' -> objectValue()
                '[' -> arrayValue()
                '"' -> stringValue()
                't' -> literal("true", true)
                'f' -> literal("false", false)
                'n' -> literal("null", null)
                else -> numberValue()
            }
        }

        fun literal(word: String, value: Any?): Any? {
            require(s.startsWith(word, i)) { "bad JSON at $i" }
            i += word.length
            return value
        }

        fun objectValue(): Map<String, Any?> {
            val map = LinkedHashMap<String, Any?>()
            i++
            skipSpace()
            if (s[i] == '}') { i++; return map }
            while (true) {
                skipSpace()
                val key = stringValue()
                skipSpace()
                require(s[i] == ':') { "expected ':' at $i" }
                i++
                map[key] = value()
                skipSpace()
                when (s[i++]) {
                    ',' -> continue
                    '}' -> return map
                    else -> error("expected ',' or '}' at ${i - 1}")
                }
            }
        }

        fun arrayValue(): List<Any?> {
            val list = ArrayList<Any?>()
            i++
            skipSpace()
            if (s[i] == ']') { i++; return list }
            while (true) {
                list.add(value())
                skipSpace()
                when (s[i++]) {
                    ',' -> continue
                    ']' -> return list
                    else -> error("expected ',' or ']' at ${i - 1}")
                }
            }
        }

        fun stringValue(): String {
            require(s[i] == '"') { "expected a string at $i" }
            i++
            val out = StringBuilder()
            while (true) {
                val c = s[i++]
                when (c) {
                    '"' -> return out.toString()
                    '\\' -> {
                        val e = s[i++]
                        when (e) {
                            'n' -> out.append('\n')
                            'r' -> out.append('\r')
                            't' -> out.append('\t')
                            'b' -> out.append('\b')
                            'f' -> out.append('\u000c')
                            'u' -> { out.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                            else -> out.append(e)
                        }
                    }
                    else -> out.append(c)
                }
            }
        }

        fun numberValue(): Double {
            val start = i
            while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
            return s.substring(start, i).toDouble()
        }
    }
}
