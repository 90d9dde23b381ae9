package dev.silentrefresh.rotation;

/**
 * Where the rotation rule runs on the server this jar is deployed in, once Keycloak has verified the presented refresh
 * token and built the new tokens. One jar serves several Keycloak lines; this is the one place that tells them apart.
 */
enum RefreshHook {

    /**
     * Keycloak 26.7 and newer: token post-processors (SPI {@code token-interceptor}) run for every grant, whatever the
     * client policies say, so {@link RefreshRotationPostProcessor} enforces the rule, also for a family whose client has
     * left the policy.
     */
    TOKEN_POST_PROCESSOR,

    /**
     * Keycloak 26.4 and 26.5, which have no post-processor SPI: the executor enforces the rule itself on
     * {@code TOKEN_REFRESH_RESPONSE}, which Keycloak fires at the same point (after verification, before encoding), but
     * only for refreshes a client policy applies the executor to.
     */
    CLIENT_POLICY_RESPONSE;

    /** The interface {@link RefreshRotationPostProcessor} implements; the only class of it this check names. */
    private static final String POST_PROCESSOR_SPI = "org.keycloak.protocol.oidc.token.TokenPostProcessorFactory";

    private static final RefreshHook ON_THIS_SERVER = detect();

    /** Decided once per server: which Keycloak classes exist does not change while it runs. */
    static RefreshHook onThisServer() {
        return ON_THIS_SERVER;
    }

    private static RefreshHook detect() {
        try {
            Class.forName(POST_PROCESSOR_SPI, false, RefreshHook.class.getClassLoader());
            return TOKEN_POST_PROCESSOR;
        } catch (ClassNotFoundException olderKeycloak) {
            return CLIENT_POLICY_RESPONSE;
        }
    }
}
