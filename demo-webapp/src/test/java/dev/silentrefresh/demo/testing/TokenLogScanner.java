package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds token values in captured logs: any of the tokens a test handled, or a recognisable part of one (any
 * {@value #CHUNK}-character stretch of a JWT's signature segment, which is what makes a token usable, or of an opaque
 * value), and anything that looks like a JWT at all, known to the test or not.
 *
 * <p>Each secret is cut into {@value #CHUNK}-character pieces at a fixed stride, and every {@value #CHUNK}-character window
 * of the log is looked up among them, so a leaked fragment of {@code 2 * CHUNK - 1} characters or more is always found, in
 * time linear in the size of the log. A JWT's header and payload segments are left out: the header is the same for every
 * token of a realm key, and the payload holds identifiers (such as the session id in {@code sid}) that Keycloak may log
 * for reasons of its own in other encodings; a token without its signature is no credential, and a whole token is caught
 * by its signature and by the JWT pattern.
 *
 * <pre>{@code
 * TokenLogScanner scanner = new TokenLogScanner();
 * scanner.addToken(response.accessToken());
 * scanner.addToken(response.refreshToken());
 * List<String> leaks = scanner.scan(Files.readString(serverLog));   // empty when nothing leaked
 * }</pre>
 */
public final class TokenLogScanner {

    /** The length of the pieces secrets are cut into. */
    public static final int CHUNK = 16;

    // three base64url segments, the first two starting with '{"' encoded: a JWS (or, with five, the start of a JWE)
    private static final Pattern ANY_JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{16,}");

    private final Set<String> chunks = new HashSet<>();
    private int tokens;

    /** Adds a token (a JWT, or any opaque secret) whose value, or any part of it, must not appear in the logs. */
    public TokenLogScanner addToken(String token) {
        if (token == null || token.isEmpty()) {
            return this;
        }
        this.tokens++;
        String[] segments = token.split("\\.", -1);
        boolean jwt = segments.length >= 3 && segments[0].startsWith("eyJ");
        if (jwt) {
            addChunks(segments[segments.length - 1]);
        } else {
            addChunks(token);
        }
        return this;
    }

    public TokenLogScanner addTokens(Collection<String> tokens) {
        tokens.forEach(this::addToken);
        return this;
    }

    /** How many tokens were added. */
    public int tokenCount() {
        return this.tokens;
    }

    /**
     * @return one line per finding (where, and the first characters of what was found), empty when the log holds no token
     */
    public List<String> scan(String log) {
        List<String> findings = new ArrayList<>();
        Matcher jwt = ANY_JWT.matcher(log);
        while (jwt.find()) {
            findings.add("a JWT at offset " + jwt.start() + ": " + preview(jwt.group()));
        }
        for (int i = 0; i + CHUNK <= log.length(); i++) {
            if (this.chunks.contains(log.substring(i, i + CHUNK))) {
                findings.add("part of a known token at offset " + i + " (line " + lineOf(log, i) + "): "
                        + preview(log.substring(i, i + CHUNK)));
                // one finding per leaked stretch is enough
                i += CHUNK - 1;
            }
        }
        return findings;
    }

    /** Scans files, e.g. Keycloak's server log and the app's captured output. */
    public List<String> scan(Path... logs) throws IOException {
        List<String> findings = new ArrayList<>();
        for (Path log : logs) {
            for (String finding : scan(new String(Files.readAllBytes(log), StandardCharsets.UTF_8))) {
                findings.add(log.getFileName() + ": " + finding);
            }
        }
        return findings;
    }

    private void addChunks(String secret) {
        if (secret.length() < CHUNK) {
            // too short to tell from ordinary text; whole tokens are always longer
            return;
        }
        for (int start = 0; start + CHUNK <= secret.length(); start += CHUNK) {
            this.chunks.add(secret.substring(start, start + CHUNK));
        }
        // the tail, so the last characters are covered too
        this.chunks.add(secret.substring(secret.length() - CHUNK));
    }

    private static int lineOf(String log, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (log.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    // enough to recognise the finding in a report, too little to reuse: findings are printed in test failures
    private static String preview(String text) {
        return text.substring(0, Math.min(6, text.length())) + "...";
    }
}
