# Reads /work/main/app.toml (one app per operator) for the Android scripts; sourced, not run.
# app.toml is kept flat on purpose (`key = "string"` or `key = ["a", "b"]`, one per line,
# under [server] and [app]) so that this reader and the Gradle build script's agree without
# a TOML library. No comment may follow a value on its line.
#
#   app_config server.url            -> https://support.example.com
#   app_config app.android_cert_sha256 -> one value per line (empty output for [])

APP_TOML=${APP_TOML:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/app.toml}

app_config() {
  local section=${1%%.*} key=${1#*.}
  awk -v section="$section" -v key="$key" '
    /^[[:space:]]*(#|$)/ { next }
    /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); current = $0; next }
    current == section {
      line = $0
      if (line !~ "^[[:space:]]*" key "[[:space:]]*=") next
      sub(/^[^=]*=[[:space:]]*/, "", line)
      found = 1
      # Every double-quoted string on the line: one for a string, each item of a list.
      while (match(line, /"[^"]*"/)) {
        print substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, RSTART + RLENGTH)
      }
    }
    END { if (!found) { print "app.toml: no " section "." key > "/dev/stderr"; exit 1 } }
  ' "$APP_TOML"
}

# The host of server.url: the App Links host of the manifest and of assetlinks.json.
app_link_host() {
  local url
  url=$(app_config server.url) || return 1
  url=${url#*://}
  url=${url%%/*}
  echo "${url%%:*}"
}
