package org.netstack4j.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.lab.Network;
import org.netstack4j.nio.NetstackSelectorProvider;
import org.netstack4j.stack.HostConfig;
import org.netstack4j.wire.MacAddress;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Netty NIO echo server, unchanged, on two providers in one run: netstack4j's (the server on one
 * host, the clients on another, both in this JVM on real threads) and the JDK's over the kernel's
 * loopback. Clients are blocking SocketChannels from the same provider: one measures the round
 * trip of 64-byte messages, then N clients at once measure echoes per second.
 * Usage: {@code NettyEchoBench [--rounds N] [--seconds S] [--clients 1,8] [--mode napi|poll|interrupt] [--json]}.
 */
public final class NettyEchoBench {
    private static final int PORT = 7;
    private static final int MESSAGE = 64;

    private NettyEchoBench() {
    }

    /** One provider's figures. */
    record Figures(String stack, long rounds, double p50, double p99, double p999, Map<Integer, Double> echoesPerSecond) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = 20_000;
        int seconds = 3;
        List<Integer> clients = List.of(1, 8);
        WakeMode mode = WakeMode.NAPI;
        boolean json = false;
        boolean shared = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).map(Integer::parseInt).toList();
                case "--mode" -> mode = WakeMode.parse(args[++i]);
                case "--json" -> json = true;
                case "--one-cpu-thread" -> shared = true;
                default -> {
                    System.err.println("usage: NettyEchoBench [--rounds 1000..1000000] [--seconds 1..60] [--clients 1,8] "
                            + "[--mode interrupt|napi|poll] [--one-cpu-thread] [--json]");
                    System.exit(2);
                }
            }
        }
        if (rounds < 1000 || rounds > 1_000_000 || seconds < 1 || seconds > 60
                || clients.stream().anyMatch(c -> c < 1 || c > 256)) {
            System.err.println("NettyEchoBench: --rounds 1000..1000000, --seconds 1..60, --clients 1..256 each");
            System.exit(2);
        }
        System.err.println("NettyEchoBench: JDK over loopback ...");
        SelectorProvider jdk = SelectorProvider.provider();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Figures kernel = measure("JDK provider, kernel loopback", jdk, jdk, loopback, rounds, seconds, clients);
        System.err.println("NettyEchoBench: netstack4j, two hosts on real threads (" + mode.cliName() + ") ...");
        Network net = Network.real(1);
        if (shared) {
            net.sharingOneCpuThread();
        }
        Network.Node c = net.addHost("client", MacAddress.parse("52:54:00:12:34:56"), "10.0.2.15/24", mode, HostConfig.DEFAULT);
        Network.Node s = net.addHost("server", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", mode, HostConfig.DEFAULT);
        net.cable(c, s);
        net.start();
        Figures ours;
        try {
            ours = measure("netstack4j provider, real threads, " + mode.cliName() + (shared ? ", one CPU thread" : ""), new NetstackSelectorProvider(s.host()),
                    new NetstackSelectorProvider(c.host()), InetAddress.getByName("10.0.2.2"), rounds, seconds, clients);
        } finally {
            net.close();
        }
        report(json, mode, List.of(kernel, ours));
    }

    private static Figures measure(String name, SelectorProvider serverSide, SelectorProvider clientSide,
                                   InetAddress at, int rounds, int seconds, List<Integer> clients) throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(1, (Executor) null, serverSide);
        try {
            Channel server = new ServerBootstrap().group(group)
                    .channelFactory(() -> new NioServerSocketChannel(serverSide))
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.write(msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }
                            });
                        }
                    }).bind(new InetSocketAddress(at, PORT)).sync().channel();
            InetSocketAddress to = new InetSocketAddress(at, PORT);
            long[] rtt = new long[rounds];
            try (java.nio.channels.SocketChannel ch = clientSide.openSocketChannel()) {
                ch.connect(to);
                ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                ByteBuffer out = ByteBuffer.allocate(MESSAGE);
                ByteBuffer in = ByteBuffer.allocate(MESSAGE);
                for (int i = 0; i < rounds / 5; i++) {
                    echo(ch, out, in);
                }
                for (int i = 0; i < rounds; i++) {
                    long t0 = System.nanoTime();
                    echo(ch, out, in);
                    rtt[i] = System.nanoTime() - t0;
                }
            }
            Arrays.sort(rtt);
            Map<Integer, Double> perSecond = new LinkedHashMap<>();
            for (int n : clients) {
                perSecond.put(n, echoesPerSecond(clientSide, to, n, seconds));
            }
            server.close().sync();
            return new Figures(name, rounds, rtt[rounds / 2] / 1e3, rtt[(int) (rounds * 0.99)] / 1e3,
                    rtt[(int) (rounds * 0.999)] / 1e3, perSecond);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void echo(java.nio.channels.SocketChannel ch, ByteBuffer out, ByteBuffer in) throws IOException {
        out.clear();
        while (out.hasRemaining()) {
            ch.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                throw new IOException("the echo server closed");
            }
        }
    }

    /** {@code n} clients at once, one message in flight each, for {@code seconds}. */
    private static double echoesPerSecond(SelectorProvider provider, InetSocketAddress to, int n, int seconds)
            throws Exception {
        AtomicLong echoes = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try (java.nio.channels.SocketChannel ch = provider.openSocketChannel()) {
                    ch.connect(to);
                    ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                    ByteBuffer out = ByteBuffer.allocate(MESSAGE);
                    ByteBuffer in = ByteBuffer.allocate(MESSAGE);
                    long mine = 0;
                    while (System.nanoTime() < end) {
                        echo(ch, out, in);
                        mine++;
                    }
                    echoes.addAndGet(mine);
                } catch (IOException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IOException("a client failed", failures.get(0));
        }
        return echoes.get() / (double) seconds;
    }

    private static void report(boolean json, WakeMode mode, List<Figures> all) {
        Figures jdk = all.get(0);
        Figures ours = all.get(1);
        if (!json) {
            System.out.printf(Locale.ROOT, "Netty NIO echo server, %d-byte messages, %d cores%n", MESSAGE,
                    Runtime.getRuntime().availableProcessors());
            for (Figures f : all) {
                System.out.printf(Locale.ROOT, "  %-44s round trip p50 %7.1f us  p99 %7.1f us  p99.9 %8.1f us%n",
                        f.stack(), f.p50(), f.p99(), f.p999());
                f.echoesPerSecond().forEach((n, r) -> System.out.printf(Locale.ROOT,
                        "  %-44s %3d client%s: %,10.0f echoes/s%n", "", n, n == 1 ? " " : "s", r));
            }
            System.out.printf(Locale.ROOT, "  netstack4j / JDK: round trip p50 %.2fx; echoes/s %s%n", ours.p50() / jdk.p50(),
                    ratios(jdk, ours));
            return;
        }
        StringBuilder b = new StringBuilder("{\"cores\":").append(Runtime.getRuntime().availableProcessors())
                .append(",\"mode\":\"").append(mode.cliName()).append("\",\"message_bytes\":").append(MESSAGE).append(",\"runs\":[");
        for (int i = 0; i < all.size(); i++) {
            Figures f = all.get(i);
            b.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"stack\":\"%s\",\"rounds\":%d,\"rtt_p50_us\":%.2f,\"rtt_p99_us\":%.2f,\"rtt_p999_us\":%.2f,\"echoes_per_s\":{",
                    f.stack(), f.rounds(), f.p50(), f.p99(), f.p999()));
            int k = 0;
            for (var e : f.echoesPerSecond().entrySet()) {
                b.append(k++ == 0 ? "" : ",").append('"').append(e.getKey()).append("\":")
                        .append(String.format(Locale.ROOT, "%.1f", e.getValue()));
            }
            b.append("}}");
        }
        b.append("],\"rtt_p50_ratio\":").append(String.format(Locale.ROOT, "%.3f", ours.p50() / jdk.p50()));
        for (var e : ours.echoesPerSecond().entrySet()) {
            b.append(",\"echoes_ratio_clients_").append(e.getKey()).append("\":")
                    .append(String.format(Locale.ROOT, "%.3f", e.getValue() / jdk.echoesPerSecond().get(e.getKey())));
        }
        System.out.println(b.append('}'));
    }

    private static String ratios(Figures jdk, Figures ours) {
        StringBuilder s = new StringBuilder();
        ours.echoesPerSecond().forEach((n, r) -> s.append(String.format(Locale.ROOT, "%d client%s %.2fx  ", n,
                n == 1 ? "" : "s", r / jdk.echoesPerSecond().get(n))));
        return s.toString().strip();
    }
}
