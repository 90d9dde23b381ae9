# Keycloak from the distribution Maven Central publishes (org.keycloak:keycloak-quarkus-dist:<version>:zip), laid out like
# the official image (/opt/keycloak, kc.sh as the entry point, user 1000), for machines that cannot pull the official
# image. scripts/local-docker.sh builds it from a context holding the unzipped distribution:
#   docker build --build-arg BASE_IMAGE=silent-refresh/debian-jre:17 --build-arg KEYCLOAK_VERSION=26.7.3 <context>
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
ARG KEYCLOAK_VERSION

# data/ exists and belongs to Keycloak's user before anything is mounted below it (compose mounts data/import/...)
RUN useradd --uid 1000 --gid 0 --home-dir /opt/keycloak --no-create-home --shell /usr/sbin/nologin keycloak \
    && mkdir -p /opt/keycloak/data/import && chown -R 1000:0 /opt/keycloak
COPY --chown=1000:0 keycloak-${KEYCLOAK_VERSION}/ /opt/keycloak/

# Without it Keycloak's start-dev listens on localhost only, which nothing outside the container reaches.
ENV KC_RUN_IN_CONTAINER=true
USER 1000
EXPOSE 8080 8443 9000
ENTRYPOINT ["/opt/keycloak/bin/kc.sh"]
