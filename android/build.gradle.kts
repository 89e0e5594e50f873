// Plugins are declared here once (apply false) so that every module shares one version,
// the catalog's (gradle/libs.versions.toml).
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
}
