package dev.silentrefresh.rotation.testhook;

import org.jboss.logging.Logger;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.protocol.oidc.token.TokenPostProcessorFactory;

/**
 * Holds back the decision on a token request that carries {@value #DECISION_DELAY_HEADER} (milliseconds): it sleeps in a
 * token post-processor ordered before the executor's, that is after the grant has started ({@code TOKEN_REFRESH}) and
 * before the rotation rule runs, as a CPU-starved Keycloak takes that long to get from one to the other.
 */
public class SlowDecisionPostProcessorFactory implements TokenPostProcessorFactory {

    public static final String DECISION_DELAY_HEADER = "X-Rtr-Test-Decision-Delay-Millis";

    private static final Logger logger = Logger.getLogger(SlowDecisionPostProcessorFactory.class);

    @Override
    public TokenPostProcessor create(KeycloakSession session) {
        return context -> holdBackDecision(session, context);
    }

    private static void holdBackDecision(KeycloakSession session, TokenPostProcessorContext context) {
        String delay = session.getContext().getRequestHeaders().getHeaderString(DECISION_DELAY_HEADER);
        if (delay == null) {
            return;
        }
        long millis = Long.parseLong(delay.trim());
        logger.infof("test hook: holding this request back for %d ms before the rotation rule decides", millis);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Post-processors run in descending order; the executor's is at the default, 0. */
    @Override
    public int order() {
        return 100;
    }

    @Override
    public String getId() {
        return "rtr-test-hook-slow-decision";
    }
}
