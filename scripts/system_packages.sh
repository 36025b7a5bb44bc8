#!/usr/bin/env bash
# The Debian/Ubuntu packages Çınar needs beyond Python: installed when missing if we can
# (root, or passwordless sudo); otherwise the exact apt-get command is printed.
#   scripts/system_packages.sh          what `make install` needs (run, test)
#   scripts/system_packages.sh --ci     also the browser, gettext and PostgreSQL for CI
set -euo pipefail

missing=()
need() { missing+=("$@"); }

command -v npm >/dev/null 2>&1 || need nodejs npm
# WeasyPrint (PDF letters) needs Pango; tests check signatures with poppler's pdfsig and
# the PKCS#11 backend against SoftHSM2.
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need libpango-1.0-0 libpangoft2-1.0-0
command -v pdfsig >/dev/null 2>&1 || need poppler-utils
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need softhsm2
if [ "${1:-}" = "--ci" ]; then
    command -v chromium >/dev/null 2>&1 || need chromium
    command -v chromedriver >/dev/null 2>&1 || need chromium-driver
    command -v msgfmt >/dev/null 2>&1 || need gettext
    command -v pg_isready >/dev/null 2>&1 || need postgresql postgresql-client
fi

if [ "${#missing[@]}" -eq 0 ]; then
    echo "system packages: all present"
    exit 0
fi
echo "system packages missing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    run=()
elif sudo -n true 2>/dev/null; then
    run=(sudo -n)
else
    echo "Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q
"${run[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
