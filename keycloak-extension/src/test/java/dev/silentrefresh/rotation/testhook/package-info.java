/**
 * A test-only Keycloak provider jar ({@code keycloak-refresh-token-rotation-testhook.jar}, built from the test classes and
 * never part of the shipped extension) that lets a test put Keycloak into states it cannot otherwise reach on demand: a
 * request whose commit is slow, a claim left without a holder, a count of the single-use store's keys. It is deployed only
 * into the distributions the tests start themselves ({@code KeycloakCluster}); everything it does is triggered by the test.
 */
package dev.silentrefresh.rotation.testhook;
