package dev.silentrefresh.demo.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends exactly the bytes given to an HTTP server and reads its answer: for requests the JDK's client refuses to build
 * (line breaks, control characters or non-UTF-8 bytes in a header, two {@code Authorization} headers of any form).
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** An answer: the status code and the raw head and body (ISO-8859-1, as bytes arrived). */
    public record Answer(int status, String raw) {

        /** The value of the first header with this name, or {@code null}. */
        public String header(String name) {
            for (String line : this.raw.split("\r\n")) {
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** Writes {@code request}, half-closes the connection and reads until the server closes it. */
    public static Answer send(String host, int port, byte[] request, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            String raw = answer.toString(StandardCharsets.ISO_8859_1);
            return new Answer(statusOf(raw), raw);
        }
    }

    private static int statusOf(String raw) {
        // "HTTP/1.1 400 Bad Request"
        if (!raw.startsWith("HTTP/") || raw.indexOf(' ') < 0 || raw.length() < raw.indexOf(' ') + 4) {
            return -1;
        }
        return Integer.parseInt(raw.substring(raw.indexOf(' ') + 1, raw.indexOf(' ') + 4));
    }
}
