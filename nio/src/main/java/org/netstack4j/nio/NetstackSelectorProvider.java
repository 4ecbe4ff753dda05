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
 * families (Unix domain), pipes, and the channels of threads the user keeps on the kernel
 * ({@link #runOnKernel}, {@code -Dnetstack4j.kernelThreads}) are the JDK's own.
 */
public final class NetstackSelectorProvider extends SelectorProvider {
    private static final InheritableThreadLocal<Host> THREAD_HOST = new InheritableThreadLocal<>();
    /** Threads (and the threads they start) whose channels stay on the kernel, with the JDK's own provider. */
    private static final InheritableThreadLocal<Boolean> THREAD_KERNEL = new InheritableThreadLocal<>();
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

    /**
     * Runs {@code body} with the JDK's own channels on the kernel for this thread and the threads it
     * starts, with the provider installed: a part of a program that must stay on the machine's
     * stack (its loopback, say). Threads whose names start with one of the comma-separated
     * prefixes in {@code -Dnetstack4j.kernelThreads} stay on the kernel too.
     */
    public static void runOnKernel(Runnable body) {
        Boolean before = THREAD_KERNEL.get();
        THREAD_KERNEL.set(Boolean.TRUE);
        try {
            body.run();
        } finally {
            THREAD_KERNEL.set(before);
        }
    }

    /** Whether the calling thread's channels are the kernel's: {@link #runOnKernel}, or its name. */
    private boolean onKernel() {
        if (fixed != null) {
            return false;
        }
        if (Boolean.TRUE.equals(THREAD_KERNEL.get())) {
            return true;
        }
        String prefixes = System.getProperty("netstack4j.kernelThreads");
        if (prefixes != null) {
            String name = Thread.currentThread().getName();
            for (String p : prefixes.split(",")) {
                if (!p.isBlank() && name.startsWith(p.strip())) {
                    return true;
                }
            }
        }
        return false;
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
        if (onKernel()) {
            return KernelChannels.provider().openDatagramChannel();
        }
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
        if (onKernel()) {
            return KernelChannels.provider().openSelector();
        }
        return new NsSelector(this, host());
    }

    @Override
    public ServerSocketChannel openServerSocketChannel() throws IOException {
        if (onKernel()) {
            return KernelChannels.provider().openServerSocketChannel();
        }
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
        if (onKernel()) {
            return KernelChannels.provider().openSocketChannel();
        }
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
