// Where a JVM process's memory goes, so that the many-sessions figures can tell the native
// library's growth from the JVM's own: the JVM's committed memory by Native Memory Tracking
// (needs -XX:NativeMemoryTracking=summary), and glibc's malloc counters (mallinfo2), which
// count every malloc in the process: the Rust library's, JNA's and the JVM's own. The
// library's share is malloc in use minus what NMT says the JVM itself malloc'ed.

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Structure
import java.lang.management.ManagementFactory
import javax.management.ObjectName

@Structure.FieldOrder(
    "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
)
open class MallInfo2 : Structure() {
    @JvmField var arena: Long = 0
    @JvmField var ordblks: Long = 0
    @JvmField var smblks: Long = 0
    @JvmField var hblks: Long = 0
    @JvmField var hblkhd: Long = 0
    @JvmField var usmblks: Long = 0
    @JvmField var fsmblks: Long = 0
    @JvmField var uordblks: Long = 0
    @JvmField var fordblks: Long = 0
    @JvmField var keepcost: Long = 0

    class ByValue : MallInfo2(), Structure.ByValue
}

private interface LibC : Library {
    fun mallinfo2(): MallInfo2.ByValue
}

/** One reading, in KiB. */
data class Memory(
    /** What the JVM committed (heap, code, metaspace, threads, its own malloc). */
    val jvmCommittedKb: Long,
    /** malloc'ed memory in use by anything but the JVM: the Rust library, JNA, libc. */
    val nativeInUseKb: Long,
    /** Freed memory in glibc's free lists; pages malloc_trim gave back are counted too. */
    val mallocFreeKb: Long,
)

object ProcessMemory {
    private val libc: LibC = Native.load("c", LibC::class.java)
    private val diagnostics = ObjectName("com.sun.management:type=DiagnosticCommand")

    private fun nmtSummary(): String =
        ManagementFactory.getPlatformMBeanServer().invoke(
            diagnostics,
            "vmNativeMemory",
            arrayOf<Any>(arrayOf("summary")),
            arrayOf(Array<String>::class.java.name),
        ) as String

    fun read(): Memory {
        val nmt = nmtSummary()
        val committed = Regex("""Total: reserved=\d+KB, committed=(\d+)KB""").find(nmt)
            ?.groupValues?.get(1)?.toLong() ?: error("no NMT total (is -XX:NativeMemoryTracking=summary set?)\n$nmt")
        val jvmMalloc = Regex("""malloc: (\d+)KB""").find(nmt)?.groupValues?.get(1)?.toLong() ?: 0
        val info = libc.mallinfo2()
        val inUseKb = (info.uordblks + info.hblkhd) / 1024
        return Memory(committed, inUseKb - jvmMalloc, info.fordblks / 1024)
    }
}
