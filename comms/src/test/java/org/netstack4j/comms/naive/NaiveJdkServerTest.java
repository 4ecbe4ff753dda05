package org.netstack4j.comms.naive;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.netstack4j.comms.kv.KvStore;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed's story played twice over real loopback: a server accepts a client and leaves the answer to a
 * slow worker, the client is killed, the server closes the connection, and the same process then opens an
 * SQLite database, which the kernel gives the lowest free descriptor number, the one the connection had.
 * Written naively on {@code java.net} sockets, the worker's late answer fails with "Socket closed" and the
 * database stays sound: the JDK's Socket holds its own FileDescriptor, which close() empties, so the worker
 * never writes to a bare number. Written the way the C program was, keeping the {@code int} that accept(2)
 * returned and calling write(2) on it through {@code java.lang.foreign}, the late answer lands at the start of
 * the database file and SQLite no longer recognises it as a database.
 */
class NaiveJdkServerTest {
    private static final int TIMEOUT_MS = 5_000;
    private static final Path PROC_FD = Path.of("/proc/self/fd");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress(); // 127.0.0.1
    private static final byte[] REQUEST = "GET /slow HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LATE_ANSWER = "HTTP/1.0 200 OK\r\n\r\nlate answer".getBytes(StandardCharsets.US_ASCII);
    private static final int ROWS = 50;

    // ---- the database: made beforehand, with rows (this also loads the driver and its native library) ----

    private static List<String> expectedRows() {
        List<String> rows = new ArrayList<>();
        for (int i = 1; i <= ROWS; i++) {
            rows.add("row " + i);
        }
        return rows;
    }

