#!/usr/bin/env bash
# Install the system libraries Vona builds against, only when missing.
# Debian/Ubuntu: apt-get (as root, or through sudo). macOS: Homebrew.
set -euo pipefail

have_pkg() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1"; }
missing=0
for lib in opus soxr speexdsp sndfile; do have_pkg "$lib" || missing=1; done
command -v espeak-ng >/dev/null 2>&1 || missing=1
command -v sox >/dev/null 2>&1 || missing=1
# interop oracles for the Ogg Opus tests
command -v opusenc >/dev/null 2>&1 || missing=1
command -v ogginfo >/dev/null 2>&1 || missing=1
# real peers for the transport and scale-out tests: a browser, a load balancer, a sound server
if [ "$(uname -s)" = Linux ]; then
    for cmd in chromium haproxy pulseaudio pactl; do command -v "$cmd" >/dev/null 2>&1 || missing=1; done
    # PortAudio for sounddevice (vona talk)
    ldconfig -p 2>/dev/null | grep -q libportaudio.so.2 || missing=1
fi
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || missing=1
[ "$missing" = 0 ] && exit 0

case "$(uname -s)" in
Linux)
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure-system-deps: no apt-get; install pkg-config, libopus-dev, libsoxr-dev, libspeexdsp-dev, libsndfile1-dev, chromium, haproxy, pulseaudio, espeak-ng, sox, opus-tools, vorbis-tools yourself" >&2
        exit 1
    fi
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    pkgs="pkg-config libopus-dev libsoxr-dev libspeexdsp-dev libsndfile1-dev espeak-ng sox opus-tools vorbis-tools"
    pkgs="$pkgs chromium haproxy pulseaudio pulseaudio-utils libportaudio2"
    if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then
        pkgs="$pkgs python3-venv python${pyver}-venv"
    fi
    echo "ensure-system-deps: apt-get install $pkgs"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $pkgs >/dev/null
    ;;
Darwin)
    if ! command -v brew >/dev/null 2>&1; then
        echo "ensure-system-deps: Homebrew is needed on macOS (https://brew.sh)" >&2
        exit 1
    fi
    echo "ensure-system-deps: brew install pkg-config opus libsoxr speexdsp libsndfile espeak-ng sox opus-tools vorbis-tools haproxy"
    brew install pkg-config opus libsoxr speexdsp libsndfile espeak-ng sox opus-tools vorbis-tools haproxy
    ;;
*)
    echo "ensure-system-deps: unsupported system $(uname -s)" >&2
    exit 1
    ;;
esac
