#!/usr/bin/env bash
# A Docker engine of the project's own, for a Debian machine that has no Docker and reaches no image registry (a CI
# runner, this project's build machines). Needs root and Debian's package mirror; everything else is built here.
#
#   scripts/local-docker.sh [start]   install Debian's docker.io and docker-compose if missing, start a private dockerd,
#                                     build the images, and print the environment clients need
#   scripts/local-docker.sh env       print that environment again: eval "$(scripts/local-docker.sh env)"
#   scripts/local-docker.sh run CMD   start, run CMD with that environment (tests that need Docker must then run, not
#                                     skip), stop the daemon again if this call started it; exits with CMD's status
#   scripts/local-docker.sh prepare   only the steps that need the network (packages, the Keycloak zip, the Debian base),
#                                     e.g. before starting the daemon in a network namespace without internet
#   scripts/local-docker.sh stop      stop the daemon this script started
#
# Images, each rebuilt only when its inputs change (recorded in the label dev.silentrefresh.inputs):
#   silent-refresh/debian-jre:17           Debian bookworm (debootstrap, minbase) with openjdk-17-jre-headless
#   silent-refresh/keycloak:<version>      the keycloak-quarkus-dist zip from Maven Central on that base, never the
#                                          official tag (scripts/keycloak-image.Dockerfile)
#   silent-refresh/demo-webapp             demo-webapp/target/demo-webapp.jar on that base, when the jar exists
#                                          (docker-compose.yml's build; `docker-compose up --build` rebuilds it)
#
# The daemon listens only on its own socket ($SILENT_REFRESH_DOCKER_DIR/docker.sock), never /var/run/docker.sock, and
# uses a bridge of its own, so nothing else on the machine talks to it unless DOCKER_HOST says so.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=${SILENT_REFRESH_DOCKER_DIR:-/var/lib/silent-refresh-docker}
socket="$state/docker.sock"
pidfile="$state/dockerd.pid"
bridge=${SILENT_REFRESH_DOCKER_BRIDGE:-srdocker0}
bridge_address=${SILENT_REFRESH_DOCKER_BRIDGE_ADDRESS:-172.30.250.1/24}
# compose's own networks come from here (outside the bridge's /24)
address_pool=${SILENT_REFRESH_DOCKER_ADDRESS_POOL:-172.30.0.0/17}

keycloak_version=$(sed -n 's:.*<keycloak.version>\(.*\)</keycloak.version>.*:\1:p' "$root/pom.xml" | head -n 1)
suite=bookworm
base_packages=openjdk-17-jre-headless
base_image=silent-refresh/debian-jre:17
keycloak_image=silent-refresh/keycloak:$keycloak_version
webapp_jar="$root/demo-webapp/target/demo-webapp.jar"
label=dev.silentrefresh.inputs

log() { echo "local-docker: $*" >&2; }
die() { log "$*"; exit 1; }

# Times one step for the README's figures: "local-docker: <what> (12 s)".
timed() {
  local what=$1 started=$SECONDS
  shift
  "$@"
  log "$what ($((SECONDS - started)) s)"
}

docker_cli() {
  local cli=/usr/bin/docker
  [ -x "$cli" ] || cli=docker
  DOCKER_HOST="unix://$socket" "$cli" "$@"
}

compose_cli() {
  if docker_cli compose version >/dev/null 2>&1; then
    docker_cli compose "$@"
  else
    DOCKER_HOST="unix://$socket" docker-compose "$@"
  fi
}

daemon_answers() { [ -S "$socket" ] && docker_cli version >/dev/null 2>&1; }

inputs_of() { docker_cli image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true; }

