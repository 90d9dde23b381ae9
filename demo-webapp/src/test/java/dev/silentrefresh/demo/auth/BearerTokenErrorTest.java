package dev.silentrefresh.demo.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The values that end up inside {@code WWW-Authenticate} quoted strings cannot break out of them. */
class BearerTokenErrorTest {

    @Test
    void factoriesWhenCalledThenCodeAndStatusMatchRfc6750() {
        assertEquals(new BearerTokenError("invalid_request", 400, "x", null), BearerTokenError.invalidRequest("x"));
        assertEquals(new BearerTokenError("invalid_token", 401, "x", null), BearerTokenError.invalidToken("x"));
        assertEquals(new BearerTokenError("insufficient_scope", 403, "x", "a b"), BearerTokenError.insufficientScope("x", "a b"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "say \"hi\"", "back\\slash", "line\r\nX-Injected: 1", "tab\there", "caf\u00e9"})
    void constructorWhenDescriptionCannotBeQuotedThenRefused(String description) {
        assertEquals("description must use only the characters RFC 6750 allows",
                assertThrows(IllegalArgumentException.class, () -> BearerTokenError.invalidToken(description)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " reader", "reader ", "a  b", "read\"er", "read\\er", "a\nb"})
    void constructorWhenScopeIsNotScopeTokensThenRefused(String scope) {
        assertEquals("scope must be space-separated scope tokens",
                assertThrows(IllegalArgumentException.class, () -> BearerTokenError.insufficientScope("x", scope)).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "demo\"api", "demo\\api", "demo\r\napi"})
    void errorWriterWhenRealmCannotBeQuotedThenRefused(String realm) {
        assertThrows(IllegalArgumentException.class, () -> new BearerTokenErrorWriter(realm));
    }

    @Test
    void errorWriterWhenRealmIsNullThenNamesIt() {
        assertEquals("realm cannot be null", assertThrows(NullPointerException.class, () -> new BearerTokenErrorWriter(null)).getMessage());
    }
}
