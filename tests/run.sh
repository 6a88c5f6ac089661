#!/usr/bin/env bash
# Installs everything the tests need and runs the whole suite: lint, types, unit, integration
# and browser tests. Usage: bash tests/run.sh [extra pytest arguments]
# Set PORTAL_TEST_DATABASE_URL to run against PostgreSQL instead of a SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium for the browser tests, where the system's package manager allows it.
if [ ! -x /usr/bin/chromium ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is not installed and cannot be installed here: the browser tests will be skipped."
  fi
fi

# poppler-utils and qpdf for tests/integration/test_summary_pdf.py (pdftotext, pdfinfo, qpdf --check).
if ! command -v pdfinfo >/dev/null || ! command -v qpdf >/dev/null; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils qpdf >/dev/null
  else
    echo "poppler-utils/qpdf are not installed: the PDF inspection tests will be skipped."
  fi
fi

# The Nu HTML Checker (Java) for tests/integration/test_html_valid.py.
if ! command -v java >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
fi
if [ ! -f tests/.tools/node_modules/vnu-jar/build/dist/vnu.jar ]; then
  if command -v npm >/dev/null; then
    npm install --prefix tests/.tools --no-audit --no-fund --silent vnu-jar@26.9.27 >/dev/null
  else
    echo "npm is not installed: the HTML validity test will be skipped."
  fi
fi

# pa11y and Lighthouse for tests/browser/test_pa11y.py and test_lighthouse.py. They drive the
# system's Chromium: Puppeteer must not download a browser of its own.
if [ ! -f tests/.tools/node_modules/pa11y/package.json ] \
   || [ ! -f tests/.tools/node_modules/lighthouse/cli/index.js ]; then
  if command -v npm >/dev/null; then
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix tests/.tools --no-audit --no-fund --silent \
      pa11y@9.1.1 lighthouse@12.8.2 >/dev/null
  else
    echo "npm is not installed: the pa11y and Lighthouse tests will be skipped."
  fi
fi

# The OpenID Connect provider for the login tests (npm oidc-provider, pinned by its lock file).
if [ tests/oidc_provider/package-lock.json -nt tests/oidc_provider/node_modules/.package-lock.json ] \
   && command -v npm >/dev/null; then
  npm ci --prefix tests/oidc_provider --no-audit --no-fund --silent >/dev/null
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check portal tests
.venv/bin/mypy
.venv/bin/bandit -q -r portal -ll  # medium and high severity; a # nosec names its test and why
.venv/bin/pytest "$@"
