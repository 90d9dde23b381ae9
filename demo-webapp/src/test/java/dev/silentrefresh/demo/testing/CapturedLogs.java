package dev.silentrefresh.demo.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.JettyLoggerFactory;
import org.eclipse.jetty.logging.StdErrAppender;
import org.slf4j.LoggerFactory;

/**
 * Everything the app logs while open, still echoed to stderr: points jetty-slf4j-impl's single {@link StdErrAppender} at a
 * buffer, and raises the given loggers to the given level. Levels set on a parent only reach loggers that exist, so call
 * {@link #raise()} again once the app is running.
 */
public final class CapturedLogs implements AutoCloseable {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final JettyLoggerFactory loggers;
    private final StdErrAppender appender;
    private final PrintStream originalStream;
    private final String loggerName;
    private final String level;
    private final String originalLevel;

    private CapturedLogs(String loggerName, String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof JettyLoggerFactory factory)) {
            throw new IllegalStateException("the app must log through jetty-slf4j-impl for its output to be captured");
        }
        this.loggers = factory;
        this.loggerName = loggerName;
        this.level = level;
        this.originalLevel = factory.getLoggerLevel(loggerName);
        this.appender = (StdErrAppender) ((JettyLogger) LoggerFactory.getLogger(loggerName)).getAppender();
        // null means the appender writes to whatever System.err is at the time
        this.originalStream = this.appender.getStream();
        OutputStream console = this.originalStream != null ? this.originalStream : System.err;
        this.appender.setStream(new PrintStream(new Tee(this.captured, console), true, StandardCharsets.UTF_8));
        raise();
    }

    /** Captures the app's output, with the loggers under {@code loggerName} at {@code level} (e.g. "DEBUG", "TRACE"). */
    public static CapturedLogs start(String loggerName, String level) {
        return new CapturedLogs(loggerName, level);
    }

    /** Sets the level again, for loggers created since. */
    public void raise() {
        this.loggers.setLoggerLevel(this.loggerName, this.level);
    }

    public String text() {
        synchronized (this.captured) {
            return this.captured.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        this.appender.setStream(this.originalStream);
        this.loggers.setLoggerLevel(this.loggerName, this.originalLevel);
    }

    private static final class Tee extends OutputStream {

        private final ByteArrayOutputStream first;
        private final OutputStream second;

        Tee(ByteArrayOutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            synchronized (this.first) {
                this.first.write(b);
            }
            this.second.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            synchronized (this.first) {
                this.first.write(bytes, offset, length);
            }
            this.second.write(bytes, offset, length);
        }
    }
}
