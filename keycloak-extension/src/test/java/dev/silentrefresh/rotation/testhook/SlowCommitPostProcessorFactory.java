package dev.silentrefresh.rotation.testhook;

import org.jboss.logging.Logger;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.token.TokenPostProcessor;
import org.keycloak.protocol.oidc.token.TokenPostProcessorContext;
import org.keycloak.protocol.oidc.token.TokenPostProcessorFactory;

/**
 * Holds back the commit of a token request that carries {@value #COMMIT_DELAY_HEADER} (milliseconds): a transaction in the
 * prepare phase sleeps, so everything the request writes at commit (the session store, the single-use store's deferred
 * {@code put}s) lands that much later, as on a database that stalls mid-commit.
 */
public class SlowCommitPostProcessorFactory implements TokenPostProcessorFactory {

    public static final String COMMIT_DELAY_HEADER = "X-Rtr-Test-Commit-Delay-Millis";

    private static final Logger logger = Logger.getLogger(SlowCommitPostProcessorFactory.class);

    @Override
    public TokenPostProcessor create(KeycloakSession session) {
        return context -> holdBackCommit(session, context);
    }

    private static void holdBackCommit(KeycloakSession session, TokenPostProcessorContext context) {
        String delay = session.getContext().getRequestHeaders().getHeaderString(COMMIT_DELAY_HEADER);
        if (delay == null) {
            return;
        }
        long millis = Long.parseLong(delay.trim());
        session.getTransactionManager().enlistPrepare(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                logger.infof("test hook: holding this request's commit back for %d ms", millis);
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            protected void rollbackImpl() {
            }
        });
    }

    @Override
    public String getId() {
        return "rtr-test-hook-slow-commit";
    }
}
