package org.netstack4j.comms.naive;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The handful of Linux system calls a C socket server makes, bound with {@code java.lang.foreign}
 * (no JNI): descriptors are bare {@code int}s here, as they are in C. Calls that can fail leave
 * their {@code errno} in a per-instance call-state segment. One instance is used by one thread.
 * Constants are Linux x86-64's.
 */
final class RawSockets implements AutoCloseable {
    static final int AF_INET = 2;
    static final int SOCK_STREAM = 1;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int ECONNRESET = 104;
    private static final short POLLIN = 0x1;
    /** {@code struct sockaddr_in}: family, port (network order), address, 8 bytes of zeros. */
    private static final long SOCKADDR_IN_SIZE = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = bind("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = bind("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = bind("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle ACCEPT = bind("accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(symbol("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(CALL_STATE);

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, ERRNO);
    }

    /** The {@code errno} the last failed call left. */
    int errno() {
        return state.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** The C library's text for an {@code errno}. */
    static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private IOException failure(String call) {
        int e = errno();
        return new IOException(call + ": " + strerror(e) + " (errno " + e + ")");
    }

    /** {@code socket(AF_INET, SOCK_STREAM, 0)}, then {@code SO_REUSEADDR}, bound to 127.0.0.1 port 0, listening. */
    int listenOnLoopback(int backlog) throws IOException {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(state, AF_INET, SOCK_STREAM, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (fd < 0) {
            throw failure("socket");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment one = call.allocateFrom(JAVA_INT, 1);
            if (invokeInt(SETSOCKOPT, fd, SOL_SOCKET, SO_REUSEADDR, one, (int) JAVA_INT.byteSize()) != 0) {
                throw failure("setsockopt");
            }
            MemorySegment address = call.allocate(SOCKADDR_IN_SIZE); // zeroed: port 0, and the 8 trailing zeros
            address.set(JAVA_SHORT, 0, (short) AF_INET); // host order
            address.set(JAVA_BYTE, 4, (byte) 127);
            address.set(JAVA_BYTE, 7, (byte) 1);
            if (invokeBind(fd, address) != 0) {
                throw failure("bind");
            }
            if (invokeInt(LISTEN, fd, backlog) != 0) {
                throw failure("listen");
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            close(fd);
            throw e;
        }
    }

    /** The port {@code getsockname(2)} reports for a bound socket. */
    int localPort(int fd) throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment address = call.allocate(SOCKADDR_IN_SIZE);
            MemorySegment length = call.allocateFrom(JAVA_INT, (int) SOCKADDR_IN_SIZE);
            int r;
            try {
                r = (int) GETSOCKNAME.invokeExact(state, fd, address, length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r != 0) {
                throw failure("getsockname");
            }
            return (Byte.toUnsignedInt(address.get(JAVA_BYTE, 2)) << 8) | Byte.toUnsignedInt(address.get(JAVA_BYTE, 3));
        }
    }

    /** {@code accept(fd, NULL, NULL)}: the new connection's descriptor number. */
    int accept(int fd) throws IOException {
        int r;
        try {
            r = (int) ACCEPT.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw failure("accept");
        }
        return r;
    }

    /** True when {@code poll(2)} says {@code fd} can be read (or has hung up) within the time; false on timeout. */
    boolean readable(int fd, int timeoutMillis) throws IOException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment pollfd = call.allocate(8); // int fd, short events, short revents
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, POLLIN);
            int r;
            try {
                r = (int) POLL.invokeExact(state, pollfd, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r < 0) {
                throw failure("poll");
            }
            return r > 0;
        }
    }

    /** {@code read(2)} into {@code into}: what the call returned (-1 leaves {@link #errno}), the bytes copied in. */
    long read(int fd, byte[] into) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocate(into.length);
            long r;
            try {
                r = (long) READ.invokeExact(state, fd, buffer, (long) into.length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r > 0) {
                MemorySegment.copy(buffer, JAVA_BYTE, 0, into, 0, (int) r);
            }
            return r;
        }
    }

    /** {@code write(2)} of all of {@code bytes} to the number {@code fd}: what the call returned. */
    long write(int fd, byte[] bytes) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment buffer = call.allocateFrom(JAVA_BYTE, bytes);
            try {
                return (long) WRITE.invokeExact(state, fd, buffer, (long) bytes.length);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
    }

    /** {@code close(2)}; a failure is reported. */
    void close(int fd) throws IOException {
        int r;
        try {
            r = (int) CLOSE.invokeExact(state, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r != 0) {
            throw failure("close");
        }
    }

    private int invokeInt(MethodHandle h, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) h.invokeExact(state, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int invokeInt(MethodHandle h, int fd, int value) {
        try {
            return (int) h.invokeExact(state, fd, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private int invokeBind(int fd, MemorySegment address) {
        try {
            return (int) BIND.invokeExact(state, fd, address, (int) SOCKADDR_IN_SIZE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A downcall declares Throwable; what it can really throw is unchecked. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    @Override
    public void close() {
        arena.close();
    }
}
