#!/usr/bin/env bash
# The two commands a newcomer needs:
#   ./dev.sh serve   install, migrate, load the question bank and demo data, serve on :8000
#                    with the task queue's worker beside it
#   ./dev.sh test    install, lint, run the whole test suite
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}

# Exactly the versions CI passed with, each checked against its hash: requirements/app.txt
# to serve, requirements/dev.txt (the app's and the test tools') to test. README says how
# to refresh them from pyproject.toml.
install() {  # lock file
  if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r "$1"
}

# Browser tests drive Debian's Chromium (never a downloaded browser) and inject axe-core
# from the npm registry.
apt_install() {  # command, Debian package
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" != 0 ]; then
    echo "$1 is missing: sudo apt-get install $2" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

# WeasyPrint (the PDF report) draws text with Pango, from Debian, and the report's font.
pdf_libraries() {
  if ldconfig -p | grep -q libpangoft2-1.0.so.0 && fc-list 2>/dev/null | grep -q DejaVuSans; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "The PDF report needs Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fontconfig >/dev/null
}

browser_test_tools() {
  apt_install chromium chromium
  apt_install npm npm
  if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ]; then
    npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4 >/dev/null
  fi
}

case "${1:-}" in
  serve)
    install requirements/app.txt
    pdf_libraries
    export DEBUG=${DEBUG:-1}
    .venv/bin/python manage.py migrate --no-input -v0
    .venv/bin/python manage.py seed_demo
    # The task queue's worker sends the mail (printed here by the console backend) and
    # warms reports; it stops with the server.
    .venv/bin/python manage.py qcluster &
    worker=$!
    trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT
    .venv/bin/python manage.py runserver 127.0.0.1:8000
    ;;
  test)
    install requirements/dev.txt
    pdf_libraries
    browser_test_tools
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    # DEBUG=1 only selects development storage and the generated key at import;
    # pytest-django still runs every test with DEBUG off.
    DEBUG=1 .venv/bin/python -m pytest "${@:2}"
    ;;
  *)
    echo "usage: ./dev.sh serve | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
