#!/usr/bin/env bash
# Install what is missing, and nothing else: the platform environment (.venv, Python 3.11) and the
# bot environment (.venv-bot, Python 3.10, for Rasa 3.6). Each is installed from its lock file with
# --no-deps and --require-hashes, so the result is exactly the lock, file for file (never a CUDA torch,
# nothing altered on an index or in transit), and stamped with the lock's hash so a second run
# installs nothing. Both installs run side by side to halve a first start.
set -euo pipefail
cd "$(dirname "$0")/.."
LOGS=var/logs
mkdir -p "$LOGS"

die() { echo "setup: $*" >&2; exit 1; }

# find_python 3.10 -> path of a working interpreter of exactly that version (PATH first, then pyenv)
find_python() {
  local v=$1 c
  for c in "python$v" "$(command -v pyenv >/dev/null && pyenv prefix "$v" 2>/dev/null | head -n1)/bin/python$v"; do
    if [ -n "$c" ] && "$c" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$v'.split('.'))))" 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  if command -v pyenv >/dev/null; then
    for p in $(pyenv versions --bare 2>/dev/null | grep -E "^${v//./\\.}\.[0-9]+$" | sort -Vr); do
      c="$(pyenv root)/versions/$p/bin/python$v"
      [ -x "$c" ] && { echo "$c"; return 0; }
    done
  fi
  return 1
}

stamp_of() { cat "$@" | sha256sum | cut -c1-64; }

# install_env NAME VENV PYTHON LOCK [extra files that change the stamp]
install_env() {
  local name=$1 venv=$2 py=$3 lock=$4; shift 4
  local want; want=$(stamp_of "$lock" "$@")
  if [ -f "$venv/.qaid-stamp" ] && [ "$(cat "$venv/.qaid-stamp")" = "$want" ]; then
    return 0
  fi
  echo "setup: installing the $name environment into $venv (log: $LOGS/setup-$name.log)…"
  {
    rm -rf "$venv" && "$py" -m venv "$venv" &&
      "$venv/bin/pip" install --disable-pip-version-check --no-deps --require-hashes -r "$lock"
  } >"$LOGS/setup-$name.log" 2>&1 || {
    echo "setup: installing the $name environment failed; see $LOGS/setup-$name.log (is PyPI reachable?), then rerun make." >&2
    return 1
  }
  echo "$want" >"$venv/.qaid-stamp"
}

PY311=$(find_python 3.11) || die "Python 3.11 was not found (on PATH or in pyenv); install it, e.g. 'pyenv install 3.11', and rerun."
PY310=$(find_python 3.10) || die "Python 3.10 (needed by Rasa 3.6) was not found on PATH or in pyenv; install it, e.g. 'pyenv install 3.10.13', and rerun."

install_env platform .venv "$PY311" requirements/platform.lock & p1=$!
install_env bot .venv-bot "$PY310" requirements/bot.lock & p2=$!
ok=0
wait $p1 || ok=1
wait $p2 || ok=1
[ $ok = 0 ] || exit 1

# Both runtimes run their packages from the checkout: a .pth file is the whole of an editable
# install. The platform sees the repository root (qaid, hub, inbox, hip_service, ml, federated, demo);
# the bot sees only its own package (bot/qaid_bot) — it cannot import the platform by accident.
# Both see the contract package (contracts/qaid_contracts), the one thing they share.
link_checkout() {  # link_checkout VENV DIR...
  local site want
  site=$("$1/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
  shift
  want=$(printf '%s\n' "$@")
  [ "$(cat "$site/qaid-checkout.pth" 2>/dev/null)" = "$want" ] || echo "$want" >"$site/qaid-checkout.pth"
}
link_checkout .venv "$PWD" "$PWD/contracts"
link_checkout .venv-bot "$PWD/bot" "$PWD/contracts"

# `scripts/setup.sh --browser` (make test): Debian's Chromium and playwright-core for the browser
# test. playwright-core never downloads a browser; it drives /usr/bin/chromium.
if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null; then
    echo "setup: installing Chromium (Debian package) for the browser test (log: $LOGS/setup-chromium.log)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
      >"$LOGS/setup-chromium.log" 2>&1 ||
      die "installing Chromium failed (needs root and Debian's package archive); see $LOGS/setup-chromium.log."
  fi
  command -v npm >/dev/null || die "npm (Node.js ≥ 20) is needed for the browser test; install Node.js and rerun."
  want=$(stamp_of tests/browser/package-lock.json)
  if [ "$(cat tests/browser/node_modules/.qaid-stamp 2>/dev/null)" != "$want" ]; then
    (cd tests/browser && npm ci --no-audit --no-fund --silent) >"$LOGS/setup-npm.log" 2>&1 ||
      die "npm ci in tests/browser failed; see $LOGS/setup-npm.log."
    echo "$want" >tests/browser/node_modules/.qaid-stamp
  fi
fi
