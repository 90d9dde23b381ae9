package dev.silentrefresh.rotation.testhook;

import java.lang.reflect.Method;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.Provider;
import org.keycloak.services.resource.RealmResourceProvider;
import org.keycloak.services.resource.RealmResourceProviderFactory;

/**
 * {@code /realms/<realm>/rtr-test-hook}: direct access to Keycloak's single-use object store for fault tests.
 * <ul>
 * <li>{@code POST single-use-objects/<key>}: {@code putIfAbsent(key, 60 s)} with no notes, as a request that died right
 * after taking a claim would leave it; 204 if it was absent, 409 if present.</li>
 * <li>{@code GET single-use-objects/count}: how many keys the store ({@code actionTokens} cache) holds across the cluster.</li>
 * </ul>
 */
public class TestHookResourceFactory implements RealmResourceProviderFactory {

    @Override
    public RealmResourceProvider create(KeycloakSession session) {
        return new Hook(session);
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return "rtr-test-hook";
    }

    public static final class Hook implements RealmResourceProvider {

        private final KeycloakSession session;

        Hook(KeycloakSession session) {
            this.session = session;
        }

        @Override
        public Object getResource() {
            return this;
        }

        @POST
        @Path("single-use-objects/{key}")
        public Response take(@PathParam("key") String key) {
            boolean taken = session.singleUseObjects().putIfAbsent(key, 60);
            return Response.status(taken ? Response.Status.NO_CONTENT : Response.Status.CONFLICT).build();
        }

        @GET
        @Path("single-use-objects/count")
        @Produces(MediaType.TEXT_PLAIN)
        public String count() throws ReflectiveOperationException {
            // the Infinispan connection provider is not on this module's compile path; the store has no size of its own
            Class<?> connections = Class.forName("org.keycloak.connections.infinispan.InfinispanConnectionProvider");
            @SuppressWarnings("unchecked")
            Object provider = session.getProvider((Class<Provider>) connections);
            Method getCache = connections.getMethod("getCache", String.class);
            Object cache = getCache.invoke(provider, "actionTokens");
            // an Infinispan cache is a java.util.Map; a distributed cache counts every key of the cluster once
            return String.valueOf(((Map<?, ?>) cache).size());
        }

        @Override
        public void close() {
        }
    }
}