sha() { sha256sum | cut -c1-16; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || docker_cli compose version >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  # policy-rc.d, where the machine has one, keeps the package from starting a daemon on the default socket
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

base_inputs() { printf '%s\n' "$suite" minbase "$base_packages" "recipe 1" | sha; }

# Debian's minimal base with a Java 17 runtime, from Debian's mirror (debootstrap's default, or DEBIAN_MIRROR).
bootstrap_base() {
  local inputs rootfs="$state/base-rootfs"
  inputs=$(base_inputs)
  if [ "$(cat "$rootfs.inputs" 2>/dev/null)" = "$inputs" ] || [ "$(cat "$state/base-image.inputs" 2>/dev/null)" = "$inputs" ]; then
    return
  fi
  rm -rf "$rootfs" "$rootfs.inputs"
  log "bootstrapping Debian $suite with $base_packages (debootstrap)"
  debootstrap --variant=minbase --include="$base_packages" "$suite" "$rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} \
    >"$state/debootstrap.log" 2>&1 || die "debootstrap failed; see $state/debootstrap.log"
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
  echo "$inputs" >"$rootfs.inputs"
}

import_base() {
  local inputs rootfs="$state/base-rootfs"
  inputs=$(base_inputs)
  [ "$(inputs_of "$base_image")" = "$inputs" ] && return
  bootstrap_base
  [ -d "$rootfs" ] || { rm -f "$state/base-image.inputs"; bootstrap_base; }
  log "importing $base_image"
  tar -C "$rootfs" --numeric-owner -c . | docker_cli import \
    --change "LABEL $label=$inputs" --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' - "$base_image" >/dev/null
  echo "$inputs" >"$state/base-image.inputs"
  rm -rf "$rootfs" "$rootfs.inputs"
}

# The distribution zip through Maven (the local repository, or Maven Central), the same artifact the tests use.
fetch_keycloak_zip() {
  local zip="$state/keycloak-quarkus-dist-$keycloak_version.zip"
  [ -f "$zip" ] && return
  (cd "$root" && ./mvnw -B -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip" \
    -DoutputDirectory="$state") || die "could not fetch org.keycloak:keycloak-quarkus-dist:$keycloak_version:zip"
}

build_keycloak() {
  local zip="$state/keycloak-quarkus-dist-$keycloak_version.zip" context="$state/keycloak-context" inputs
  fetch_keycloak_zip
  inputs=$( {
    sha256sum <"$zip"
    cat "$root/scripts/keycloak-image.Dockerfile"
    docker_cli image inspect --format '{{.Id}}' "$base_image"
  } | sha)
  [ "$(inputs_of "$keycloak_image")" = "$inputs" ] && return
  log "building $keycloak_image from $(basename "$zip")"
  rm -rf "$context"
  mkdir -p "$context"
  (cd "$context" && jar xf "$zip")
  chmod +x "$context/keycloak-$keycloak_version"/bin/*.sh
  cp "$root/scripts/keycloak-image.Dockerfile" "$context/Dockerfile"
  docker_cli build -q --build-arg BASE_IMAGE="$base_image" --build-arg KEYCLOAK_VERSION="$keycloak_version" \
    --label "$label=$inputs" -t "$keycloak_image" "$context" >>"$state/build.log" 2>&1 || die "see $state/build.log"
  rm -rf "$context"
  docker_cli image prune -f >/dev/null
}

build_webapp() {
  if [ ! -f "$webapp_jar" ]; then
    log "no $webapp_jar yet, so no web-app image (./mvnw -DskipTests package first, or docker-compose up --build later)"
    return
  fi
  log "building silent-refresh/demo-webapp from demo-webapp/target/demo-webapp.jar"
  JRE_IMAGE=$base_image compose_cli -f "$root/docker-compose.yml" build -q demo-webapp >>"$state/build.log" 2>&1 \
    || die "see $state/build.log"
  docker_cli image prune -f >/dev/null
}

create_bridge() {
  ip link show "$bridge" >/dev/null 2>&1 && return
  ip link add name "$bridge" type bridge
  ip addr add "$bridge_address" dev "$bridge"
  ip link set "$bridge" up
}

started_daemon=0

start_daemon() {
  daemon_answers && return
  mkdir -p "$state/data" "$state/exec"
  create_bridge
  log "starting dockerd on $socket (log: $state/dockerd.log)"
  # setsid: the daemon outlives this script and ignores the terminal's signals; `stop` ends it by its pid file
  setsid dockerd --host "unix://$socket" --pidfile "$pidfile" --data-root "$state/data" --exec-root "$state/exec" \
    --bridge "$bridge" --default-address-pool "base=$address_pool,size=24" </dev/null >>"$state/dockerd.log" 2>&1 &
  local waited=0
  until daemon_answers; do
    sleep 1
    waited=$((waited + 1))
    [ $waited -lt 60 ] || die "dockerd did not answer within 60 s; see $state/dockerd.log"
  done
  started_daemon=1
}

stop_daemon() {
  local pid
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping dockerd ($pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge" || true
}

print_env() {
  cat <<EOF
export DOCKER_HOST=unix://$socket
export TESTCONTAINERS_RYUK_DISABLED=true
export KEYCLOAK_IMAGE=$keycloak_image
export JRE_IMAGE=$base_image
EOF
}

prepare() {
  mkdir -p "$state"
  timed "packages" install_packages
  timed "Keycloak distribution" fetch_keycloak_zip
  timed "Debian base" bootstrap_base
}

start() {
  prepare
  timed "daemon" start_daemon
  timed "image $base_image" import_base
  timed "image $keycloak_image" build_keycloak
  timed "image silent-refresh/demo-webapp" build_webapp
  log "ready; disk: $(du -sh "$state" | cut -f1) in $state"
}

[ "$(id -u)" -eq 0 ] || die "needs root (it installs packages and runs dockerd)"
command=${1:-start}
[ $# -gt 0 ] && shift
case "$command" in
  prepare) prepare ;;
  start) start; print_env ;;
  env) print_env ;;
  stop) stop_daemon ;;
  run)
    [ $# -gt 0 ] || die "usage: $0 run COMMAND..."
    # whatever happens from here on, a daemon this call started is stopped again
    trap '[ $started_daemon -eq 0 ] || stop_daemon' EXIT
    start
    eval "$(print_env)"
    export DOCKER_TESTS_REQUIRED=true
    "$@"
    ;;
  *) die "unknown command '$command' (start, env, run, prepare, stop)" ;;
esac
