package dev.silentrefresh.demo.api;

import java.io.IOException;
import java.util.Objects;

import dev.silentrefresh.demo.http.JsonResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** {@code GET /config.json}: the {@link PageConfig}, public, and never cached so a changed setting shows up on reload. */
public final class ConfigServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient PageConfig pageConfig;

    public ConfigServlet(PageConfig pageConfig) {
        this.pageConfig = Objects.requireNonNull(pageConfig, "pageConfig cannot be null");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        JsonResponses.write(response, HttpServletResponse.SC_OK, this.pageConfig);
    }
}
