#!/usr/bin/env bash
# Runs the project from a fresh clone, without Docker: builds it, then starts
#   - Keycloak (the distribution Maven Central publishes) on http://localhost:8080 with the
#     refresh-token-rotation extension in providers/ and realm-export.json imported, and
#   - the demo web app on http://localhost:8081.
# Ctrl-C stops both. State (Keycloak's H2 database) is kept in .run/ between runs; ./run.sh --reset starts over.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)

if [ "${1:-}" = "--reset" ]; then
  rm -rf .run
fi

keycloak_version=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' pom.xml | head -n 1)
keycloak_home=".run/keycloak-$keycloak_version"
extension_jar="keycloak-extension/target/keycloak-refresh-token-rotation.jar"
webapp_jar="demo-webapp/target/demo-webapp.jar"

for port in 8080 8081 9000; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "run.sh: port $port is already in use; stop what listens there first" >&2
    exit 1
  fi
done

echo "run.sh: building (./mvnw package, tests skipped) ..."
# only what it runs: the extension and the web app (not the benchmarks)
./mvnw -B -q -DskipTests package -pl keycloak-extension,demo-webapp

if [ ! -x "$keycloak_home/bin/kc.sh" ]; then
  echo "run.sh: fetching Keycloak $keycloak_version from Maven Central ..."
  ./mvnw -B -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip" -DoutputDirectory=.run
  (cd .run && jar xf "keycloak-quarkus-dist-$keycloak_version.zip" && rm "keycloak-quarkus-dist-$keycloak_version.zip")
  chmod +x "$keycloak_home"/bin/*.sh
fi
# Keycloak rebuilds itself (Quarkus augmentation, the work of kc.sh build: about half of its start) whenever a provider's
# file is newer than at the last build, so the jar is copied only when its content changed
deployed_jar="$keycloak_home/providers/$(basename "$extension_jar")"
if ! cmp -s "$extension_jar" "$deployed_jar"; then
  cp "$extension_jar" "$deployed_jar"
fi
mkdir -p "$keycloak_home/data/import"
cp realm-export.json "$keycloak_home/data/import/"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "run.sh: stopping ..."
  for pid in "${pids[@]}"; do
    # kc.sh does not exec java: stop its children too
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_all INT TERM EXIT

echo "run.sh: starting Keycloak $keycloak_version (log: .run/keycloak.log) ..."
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin \
  "$keycloak_home/bin/kc.sh" start-dev --import-realm --http-port=8080 --health-enabled=true \
  --metrics-enabled=true --event-metrics-user-enabled=true --event-metrics-user-tags=realm,clientId \
  >"$root/.run/keycloak.log" 2>&1 &
pids+=($!)

# about 50 s on a first start with a new provider (Quarkus re-augments), 15-20 s later; a busy machine takes longer
for _ in $(seq 1 600); do
  if curl -fsS -o /dev/null http://localhost:9000/health/ready 2>/dev/null; then break; fi
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "run.sh: Keycloak stopped during start-up; see .run/keycloak.log" >&2
    exit 1
  fi
  sleep 1
done
curl -fsS -o /dev/null http://localhost:9000/health/ready || { echo "run.sh: Keycloak did not get ready; see .run/keycloak.log" >&2; exit 1; }

echo "run.sh: starting the demo web app (log: .run/demo-webapp.log) ..."
java -jar "$webapp_jar" >"$root/.run/demo-webapp.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null http://localhost:8081/api/public 2>/dev/null; then break; fi
  sleep 1
done

cat <<EOF

  Demo app        http://localhost:8081        users: alice / alice (may read /api/data), bob / bob (may not)
  Keycloak admin  http://localhost:8080/admin  admin / admin
                  realm demo > Realm settings > Client policies > Profiles > refresh-token-rotation
  Events          realm demo > Events (REFRESH_TOKEN_ERROR with error refresh_token_reused on a replay)
  Metrics         http://localhost:9000/metrics (keycloak_user_events_total)

  Ctrl-C stops both.
EOF
wait -n "${pids[@]}" || true
