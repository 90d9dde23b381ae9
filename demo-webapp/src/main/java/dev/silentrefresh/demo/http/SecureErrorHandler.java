package dev.silentrefresh.demo.http;

import java.nio.ByteBuffer;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request Jetty refuses before any servlet sees it: a malformed request line, headers over the
 * size limit, an unknown HTTP version) with the same browser-side defences as every page: a Content Security Policy that
 * allows nothing at all (an error page needs no script, style or image), {@code nosniff}, no referrer, no framing, its own
 * browsing context group, no powerful features, and {@code no-store}. Answers from inside the app get theirs from the app's own filter.
 */
public final class SecureErrorHandler extends ErrorHandler {

    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
            + "object-src 'none'; require-trusted-types-for 'script'; trusted-types 'none'";
    /** Nothing powerful for an error page (the app's pages deny the same and more). */
    static final String PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
            + "bluetooth=(), midi=(), display-capture=(), screen-wake-lock=(), publickey-credentials-get=(), browsing-topics=()";

    public SecureErrorHandler() {
        setCacheControl("no-store");
        setShowStacks(false);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        addHeaders(response.getHeaders());
        return super.handle(request, response, callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        addHeaders(fields);
        return super.badMessageError(status, reason, fields);
    }

    // headers the app's own filter already set (an error inside the context) are kept; an error is never stored
    private static void addHeaders(HttpFields.Mutable fields) {
        addIfAbsent(fields, "Content-Security-Policy", CONTENT_SECURITY_POLICY);
        addIfAbsent(fields, "X-Content-Type-Options", "nosniff");
        addIfAbsent(fields, "Referrer-Policy", "no-referrer");
        addIfAbsent(fields, "X-Frame-Options", "DENY");
        addIfAbsent(fields, "Cross-Origin-Opener-Policy", "same-origin");
        addIfAbsent(fields, "Permissions-Policy", PERMISSIONS_POLICY);
        fields.put("Cache-Control", "no-store");
    }

    private static void addIfAbsent(HttpFields.Mutable fields, String name, String value) {
        if (!fields.contains(name)) {
            fields.put(name, value);
        }
    }
}