    private static Path createDatabaseWithRows(Path file) throws SQLException {
        try (Connection c = KvStore.open(file)) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE answers (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO answers (body) VALUES (?)")) {
                for (String row : expectedRows()) {
                    insert.setString(1, row);
                    insert.executeUpdate();
                }
            }
        }
        return file;
    }

    private static List<String> rows(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT body FROM answers ORDER BY id")) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    /** The rows, read on a connection of their own. */
    private static List<String> rowsOnAFreshConnection(Path file) throws SQLException {
        try (Connection c = KvStore.open(file)) {
            return rows(c);
        }
    }

    // ---- /proc/self/fd: what each descriptor number of this process names ----

    /** Number to link target ("socket:[123]", "/dev/null", a file's path) for each open descriptor. */
    private static Map<Integer, String> descriptors() throws IOException {
        List<String> names;
        try (Stream<Path> entries = Files.list(PROC_FD)) {
            names = entries.map(p -> p.getFileName().toString()).toList();
        }
        Map<Integer, String> out = new TreeMap<>();
        for (String name : names) {
            try {
                out.put(Integer.parseInt(name), Files.readSymbolicLink(PROC_FD.resolve(name)).toString());
            } catch (NoSuchFileException gone) {
                // the descriptor the listing itself used, closed by now
            }
        }
        return out;
    }

    private static Set<Integer> sockets() throws IOException {
        Set<Integer> out = new TreeSet<>();
        descriptors().forEach((fd, target) -> {
            if (target.startsWith("socket:[")) {
                out.add(fd);
            }
        });
        return out;
    }

    /** The one socket number open now that was not open {@code before}. */
    private static int newSocket(Set<Integer> before) throws IOException {
        Set<Integer> now = sockets();
        now.removeAll(before);
        assertThat(now).as("socket numbers that appeared").hasSize(1);
        return now.iterator().next();
    }

    /** The numbers that name {@code file} now. */
    private static Set<Integer> numbersNaming(Path file) throws IOException {
        String target = file.toRealPath().toString();
        Set<Integer> out = new TreeSet<>();
        descriptors().forEach((fd, t) -> {
            if (t.equals(target)) {
                out.add(fd);
            }
        });
        return out;
    }

    /**
     * In the C story the client was another process; here it lives in this one, and its freed number (lower
     * than the server's, since it was made first) would stand in the way. Every free number below
     * {@code fd} is parked on /dev/null, so that once {@code fd} is closed it is the lowest free number, as
     * it was in the C program.
     */
    private static List<FileInputStream> parkFreeNumbersBelow(int fd) throws IOException {
        Map<Integer, String> open = descriptors();
        List<FileInputStream> parked = new ArrayList<>();
        for (int n = 0; n < fd; n++) {
            if (!open.containsKey(n)) {
                parked.add(new FileInputStream("/dev/null"));
            }
        }
        Map<Integer, String> now = descriptors();
        for (int n = 0; n < fd; n++) {
            assertThat(now).as("every number below %d is taken", fd).containsKey(n);
        }
        return parked;
    }

    private static void closeAll(List<FileInputStream> streams) throws IOException {
        for (FileInputStream s : streams) {
            s.close();
        }
        streams.clear();
    }

    // ---- 1: java.net.ServerSocket and Socket ----

    @Test
    @Timeout(30)
    void theJdksSocketObjectCannotReachTheDescriptorNumberItOnceHad(@TempDir Path dir) throws Exception {
        Path db = createDatabaseWithRows(dir.resolve("answers.db"));
        List<FileInputStream> parked = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(); Socket client = new Socket()) {
            server.setSoTimeout(TIMEOUT_MS);
            server.bind(new InetSocketAddress(LOOPBACK, 0), 1);

            Set<Integer> before = sockets();
            client.connect(new InetSocketAddress(LOOPBACK, server.getLocalPort()), TIMEOUT_MS);
            int clientFd = newSocket(before);

            before = sockets();
            try (Socket accepted = server.accept()) {
                int serverFd = newSocket(before);
                accepted.setSoTimeout(TIMEOUT_MS);
                InputStream in = accepted.getInputStream();
                // the worker takes the job with the connection's handles, and will answer late through them
                OutputStream workerOut = accepted.getOutputStream();

                client.getOutputStream().write(REQUEST);
                assertThat(in.readNBytes(REQUEST.length)).as("the request").isEqualTo(REQUEST);

                // the client is killed: its socket goes with a reset
                client.setSoLinger(true, 0);
                client.close();
                parked.addAll(parkFreeNumbersBelow(serverFd));

                // the reader sees the client go and closes the connection
                int r;
                try {
                    r = in.read();
                } catch (SocketException reset) {
                    assertThat(reset).hasMessage("Connection reset");
                    r = -1;
                }
                assertThat(r).as("the reader's read after the client was killed").isEqualTo(-1);
                accepted.close();

                // the process opens its database; the query makes SQLite really read the file
                try (Connection c = KvStore.open(db)) {
                    assertThat(rows(c)).isEqualTo(expectedRows());
                    Set<Integer> sqliteFds = numbersNaming(db);
                    closeAll(parked);
                    System.out.printf("NaiveJdkServerTest(java.net): client fd %d, accepted fd %d, SQLite opened the "
                            + "database as fd %s%n", clientFd, serverFd, sqliteFds);

                    SoftAssertions softly = new SoftAssertions();
                    softly.assertThat(sqliteFds).as("the numbers naming %s (the accepted socket had %d)", db, serverFd)
                            .containsExactly(serverFd);
                    // the worker's late answer, through the handles it kept
                    softly.assertThatThrownBy(() -> workerOut.write(LATE_ANSWER))
                            .isInstanceOf(SocketException.class).hasMessage("Socket closed");
                    softly.assertThat(numbersNaming(db)).as("the database's numbers after the late answer")
                            .isEqualTo(sqliteFds);
                    softly.assertThat(rows(c)).as("the rows, on the connection that was open").isEqualTo(expectedRows());
                    c.close();
                    softly.assertThat(KvStore.integrityCheck(db)).as("integrity_check").isEqualTo("ok");
                    softly.assertThat(rowsOnAFreshConnection(db)).as("the rows, on a fresh connection")
                            .isEqualTo(expectedRows());
                    softly.assertAll();
                }
            }
        } finally {
            closeAll(parked);
        }
    }

    // ---- 2: the C program's way, with the descriptor as a bare number ----

    @Test
    @Timeout(30)
    void aProgramThatKeepsTheDescriptorNumberCorruptsTheDatabase(@TempDir Path dir) throws Exception {
        Path db = createDatabaseWithRows(dir.resolve("answers.db"));
        List<FileInputStream> parked = new ArrayList<>();
        int listenFd = -1;
        int acceptedFd = -1;
        try (RawSockets sys = new RawSockets(); Socket client = new Socket()) {
            try {
                listenFd = sys.listenOnLoopback(1);
                int port = sys.localPort(listenFd);

                Set<Integer> before = sockets();
                client.connect(new InetSocketAddress(LOOPBACK, port), TIMEOUT_MS);
                client.setSoTimeout(TIMEOUT_MS);
                int clientFd = newSocket(before);

                assertThat(sys.readable(listenFd, TIMEOUT_MS)).as("a connection waits to be accepted").isTrue();
                acceptedFd = sys.accept(listenFd);
                int workerFd = acceptedFd; // what the worker keeps: the number, nothing more

                // the server reads the request
                client.getOutputStream().write(REQUEST);
                byte[] request = new byte[0];
                byte[] buffer = new byte[256];
                while (request.length < REQUEST.length) {
                    assertThat(sys.readable(acceptedFd, TIMEOUT_MS)).as("the request arrives").isTrue();
                    long n = sys.read(acceptedFd, buffer);
                    assertThat(n).as("read(2) of the request").isPositive();
                    int old = request.length;
                    request = Arrays.copyOf(request, old + (int) n);
                    System.arraycopy(buffer, 0, request, old, (int) n);
                }
                assertThat(request).as("the request").isEqualTo(REQUEST);

                // the client is killed: its socket goes with a reset
                client.setSoLinger(true, 0);
                client.close();
                parked.addAll(parkFreeNumbersBelow(acceptedFd));

                // the reader sees the client go and close(2)s the number
                assertThat(sys.readable(acceptedFd, TIMEOUT_MS)).as("the reset arrives").isTrue();
                long r = sys.read(acceptedFd, buffer);
                if (r < 0) {
                    assertThat(sys.errno()).as("errno of read(2) after the reset: %s", RawSockets.strerror(sys.errno()))
                            .isEqualTo(RawSockets.ECONNRESET);
                } else {
                    assertThat(r).as("read(2) after the client was killed").isZero();
                }
                int closed = acceptedFd;
                acceptedFd = -1;
                sys.close(closed);

                // the process opens its database; the query makes SQLite really read the file
                String integrity;
                try (Connection c = KvStore.open(db)) {
                    assertThat(rows(c)).isEqualTo(expectedRows());
                    Set<Integer> sqliteFds = numbersNaming(db);
                    closeAll(parked);
                    System.out.printf("NaiveJdkServerTest(raw): client fd %d, accepted fd %d, SQLite opened the "
                            + "database as fd %s%n", clientFd, workerFd, sqliteFds);
                    // a hard check: the late write below must only ever hit our own database file
                    assertThat(sqliteFds).as("the numbers naming %s (the accepted socket had %d)", db, workerFd)
                            .containsExactly(workerFd);

                    // the worker's late answer, to the number it kept
                    long written = sys.write(workerFd, LATE_ANSWER);
                    assertThat(written).as("write(2) of the late answer (errno %d)", sys.errno())
                            .isEqualTo(LATE_ANSWER.length);
                }
                byte[] head = Arrays.copyOf(Files.readAllBytes(db), LATE_ANSWER.length);
                assertThat(new String(head, StandardCharsets.US_ASCII)).as("the start of the database file")
                        .isEqualTo(new String(LATE_ANSWER, StandardCharsets.US_ASCII));
                integrity = KvStore.integrityCheck(db);
                System.out.printf("NaiveJdkServerTest(raw): integrity_check: %s%n", integrity);
                assertThat(integrity).as("integrity_check").isNotEqualTo("ok").startsWith("error:")
                        .contains("file is not a database");
            } finally {
                closeAll(parked);
                if (acceptedFd >= 0) {
                    sys.close(acceptedFd);
                }
                if (listenFd >= 0) {
                    sys.close(listenFd);
                }
            }
        }
    }
}
