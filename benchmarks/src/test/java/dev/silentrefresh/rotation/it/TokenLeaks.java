package dev.silentrefresh.rotation.it;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds token values in a log. Every signature segment seen during a run is cut into chunks of {@value #CHUNK} characters;
 * any run of base64url characters in the log that contains one of those chunks is a leak. So a log line holding a whole
 * token, or any piece of a signature of twice the chunk length or more, is found.
 */
final class TokenLeaks {

    static final int CHUNK = 32;
    private static final Pattern BASE64URL_RUN = Pattern.compile("[A-Za-z0-9_-]{" + CHUNK + ",}");

    private TokenLeaks() {
    }

    /** @return the log lines (at most ten, cut short) that contain a piece of one of the signatures */
    static Set<String> in(String log, Set<String> signatures) {
        Set<String> chunks = new HashSet<>();
        for (String signature : signatures) {
            for (int i = 0; i + CHUNK <= signature.length(); i += CHUNK) {
                chunks.add(signature.substring(i, i + CHUNK));
            }
        }
        Set<String> leaks = new TreeSet<>();
        Matcher run = BASE64URL_RUN.matcher(log);
        while (run.find() && leaks.size() < 10) {
            for (int i = run.start(); i + CHUNK <= run.end(); i++) {
                if (chunks.contains(log.substring(i, i + CHUNK))) {
                    leaks.add(lineAround(log, i));
                    break;
                }
            }
        }
        return leaks;
    }

    private static String lineAround(String log, int index) {
        int start = log.lastIndexOf('\n', index) + 1;
        int end = log.indexOf('\n', index);
        String line = log.substring(start, end < 0 ? log.length() : end);
        // the report must not become a leak itself: only where the line starts
        return line.substring(0, Math.min(80, Math.max(0, index - start)));
    }
}
