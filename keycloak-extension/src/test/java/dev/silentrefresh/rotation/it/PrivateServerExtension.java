package dev.silentrefresh.rotation.it;

import java.util.List;

import org.keycloak.testframework.TestFrameworkExtension;
import org.keycloak.testframework.injection.Supplier;

/** Registers {@link PrivateKeycloakServerSupplier} with Keycloak's test framework (found through the service loader). */
public final class PrivateServerExtension implements TestFrameworkExtension {

    @Override
    public List<Supplier<?, ?>> suppliers() {
        return List.of(new PrivateKeycloakServerSupplier());
    }
}
