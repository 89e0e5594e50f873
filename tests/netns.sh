#!/bin/sh
# Runs "$@" in a fresh network namespace that has only loopback, so that nothing a test
# starts (ICE above all: it sends checks to every candidate) can reach another address.
# Needs root (CI and the developer machines run as root).
set -eu
exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$@"
