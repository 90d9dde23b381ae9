package dev.silentrefresh.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml cannot be run here (no Docker engine), so this checks what can drift without anyone noticing: the
 * files it mounts exist once the project is built, and its Keycloak image is the version the build tests against.
 * Runs after {@code package}, when both jars exist.
 */
class DockerComposeIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern KEYCLOAK_IMAGE = Pattern.compile("^\\s*image:\\s*quay\\.io/keycloak/keycloak:(\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern BIND_MOUNT = Pattern.compile("^\\s*-\\s*(\\./[^:\\s]+):(/[^:\\s]+)(?::ro)?\\s*$", Pattern.MULTILINE);
    private static final Pattern POM_KEYCLOAK_VERSION = Pattern.compile("<keycloak\\.version>([^<]+)</keycloak\\.version>");

    @Test
    void theKeycloakImageIsTheVersionTheBuildTestsAgainst() throws IOException {
        Matcher image = KEYCLOAK_IMAGE.matcher(compose());
        assertTrue(image.find(), "no quay.io/keycloak/keycloak image in docker-compose.yml");
        Matcher pom = POM_KEYCLOAK_VERSION.matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(pom.find(), "no <keycloak.version> in pom.xml");
        assertEquals(pom.group(1), image.group(1));
    }

    @Test
    void everyMountedFileExistsAfterTheBuild() throws IOException {
        List<Mount> mounts = mounts();
        assertFalse(mounts.isEmpty(), "no bind mounts found in docker-compose.yml");
        for (Mount mount : mounts) {
            assertTrue(Files.isRegularFile(ROOT.resolve(mount.source())), mount.source() + " does not exist after the build");
        }
    }

    @Test
    void keycloakGetsTheExtensionAndTheRealmWhereItLooksForThem() throws IOException {
        List<Mount> mounts = mounts();
        assertTrue(mounts.stream().anyMatch(m -> m.source().equals("./keycloak-extension/target/keycloak-refresh-token-rotation.jar")
                && m.target().startsWith("/opt/keycloak/providers/")), "the extension jar is not mounted into providers/");
        assertTrue(mounts.stream().anyMatch(m -> m.source().equals("./realm-export.json")
                && m.target().startsWith("/opt/keycloak/data/import/")), "realm-export.json is not mounted into data/import/");
        assertTrue(compose().contains("--import-realm"), "Keycloak is not started with --import-realm");
    }

    private static List<Mount> mounts() throws IOException {
        return BIND_MOUNT.matcher(compose()).results().map(match -> new Mount(match.group(1), match.group(2))).toList();
    }

    private static String compose() throws IOException {
        return Files.readString(ROOT.resolve("docker-compose.yml"));
    }

    /** A bind mount: a path relative to the repository root, and where the container sees it. */
    private record Mount(String source, String target) {
    }
}
