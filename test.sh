#!/usr/bin/env bash
# Runs every test of the project from a fresh clone: unit tests, the Keycloak 26.7.3 integration tests
# (the distribution from Maven Central, started by Keycloak's test framework; no Docker), the rotation contract on
# Keycloak 26.5 and 26.4, and the browser tests in a real headless Chromium. Extra arguments go to one Maven run,
# e.g. ./test.sh -pl keycloak-extension -Dit.test=RefreshTokenRotationIT
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
# keycloak-extension: 8680 9680 (framework), 8180 9180 (restart), 8280 8380 9280 9380 7800 7900 55432 (cluster);
# demo-webapp: 8080 9000 8500 (framework); benchmarks: 8480 9480, 8580 9580, 8300 8400 9300 9400 7820 7920 55433.
for port in 8080 9000 8500 8680 9680 8180 9180 8280 8380 9280 9380 7800 7900 55432 8480 9480 8580 9580 \
  8300 8400 9300 9400 7820 7920 55433; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "test.sh: port $port is in use; stop what listens there (e.g. ./run.sh) and try again" >&2
    exit 1
  fi
done

# With arguments (a module, a focused test), one Maven run as asked.
if [ $# -gt 0 ] || [ "${TEST_SH_SEQUENTIAL:-}" = true ]; then
  exec ./mvnw -B verify "$@"
fi

# The whole run: build once with the unit tests, then the three modules' integration tests at the same time, each on
# ports of its own: most of their time is waiting (Keycloak starting, token lifetimes, grace windows, a frozen server,
# the soak's clock), which the others fill. Each module's Maven output goes to target/test-logs/ and is printed whole at
# the end; target/test-logs/summary.txt has the times. TEST_SH_SEQUENTIAL=true runs the one Maven command of old instead.
logs=target/test-logs
rm -rf "$logs"
mkdir -p "$logs"
started=$SECONDS
./mvnw -B install -DskipITs
echo "test.sh: build and unit tests: $((SECONDS - started)) s" | tee "$logs/summary.txt"

# the unit tests, fuzzing and browser-client checks ran in the build; file locks: three Maven processes share one local
# repository
integration_tests() {
  local module=$1 module_started=$SECONDS status=0
  ./mvnw -B verify -pl "$module" -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.skip=true \
    -Dbrowser-client.checks.skip=true \
    -Daether.syncContext.named.factory=file-lock -Daether.syncContext.named.nameMapper=file-gav \
    >"$logs/$module.log" 2>&1 || status=$?
  echo "$status $((SECONDS - module_started))" >"$logs/$module.status"
  echo "test.sh: $module integration tests finished ($((SECONDS - module_started)) s, exit $status)"
}
integration_tests keycloak-extension &
integration_tests demo-webapp &
integration_tests benchmarks &
wait
modules=(keycloak-extension demo-webapp benchmarks)
for module in "${modules[@]}"; do
  echo "=============================== $module (integration tests) ==============================="
  cat "$logs/$module.log"
done
failed=0
for module in "${modules[@]}"; do
  read -r status seconds <"$logs/$module.status"
  echo "test.sh: $module integration tests: $seconds s, exit $status" | tee -a "$logs/summary.txt"
  [ "$status" -eq 0 ] || failed=1
done
echo "test.sh: total $((SECONDS - started)) s" | tee -a "$logs/summary.txt"
exit $failed
