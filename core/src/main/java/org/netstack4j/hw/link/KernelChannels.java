package org.netstack4j.hw.link;

import java.io.IOException;
import java.nio.channels.spi.SelectorProvider;

/**
 * The JDK's own channels on the kernel's sockets, for media that are kernel sockets (the switch
 * link and server), even in a JVM whose default {@link SelectorProvider} is another (netstack4j's
 * NIO provider, installed with {@code -Djava.nio.channels.spi.SelectorProvider}): a medium must
 * never run over the stack it carries.
 */
public final class KernelChannels {
    private static volatile SelectorProvider provider;

    private KernelChannels() {
    }

    /** The JDK's built-in provider. */
    public static SelectorProvider provider() throws IOException {
        SelectorProvider p = provider;
        if (p != null) {
            return p;
        }
        SelectorProvider system = SelectorProvider.provider();
        if (system.getClass().getName().startsWith("sun.nio.ch.")) {
            p = system;
        } else {
            try {
                p = (SelectorProvider) Class.forName("sun.nio.ch.DefaultSelectorProvider").getMethod("get").invoke(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IOException("the JDK's own sockets are needed beside " + system.getClass().getName()
                        + ": run java with --add-exports java.base/sun.nio.ch=ALL-UNNAMED", e);
            }
        }
        provider = p;
        return p;
    }
}
