package dev.silentrefresh.rotation.testhook;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.UUID;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
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
 * <li>{@code GET single-use-objects/count[?prefix=...]}: how many keys (starting with the prefix) the store
 * ({@code actionTokens} cache) holds across the cluster.</li>
 * <li>{@code POST single-use-objects/measure?count=n}: heap bytes per mark-shaped key on this node.</li>
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
        public String count(@QueryParam("prefix") String prefix) throws ReflectiveOperationException {
            Map<?, ?> cache = actionTokens();
            if (prefix == null) {
                return String.valueOf(cache.size());
            }
            // iterated, not streamed: a distributed stream would have to marshal the filter to the other node
            long count = 0;
            for (Object key : cache.keySet()) {
                if (key.toString().startsWith(prefix)) {
                    count++;
                }
            }
            return String.valueOf(count);
        }

        /**
         * Heap bytes this node spends per key shaped like a revocation mark: {@code count} such keys put (with a two-minute
         * lifespan), heap measured after a full GC before and after. The other owner of each key spends as much again.
         */
        @POST
        @Path("single-use-objects/measure")
        @Produces(MediaType.TEXT_PLAIN)
        public String measure(@QueryParam("count") int count) throws InterruptedException {
            long before = usedHeapAfterGc();
            for (int i = 0; i < count; i++) {
                session.singleUseObjects().putIfAbsent("rtr:revoked:client-session:" + UUID.randomUUID() + ":" + UUID.randomUUID()
                        + ":online:" + (1_800_000_000 + i), 120);
            }
            long after = usedHeapAfterGc();
            return String.valueOf((after - before) / count);
        }

        private static long usedHeapAfterGc() throws InterruptedException {
            Runtime runtime = Runtime.getRuntime();
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            return runtime.totalMemory() - runtime.freeMemory();
        }

        private Map<?, ?> actionTokens() throws ReflectiveOperationException {
            // the Infinispan connection provider is not on this module's compile path; the store has no size of its own
            Class<?> connections = Class.forName("org.keycloak.connections.infinispan.InfinispanConnectionProvider");
            @SuppressWarnings("unchecked")
            Object provider = session.getProvider((Class<Provider>) connections);
            Method getCache = connections.getMethod("getCache", String.class);
            // an Infinispan cache is a java.util.Map; a distributed cache counts every key of the cluster once
            return (Map<?, ?>) getCache.invoke(provider, "actionTokens");
        }

        @Override
        public void close() {
        }
    }
}
