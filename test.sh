#!/usr/bin/env bash
# Runs every test of the project from a fresh clone: unit tests, the Keycloak 26.7.3 integration tests
# (the distribution from Maven Central, started by Keycloak's test framework; no Docker) and the browser
# tests in a real headless Chromium. Extra arguments go to Maven, e.g. ./test.sh -pl keycloak-extension
set -euo pipefail
cd "$(dirname "$0")"

# System packages some tests need, installed from Debian's packages when missing:
#   chromium   the browser tests (downloading a browser at test time does not work everywhere);
#              point CHROMIUM_PATH at another binary to use that instead
#   postgresql the two-node Keycloak cluster tests (a cluster needs a shared database)
#   fonts-dejavu-core  the benchmark smoke test draws its charts (Java's AWT needs a font)
# Only what the modules this run builds need: ./test.sh -pl keycloak-extension needs no browser.
modules=" keycloak-extension demo-webapp benchmarks "
previous=""
for argument in "$@"; do
  case "$previous" in -pl|--projects) modules=" ${argument//,/ } " ;; esac
  case "$argument" in -pl=*|--projects=*) value=${argument#*=}; modules=" ${value//,/ } " ;; esac
  previous=$argument
done
# -am builds (and tests) the modules upstream too: take all of them
for argument in "$@"; do case "$argument" in -am|--also-make) modules=" keycloak-extension demo-webapp benchmarks " ;; esac; done
runs() { [[ "$modules" == *" $1 "* ]]; }

missing=()
if runs demo-webapp && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
if { runs keycloak-extension || runs benchmarks; } \
  && { ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; }; then
  missing+=(postgresql)
fi
if runs benchmarks && ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then missing+=(fonts-dejavu-core); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} (Debian packages)" >&2
  if [ "$(id -u)" -eq 0 ]; then sudo_=""; elif command -v sudo >/dev/null 2>&1; then sudo_="sudo"; else
    echo "test.sh: cannot install ${missing[*]} without root; install them (or set CHROMIUM_PATH) and retry" >&2; exit 1
  fi
  $sudo_ apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The integration tests start Keycloak on fixed ports; a server left running there makes them wait for minutes.
for port in 8080 8180 8280 8380 8480 8580 9000 9180 9280 9380 9480 9580 7800 7900 8500 55432 55433; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "test.sh: port $port is in use; stop what listens there (e.g. ./run.sh) and try again" >&2
    exit 1
  fi
done

exec ./mvnw -B verify "$@"
