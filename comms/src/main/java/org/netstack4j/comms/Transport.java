package org.netstack4j.comms;

import org.netstack4j.exec.Applications;

import java.io.IOException;
import java.time.Duration;

/**
 * Where the library's bytes go: netstack4j TCP ({@link NetstackTransport}) or the JDK's sockets on
 * the kernel's stack ({@link JdkTransport}, for comparison). Blocking calls, made from the
 * transport's {@link #applications() application threads}.
 */
public interface Transport {

    /** Where threads run and wait: real threads, or a simulation's. */
    Applications applications();

    /** Listens on {@code port} of every address. */
    Acceptor listen(int port, int backlog) throws IOException;

    /** Connects to {@code address:port} from {@code localPort} (0: any), waiting up to {@code timeout}. */
    Channel connect(String address, int port, int localPort, Duration timeout) throws IOException;

    /** A listening socket. */
    interface Acceptor extends AutoCloseable {
        /** The next connection; fails once the acceptor is closed. */
        Channel accept() throws IOException;

        int port();

        @Override
        void close();
    }

    /** One connection: a byte stream each way. */
    interface Channel extends AutoCloseable {
        /** Up to {@code length} bytes, at least one; -1 at the end of the stream. */
        int read(byte[] dst, int offset, int length) throws IOException;

        /** Writes every byte. */
        void write(byte[] src, int offset, int length) throws IOException;

        /** How long a read may wait (0: for ever); a read that waits longer throws SocketTimeoutException. */
        void setReadTimeout(Duration timeout) throws IOException;

        /** The peer as address:port. */
        String peer();

        /** Ends the connection at once (a RST): as a process killed mid-request. */
        void abort();

        /** Closes the connection: what was written is still delivered. */
        @Override
        void close();
    }
}
