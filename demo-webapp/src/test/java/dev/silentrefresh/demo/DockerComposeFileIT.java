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

import dev.silentrefresh.demo.testing.DockerCompose;
import org.junit.jupiter.api.Test;

/**
 * What can drift in docker-compose.yml, checked on every machine, with or without Docker (the browser package's
 * {@code DockerComposeIT} runs the file for real where Docker is): the files it mounts and builds from exist once the
 * project is built, and its default Keycloak image is the version the build tests against. Runs after {@code package}.
 */
class DockerComposeFileIT {

    private static final Path ROOT = DockerCompose.ROOT;
    private static final Pattern OFFICIAL_IMAGE = Pattern.compile("quay\\.io/keycloak/keycloak:(\\S+)");
    private static final Pattern BIND_MOUNT = Pattern.compile("^\\s*-\\s*(\\./[^:\\s]+):(/[^:\\s]+)(?::ro)?\\s*$", Pattern.MULTILINE);
    private static final Pattern BUILD_CONTEXT = Pattern.compile("^\\s*context:\\s*(\\./\\S+)\\s*$", Pattern.MULTILINE);
    private static final Pattern POM_KEYCLOAK_VERSION = Pattern.compile("<keycloak\\.version>([^<]+)</keycloak\\.version>");

    @Test
    void theDefaultKeycloakImageIsTheOfficialOneAtTheVersionTheBuildTestsAgainst() throws IOException {
        Matcher image = OFFICIAL_IMAGE.matcher(DockerCompose.composeDefault("KEYCLOAK_IMAGE"));
        assertTrue(image.matches(), "the default Keycloak image is not quay.io/keycloak/keycloak");
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

    @Test
    void theWebAppImageIsBuiltFromTheJarThePackagePhaseMakes() throws IOException {
        Matcher context = BUILD_CONTEXT.matcher(compose());
        assertTrue(context.find(), "the web app has no build context in docker-compose.yml");
        Path dockerfile = ROOT.resolve(context.group(1)).resolve("Dockerfile");
        assertTrue(Files.isRegularFile(dockerfile), dockerfile + " does not exist");
        Matcher copy = Pattern.compile("^COPY\\s+(\\S+)\\s", Pattern.MULTILINE).matcher(Files.readString(dockerfile));
        assertTrue(copy.find(), "the Dockerfile copies nothing");
        Path copied = ROOT.resolve(context.group(1)).resolve(copy.group(1));
        assertTrue(Files.isRegularFile(copied), copied + " does not exist after the build");
    }

    private static List<Mount> mounts() throws IOException {
        return BIND_MOUNT.matcher(compose()).results().map(match -> new Mount(match.group(1), match.group(2))).toList();
    }

    private static String compose() throws IOException {
        return Files.readString(DockerCompose.FILE);
    }

    /** A bind mount: a path relative to the repository root, and where the container sees it. */
    private record Mount(String source, String target) {
    }
}
