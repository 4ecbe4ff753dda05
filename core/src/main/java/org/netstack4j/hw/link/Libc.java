package org.netstack4j.hw.link;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The few Linux libc calls the TAP medium needs, bound with {@code java.lang.foreign} (no JNI):
 * {@code open}, {@code ioctl}, {@code read}, {@code write}, {@code poll}, {@code eventfd},
 * {@code close} and {@code strerror}. Calls that can fail capture {@code errno} into a small
 * per-thread segment made by {@link #newCallState} (the JVM may overwrite the real errno before
 * Java code could read it). Constants are Linux's, the same on x86-64 and AArch64.
 */
final class Libc {
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;

    /** {@code _IOW('T', 202, int)}: attach the file to a TUN/TAP interface. */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    /** {@code struct ifreq}: a 16-byte name, then a union whose first member is the short flags. */
    static final int IFNAMSIZ = 16;
    static final long IFREQ_SIZE = 40;
    static final long IFREQ_FLAGS = 16;

    static final short POLLIN = 0x1;
    static final short POLLERR = 0x8;
    static final short POLLHUP = 0x10;
    static final short POLLNVAL = 0x20;
    /** {@code struct pollfd}: int fd, short events, short revents. */
    static final long POLLFD_SIZE = 8;
    static final long POLLFD_EVENTS = 4;
    static final long POLLFD_REVENTS = 6;

    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EIO = 5;
    static final int ENXIO = 6;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int EBUSY = 16;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int EBADFD = 77;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO_OPTION);
    // ioctl(int fd, unsigned long request, ...): the argument is variadic.
    private static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            ERRNO_OPTION, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPTION);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** Where one thread's calls leave their errno. Not to be shared between threads calling at once. */
    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    /** The errno the last failed call through {@code state} left. */
    static int errno(MemorySegment state) {
        return state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    static int open(MemorySegment state, MemorySegment path, int flags) {
        try {
            return (int) OPEN.invokeExact(state, path, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int ioctl(MemorySegment state, int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(state, fd, request, argument);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long read(MemorySegment state, int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(state, fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long write(MemorySegment state, int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(state, fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int eventfd(MemorySegment state, int initialValue, int flags) {
        try {
            return (int) EVENTFD.invokeExact(state, initialValue, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The C library's text for {@code errno} ("Device or resource busy"). */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** A C string in {@code arena}. */
    static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s);
    }

    static void setShort(MemorySegment s, long offset, short value) {
        s.set(ValueLayout.JAVA_SHORT_UNALIGNED, offset, value);
    }

    static short getShort(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_SHORT_UNALIGNED, offset);
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
