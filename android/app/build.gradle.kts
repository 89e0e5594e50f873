// The Lens app. What makes it one operator's app (id, name, colour, server, link hosts) comes
// from ../../app.toml; the Rust library from cargo ndk (`make android`) in src/main/jniLibs;
// the Kotlin glue is generated here from the host build of the same library.
// tests/android/build.sh mirrors this file for the Robolectric build without the SDK: keep the
// two in step (placeholders, the colour resource, AppConfig, the version).

import java.net.URI
import javax.inject.Inject
import org.gradle.process.ExecOperations

plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
}

val repositoryDir: File = rootProject.projectDir.parentFile
val appTomlFile = File(repositoryDir, "app.toml")

// app.toml is kept flat (`key = "string"` or `key = ["a", "b"]`, one per line, under [server]
// and [app]) so that this and tests/android/app-config.sh read it without a TOML library.
fun readAppToml(file: File): Map<String, List<String>> {
    var section = ""
    val values = mutableMapOf<String, List<String>>()
    for (line in file.readLines().map(String::trim)) {
        when {
            line.isEmpty() || line.startsWith("#") -> Unit
            line.startsWith("[") -> section = line.trim('[', ']', ' ')
            else -> {
                val key = line.substringBefore('=').trim()
                val strings = Regex("\"([^\"]*)\"").findAll(line.substringAfter('=')).map { it.groupValues[1] }
                values["$section.$key"] = strings.toList()
            }
        }
    }
    return values
}

val appToml = readAppToml(appTomlFile)
fun appString(key: String): String = appToml[key]?.singleOrNull() ?: error("app.toml: $key is not one string")
fun appList(key: String): List<String> = appToml[key] ?: error("app.toml: no $key")

val appServerUrl = appString("server.url")
val appBrandColour = appString("app.brand_colour").also {
    require(Regex("#[0-9A-Fa-f]{6}").matches(it)) { "app.toml: brand_colour $it is not #RRGGBB" }
}

// The project's version is the workspace's (core/Cargo.toml); the code grows with it.
val lensVersion: String = Regex("""(?m)^version\s*=\s*"([^"]+)"""")
    .find(File(repositoryDir, "core/Cargo.toml").readText())?.groupValues?.get(1)
    ?: error("core/Cargo.toml has no version")
val lensVersionCode: Int = lensVersion.substringBefore('-').split('.').map(String::toInt)
    .let { (major, minor, patch) -> major * 1_000_000 + minor * 1_000 + patch }

/** app.lens.AppConfig: app.toml's values for the app's code (as tests/android/build.sh writes it). */
abstract class GenerateAppConfig : DefaultTask() {
    @get:Input abstract val serverUrl: Property<String>
    @get:Input abstract val extraHosts: ListProperty<String>
    @get:Input abstract val appName: Property<String>
    @get:Input abstract val brandColour: Property<String>
    @get:OutputDirectory abstract val outputDir: DirectoryProperty

    private fun quoted(s: String) = "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$") + "\""

    @TaskAction
    fun generate() {
        val file = outputDir.file("app/lens/AppConfig.kt").get().asFile
        file.parentFile.mkdirs()
        file.writeText(
            """
            |// Generated from app.toml by the Gradle build (here: tests/android/build.sh).
            |package app.lens
            |
            |object AppConfig {
            |    const val SERVER_URL: String = ${quoted(serverUrl.get())}
            |    val EXTRA_HOSTS: List<String> = listOf(${extraHosts.get().joinToString(", ") { quoted(it) }})
            |    const val NAME: String = ${quoted(appName.get())}
            |    const val BRAND_COLOUR: Int = 0xFF${brandColour.get().removePrefix("#")}.toInt()
            |}
            |""".trimMargin(),
        )
    }
}

val generateAppConfig = tasks.register<GenerateAppConfig>("generateAppConfig") {
    serverUrl.set(appServerUrl)
    extraHosts.set(appList("server.extra_hosts"))
    appName.set(appString("app.name"))
    brandColour.set(appBrandColour)
    outputDir.set(layout.buildDirectory.dir("generated/appconfig"))
}

/**
 * The UniFFI Kotlin glue, generated from the host (desktop) build of lens-ffi: UniFFI reads
 * its metadata from symbols the phone build strips. Never edited by hand.
 */
abstract class GenerateUniffiGlue : DefaultTask() {
    @get:Internal abstract val repository: DirectoryProperty
    @get:OutputDirectory abstract val outputDir: DirectoryProperty
    @get:Inject abstract val exec: ExecOperations

    @TaskAction
    fun generate() {
        val root = repository.get().asFile
        val cargo = listOf("cargo", "build", "--release", "-p", "lens-ffi", "-p", "uniffi-bindgen")
        exec.exec { workingDir = root; commandLine(cargo) }
        val os = System.getProperty("os.name").lowercase()
        val library = when {
            "mac" in os -> "liblens_ffi.dylib"
            "windows" in os -> "lens_ffi.dll"
            else -> "liblens_ffi.so"
        }
        val out = outputDir.get().asFile
        out.deleteRecursively()
        exec.exec {
            workingDir = root
            commandLine(
                File(root, "target/release/uniffi-bindgen").path, "generate",
                "--library", File(root, "target/release/$library").path,
                "--language", "kotlin", "--out-dir", out.path, "--no-format",
            )
        }
    }
}

val generateUniffiGlue = tasks.register<GenerateUniffiGlue>("generateUniffiGlue") {
    repository.set(repositoryDir)
    outputDir.set(layout.buildDirectory.dir("generated/uniffi"))
    // cargo decides what is out of date; this task always asks it.
    outputs.upToDateWhen { false }
}

android {
    namespace = "app.lens"
    compileSdk = 35

    defaultConfig {
        applicationId = appString("app.android_application_id")
        minSdk = 24
        targetSdk = 35
        versionCode = lensVersionCode
        versionName = lensVersion
        manifestPlaceholders["linkHost"] = URI(appServerUrl).host
        manifestPlaceholders["appName"] = appString("app.name")
        resValue("color", "brand", appBrandColour)
        ndk { abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64") }
    }

    // Release signing from the environment (CI's secrets); never a committed key. Without
    // LENS_KEYSTORE a release build is unsigned and Play refuses it.
    signingConfigs {
        System.getenv("LENS_KEYSTORE")?.let { keystore ->
            create("release") {
                storeFile = file(keystore)
                storePassword = System.getenv("LENS_KEYSTORE_PASSWORD")
                keyAlias = System.getenv("LENS_KEY_ALIAS")
                keyPassword = System.getenv("LENS_KEY_PASSWORD") ?: System.getenv("LENS_KEYSTORE_PASSWORD")
            }
        }
    }

    buildTypes {
        release {
            // R8 would strip what JNA finds by reflection in the generated glue (Structure
            // fields, callbacks); the app's own code is small.
            isMinifyEnabled = false
            signingConfig = signingConfigs.findByName("release")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    buildFeatures {
        resValues = true
    }

    packaging {
        // The .so files stay uncompressed and page-aligned in the APK (loaded in place).
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    jvmToolchain(17)
}

androidComponents {
    onVariants { variant ->
        variant.sources.java?.addGeneratedSourceDirectory(generateAppConfig, GenerateAppConfig::outputDir)
        variant.sources.java?.addGeneratedSourceDirectory(generateUniffiGlue, GenerateUniffiGlue::outputDir)
    }
}

dependencies {
    // The AAR carries libjnidispatch.so for every Android ABI; the jar is the desktop's.
    implementation(libs.jna) { artifact { type = "aar" } }
    implementation(libs.kotlin.stdlib)
}
