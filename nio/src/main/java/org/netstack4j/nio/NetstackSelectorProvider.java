package org.netstack4j.nio;

import org.netstack4j.hw.link.KernelChannels;
import org.netstack4j.stack.Host;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * java.nio's channels and selectors over a netstack4j host's TCP and UDP (IPv4).
 *
 * <p>Given a host ({@link #NetstackSelectorProvider(Host)}), it serves that host. Installed as the
 * JVM's provider ({@code -Djava.nio.channels.spi.SelectorProvider=org.netstack4j.nio.NetstackSelectorProvider}),
 * the JDK makes one with the no-argument constructor, and each channel or selector belongs to the
 * host that {@link #runOn} gave the calling thread (inherited by the threads it starts: two
 * programs in one simulated network), else the one {@link #install} gave the JVM, else one
 * started from system properties at first use ({@link StackProperties}). Channels of other
 * families (Unix domain) and pipes are the JDK's own, on the kernel.
 */
public final class NetstackSelectorProvider extends SelectorProvider {
    private static final InheritableThreadLocal<Host> THREAD_HOST = new InheritableThreadLocal<>();
    private static volatile Host installed;
    private final Host fixed;
    private final AtomicInteger portHints = new AtomicInteger();

    /** The JDK's constructor, for the system property: hosts as the class comment says. */
    public NetstackSelectorProvider() {
        this.fixed = null;
    }

    /** A provider for {@code host}'s channels only. */
    public NetstackSelectorProvider(Host host) {
        this.fixed = Objects.requireNonNull(host, "host");
    }

    /** Makes {@code host} the JVM-wide host of the installed provider (the {@code run} command's). */
    public static void install(Host host) {
        installed = host;
    }

    /**
     * Runs {@code body} with {@code host} as the host of this thread's channels and of the threads
     * it starts (with the installed provider): how two programs share one JVM and one network.
     */
    public static void runOn(Host host, Runnable body) {
        Host before = THREAD_HOST.get();
        THREAD_HOST.set(host);
        try {
            body.run();
        } finally {
            THREAD_HOST.set(before);
        }
    }

    /** The host this call's channels belong to. */
    Host host() throws IOException {
        if (fixed != null) {
            return fixed;
        }
        Host h = THREAD_HOST.get();
        if (h != null) {
            return h;
        }
        h = installed;
        if (h != null) {
            return h;
        }
        synchronized (NetstackSelectorProvider.class) {
            if (installed == null) {
                installed = StackProperties.startHost();
            }
            return installed;
        }
    }

    /** Where a search for a free port starts: in turn, so a simulated run picks the same ports. */
    int nextPortHint(int range) {
        return Math.floorMod(portHints.getAndIncrement() * 7919, range);
    }

    @Override
    public DatagramChannel openDatagramChannel() throws IOException {
        return new NsDatagramChannel(this, host());
    }

    @Override
    public DatagramChannel openDatagramChannel(ProtocolFamily family) throws IOException {
        if (family == StandardProtocolFamily.INET) {
            return openDatagramChannel();
        }
        return KernelChannels.provider().openDatagramChannel(family);
    }

    @Override
    public Pipe openPipe() throws IOException {
        return KernelChannels.provider().openPipe();
    }

    @Override
    public AbstractSelector openSelector() throws IOException {
        return new NsSelector(this, host());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        return new NsServerSocketChannel(this, host());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel(ProtocolFamily family) throws IOException {
        if (family == StandardProtocolFamily.INET) {
            return openServerSocketChannel();
        }
        return KernelChannels.provider().openServerSocketChannel(family);
    }

    @Override
    public SocketChannel openSocketChannel() throws IOException {
        return new NsSocketChannel(this, host());
    }

    @Override
    public SocketChannel openSocketChannel(ProtocolFamily family) throws IOException {
        if (family == StandardProtocolFamily.INET) {
            return openSocketChannel();
        }
        return KernelChannels.provider().openSocketChannel(family);
    }
}
