package org.netstack4j.nio.examples;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * An ordinary program on the JDK's own HTTP server, written with no thought of netstack4j: it
 * answers {@code GET /} with a greeting and {@code POST /echo} with what it was sent.
 */
public final class HelloHttpServer {
    public static final String GREETING = "hello from the JDK's HttpServer\n";

    private HelloHttpServer() {
    }

    public static HttpServer start(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            byte[] body = GREETING.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/echo", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    public static void main(String[] args) throws IOException {
        start(args.length > 0 ? Integer.parseInt(args[0]) : 8080);
        System.out.println("listening");
    }
}
