package dev.silentrefresh.demo.browser;

import java.io.IOException;
import java.util.List;

/**
 * The Keycloak server process that Keycloak's test framework started for this test JVM: a descendant of it running Quarkus's
 * entry point. Other Keycloak processes on the machine (other builds) are never touched.
 */
final class KeycloakProcess {

    private final ProcessHandle process;

    private KeycloakProcess(ProcessHandle process) {
        this.process = process;
    }

    static KeycloakProcess ofThisTestRun() {
        List<ProcessHandle> servers = ProcessHandle.current().descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("io.quarkus.bootstrap.runner.QuarkusEntryPoint"))
                .toList();
        if (servers.size() != 1) {
            throw new IllegalStateException("expected one Keycloak server process started by this test run, found " + servers.size());
        }
        return new KeycloakProcess(servers.get(0));
    }

    /** SIGSTOP: the process keeps its sockets (connections are accepted by the kernel) but answers nothing. */
    void freeze() {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            int exit = new ProcessBuilder("kill", "-" + name, String.valueOf(this.process.pid())).inheritIO().start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + name + " " + this.process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not signal Keycloak", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling Keycloak", e);
        }
    }
}
