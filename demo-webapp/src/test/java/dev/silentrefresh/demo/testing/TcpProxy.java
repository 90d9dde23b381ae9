package dev.silentrefresh.demo.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on a loopback port to a target address, which a test can cut (connections dropped, the port refusing new
 * ones, as when a host goes away) and restore on the same port: stands between the app and Keycloak's JWKS endpoint.
 */
public final class TcpProxy implements AutoCloseable {

    private final InetSocketAddress target;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile ServerSocket listener;

    private TcpProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /** Relays 127.0.0.1:(a free port) to {@code host:port}. */
    public static TcpProxy start(String host, int port) throws IOException {
        ServerSocket first = new ServerSocket();
        first.setReuseAddress(true);
        first.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, port), first.getLocalPort());
        proxy.listen(first);
        return proxy;
    }

    public int port() {
        return this.port;
    }

    /** How many connections were relayed so far. */
    public int connections() {
        return this.connections.get();
    }

    /** Drops every open connection and refuses new ones until {@link #restore()}. */
    public synchronized void cut() throws IOException {
        ServerSocket current = this.listener;
        this.listener = null;
        if (current != null) {
            current.close();
        }
        for (Socket socket : this.open) {
            socket.close();
        }
        this.open.clear();
    }

    /** Accepts connections again, on the same port. */
    public synchronized void restore() throws IOException {
        if (this.listener != null) {
            return;
        }
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port));
        listen(again);
    }

    @Override
    public void close() throws IOException {
        cut();
    }

    private void listen(ServerSocket socket) {
        this.listener = socket;
        Thread acceptor = new Thread(() -> accept(socket), "tcp-proxy-accept-" + this.port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client = null;
            try {
                client = socket.accept();
                Socket upstream = new Socket();
                upstream.connect(this.target, 5_000);
                this.open.add(client);
                this.open.add(upstream);
                this.connections.incrementAndGet();
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException ex) {
                // closed by cut(), or the target refused: the client sees its connection end
                if (client != null) {
                    closeQuietly(client);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread pump = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ex) {
                // one side went away
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                this.open.remove(from);
                this.open.remove(to);
            }
        }, "tcp-proxy-pump");
        pump.setDaemon(true);
        pump.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ex) {
            // already closed
        }
    }
}
