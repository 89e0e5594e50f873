package app.lens.session

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import app.lens.AppConfig
import app.lens.media.Media
import uniffi.lens_ffi.EulaStorage
import uniffi.lens_ffi.PermissionGrants
import uniffi.lens_ffi.SessionOptions
import uniffi.lens_ffi.StorageException

/** The device's preferred languages, most preferred first, as BCP 47 tags ("de-AT", "en"). */
fun deviceLocales(context: Context): List<String> {
    val locales = context.resources.configuration.locales
    return (0 until locales.size()).map { locales[it].toLanguageTag() }
}

/**
 * What the phone knows that a session starts from, and the little it stores: whether the
 * tutorial was seen, and the licence acceptance (an opaque string only the core reads).
 */
internal class DeviceSettings(private val context: Context) {
    private val prefs = context.getSharedPreferences("lens", Context.MODE_PRIVATE)

    var tutorialSeen: Boolean
        get() = prefs.getBoolean(TUTORIAL_SEEN, false)
        set(value) {
            prefs.edit().putBoolean(TUTORIAL_SEEN, value).apply()
        }

    /** The camera and microphone permissions as the platform reports them now. */
    fun grants() = PermissionGrants(granted(Manifest.permission.CAMERA), granted(Manifest.permission.RECORD_AUDIO))

    fun options(endpoint: SessionController.Endpoint) = SessionOptions(
        extraHosts = AppConfig.EXTRA_HOSTS,
        bindIp = endpoint.bindIp,
        video = Media.videoConfig(context),
        audio = Media.audioConfig,
        locales = deviceLocales(context),
        organisation = AppConfig.NAME,
        tutorialSeen = tutorialSeen,
        // Both granted needs no prompt. Anything less may be "never asked" as well as
        // "refused": the platform cannot tell without asking, so the model asks.
        permissions = grants().takeIf { it.camera && it.microphone },
    )

    /** Called on the engine's threads: `commit` writes before it returns, as the core expects of `save`. */
    val eulaStorage = object : EulaStorage {
        override fun load(): String? = prefs.getString(EULA, null)

        override fun save(data: String) {
            if (!prefs.edit().putString(EULA, data).commit()) {
                throw StorageException.Failed("the licence acceptance could not be written")
            }
        }
    }

    private fun granted(permission: String) =
        context.checkSelfPermission(permission) == PackageManager.PERMISSION_GRANTED

    private companion object {
        const val TUTORIAL_SEEN = "tutorial_seen"
        const val EULA = "eula"
    }
}
