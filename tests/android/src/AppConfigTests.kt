// One app per operator: app.toml, the app the build made from it (its manifest as Android
// reads it, its generated AppConfig) and the server's /.well-known/assetlinks.json must name
// the same app and host, or links open the browser instead of the app on every phone.
package app.lens.test

import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import app.lens.AppConfig
import app.lens.test.support.AppToml
import java.net.HttpURLConnection
import java.net.URI
import org.junit.Assert.assertEquals
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config

private const val MAIN_ACTIVITY = "app.lens.ui.MainActivity"

@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34])
class AppConfigTests {
    private val app = RuntimeEnvironment.getApplication()
    private val toml = AppToml.current()
    private val host = URI(toml.string("server.url")).host

    /** The activities a tap on `link` offers (empty: the browser keeps it). */
    private fun opened(link: String): List<String> =
        app.packageManager.queryIntentActivities(
            Intent(Intent.ACTION_VIEW, Uri.parse(link)).addCategory(Intent.CATEGORY_BROWSABLE),
            PackageManager.MATCH_DEFAULT_ONLY,
        ).map { it.activityInfo.name }

    @Test
    fun theLauncherIconOpensTheMainActivity() {
        val launcher = Intent(Intent.ACTION_MAIN).addCategory(Intent.CATEGORY_LAUNCHER).setPackage(app.packageName)
        val found = app.packageManager.queryIntentActivities(launcher, 0).map { it.activityInfo.name }
        assertEquals(listOf(MAIN_ACTIVITY), found)
    }

    @Test
    fun theAppIsTheOneAppTomlNames() {
        assertEquals(toml.string("app.android_application_id"), app.packageName)
        assertEquals(toml.string("app.name"), app.applicationInfo.loadLabel(app.packageManager).toString())
        assertEquals(toml.string("server.url"), AppConfig.SERVER_URL)
        assertEquals(toml.list("server.extra_hosts"), AppConfig.EXTRA_HOSTS)
        assertEquals(toml.string("app.name"), AppConfig.NAME)
        val colour = toml.string("app.brand_colour").removePrefix("#").toLong(16).toInt() or (0xFF shl 24)
        assertEquals(colour, AppConfig.BRAND_COLOUR)
    }

    @Test
    fun everyLinkTheServerHandsOutOpensTheApp() {
        for (link in listOf(
            "https://$host/123456",
            "https://$host/?code=123456",
            "https://$host/join/123456",
            "lens://join/123456",
        )) {
            assertEquals(link, listOf(MAIN_ACTIVITY), opened(link))
        }
    }

    @Test
    fun theServersOwnPagesAndOtherHostsStayInTheBrowser() {
        for (link in listOf(
            "https://$host/console",
            "https://$host/join",
            "https://$host/api/health",
            "https://not-$host/123456",
            "http://$host/123456",
        )) {
            assertEquals(link, emptyList<String>(), opened(link))
        }
    }

    @Test
    fun theServersAssetLinksNameThisApp() {
        val server = System.getenv("LENS_SERVER_URL") ?: error("LENS_SERVER_URL is not set (run tests/android/run.sh)")
        val connection = URI("$server/.well-known/assetlinks.json").toURL().openConnection() as HttpURLConnection
        assertEquals("assetlinks.json status", 200, connection.responseCode)
        assertEquals("application/json", connection.contentType)
        val statements = Json.parse(connection.inputStream.bufferedReader().readText()) as List<*>
        val target = (statements.single() as Map<*, *>)["target"] as Map<*, *>
        assertEquals("android_app", target["namespace"])
        assertEquals(app.packageName, target["package_name"])
        // An app.toml without certificates yet is served with run.sh's stand-in (a flag wins).
        val certificates = toml.list("app.android_cert_sha256")
            .ifEmpty { listOf(System.getenv("LENS_TEST_CERT_SHA256") ?: error("LENS_TEST_CERT_SHA256 is not set")) }
        assertEquals(certificates.map { it.uppercase() }, target["sha256_cert_fingerprints"])
    }
}
