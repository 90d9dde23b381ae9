package dev.silentrefresh.rotation;

/** A configuration property of the executor has a value it cannot use. */
final class InvalidSettingException extends Exception {

    private final String property;

    InvalidSettingException(String property, String message) {
        super(property + ": " + message);
        this.property = property;
    }

    /** The configuration key that is wrong. */
    String property() {
        return property;
    }
}
