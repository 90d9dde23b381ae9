package dev.silentrefresh.demo.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;

/** Parsing shared by the app's settings ({@code DemoConfig}) and the filter's ({@link DpopSettings}). */
public final class SettingValues {

    private SettingValues() {
    }

    /** A comma-separated list of JWS algorithm names, blanks skipped, in their order. */
    public static Set<JWSAlgorithm> algorithms(String text) {
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        for (String name : text.split(",")) {
            if (!name.isBlank()) {
                algorithms.add(JWSAlgorithm.parse(name.trim()));
            }
        }
        return algorithms;
    }

    /** A URI, or an error naming the setting it came from. */
    public static URI uri(String name, String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException ex) {
            throw new IllegalArgumentException(name + " must be an http or https URL, got '" + text + "'", ex);
        }
    }
}
