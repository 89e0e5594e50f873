// The Lens Android app: open this folder (android/) in Android Studio. The Rust library comes
// from the repository around it (`make android`, or cargo ndk: see README.md).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "lens"
include(":app")
