package dev.silentrefresh.rotation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * The extension's sources against the server APIs of the other Keycloak lines (their jars, which the build puts into
 * {@code target/keycloak-lines/}): an API this code uses that a line changed or removed fails here, with javac's message.
 * The jar is built against the pinned line and runs unchanged on the others; the contract runs against their
 * distributions show that it behaves there.
 *
 * <p>26.4 and 26.5 have no token post-processor SPI, so the classes implementing it, and the policy evaluation only it
 * uses ({@code PolicyCoverage}, 26.7 APIs), are left out for them (Keycloak never loads them there; {@link RefreshHook}
 * decides). Of 26.8 only {@code keycloak-core} and {@code keycloak-common} are on
 * Maven Central: that check catches changes to the token representations and utilities, not to the SPIs, sessions or
 * client policies (those jars stay at the pinned line).
 */
class KeycloakLinesCompileTest {

    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Path LINES = Path.of("target", "keycloak-lines");
    private static final String POST_PROCESSOR_SPI = "import org.keycloak.protocol.oidc.token.";
    /**
     * Expected: the refresh-token introspection ({@code IntrospectedRefreshToken}) names {@code PolicyCoverage}, left out
     * here, but calls it only where {@link RefreshHook} finds the 26.7 SPI (on 26.4/26.5 it decides with the executor's
     * mark on the request or the family's recorded settings), so that class is never loaded there;
     * {@code TokenIntrospectionIT} runs on both lines.
     */
    private static final List<String> KNOWN_ON_26_4_AND_26_5 = List.of("IntrospectedRefreshToken.java: cannot find symbol");
    private static final List<String> ONLY_ON_26_7 = List.of("RefreshRotationPostProcessor.java",
            "RefreshRotationPostProcessorFactory.java", "PolicyCoverage.java");

    @Test
    void compilesAgainstKeycloak265() throws IOException {
        assertCompiles(LINES.resolve("keycloak.line26-5.version"), List.of(), withoutTheNewerLinesHook(), KNOWN_ON_26_4_AND_26_5);
    }

    @Test
    void compilesAgainstKeycloak264() throws IOException {
        assertCompiles(LINES.resolve("keycloak.line26-4.version"), List.of(), withoutTheNewerLinesHook(), KNOWN_ON_26_4_AND_26_5);
    }

    /**
     * Known: 26.8's {@code ClientPolicyConditionRepresentation.getConfiguration()} returns a {@code RawJsonValue}, not a
     * {@code JsonNode}, so {@code PolicyCoverage} needs a change before 26.8 can be supported. The test holds the list of
     * what fails, so that both a new break and its fix show here.
     */
    @Test
    void compilesAgainstKeycloak268CoreAndCommonExceptWhatIsKnown() throws IOException {
        assertCompiles(LINES.resolve("keycloak.next.version"),
                List.of("keycloak-server-spi-", "keycloak-server-spi-private-", "keycloak-services-"), source -> true,
                List.of("PolicyCoverage.java: incompatible types: bad type in conditional expression"));
    }

    @Test
    void onlyTheNewerLinesHookUsesTheirApis() throws IOException {
        List<String> users = sources().filter(usesPostProcessorSpi()).map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of("RefreshRotationPostProcessor.java", "RefreshRotationPostProcessorFactory.java"), users,
                "a class other than the post-processor and its factory uses the 26.7-only SPI, which 26.4 and 26.5 lack");
        List<String> referrers = sources().filter(withoutTheNewerLinesHook())
                .filter(source -> read(source).contains("PolicyCoverage")).map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("IntrospectedRefreshToken.java"), referrers,
                "PolicyCoverage (26.7 APIs) may be used only by the post-processor (and, behind RefreshHook, the introspection)");
    }

    /**
     * @param lineJars        the line's keycloak jars
     * @param pinnedToKeep    keycloak jars of the pinned line kept on the class path (by file name prefix), where the line
     *                        publishes no jar of its own
     */
    private static void assertCompiles(Path lineJars, List<String> pinnedToKeep, Predicate<Path> sourceFilter,
                                       List<String> knownErrors) throws IOException {
        assertTrue(Files.isDirectory(lineJars), lineJars + " missing: the build's maven-dependency-plugin puts the jars there");
        List<String> classPath = new ArrayList<>();
        try (Stream<Path> jars = Files.list(lineJars)) {
            jars.filter(j -> j.toString().endsWith(".jar")).forEach(j -> classPath.add(j.toString()));
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            boolean keycloak = entry.contains(File.separator + "org" + File.separator + "keycloak" + File.separator);
            boolean ownOutput = entry.endsWith("classes") || entry.endsWith("test-classes");
            if (!ownOutput && (!keycloak || pinnedToKeep.stream().anyMatch(name::startsWith))) {
                classPath.add(entry);
            }
        }
        List<String> files = sources().filter(sourceFilter).map(Path::toString).toList();
        Path out = Files.createTempDirectory(Path.of("target"), "keycloak-line-classes");
        List<String> options = List.of("--release", "17", "-proc:none", "-nowarn", "-d", out.toString(),
                "-classpath", String.join(File.pathSeparator, classPath));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        javac.getTask(null, null, diagnostics, options, null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjectsFromStrings(files)).call();
        List<String> errors = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> Path.of(d.getSource().getName()).getFileName() + ": " + d.getMessage(null).lines().findFirst().orElse(""))
                .sorted().toList();
        assertEquals(knownErrors, errors, "compiling against " + lineJars.getFileName() + ":\n" + String.join("\n",
                diagnostics.getDiagnostics().stream().map(Object::toString).toList()));
    }

    /** The post-processor, its factory, and the policy evaluation only the post-processor uses (26.7 APIs). */
    private static Predicate<Path> withoutTheNewerLinesHook() {
        return source -> !ONLY_ON_26_7.contains(source.getFileName().toString());
    }

    private static String read(Path source) {
        try {
            return Files.readString(source);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Predicate<Path> usesPostProcessorSpi() {
        return source -> read(source).contains(POST_PROCESSOR_SPI);
    }

    private static Stream<Path> sources() throws IOException {
        try (Stream<Path> all = Files.walk(SOURCES)) {
            return all.filter(p -> p.toString().endsWith(".java")).toList().stream();
        }
    }
}
