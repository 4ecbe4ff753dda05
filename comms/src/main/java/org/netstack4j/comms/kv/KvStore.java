package org.netstack4j.comms.kv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Key-value data kept in SQLite: one database file per namespace under a directory, in WAL mode,
 * opened at first use. Each database is used by one thread at a time (its own monitor; no call
 * inside it waits for anything but SQLite).
 */
public final class KvStore implements AutoCloseable {
    private final Path dir;
    private final Map<String, Database> open = new TreeMap<>();
    private boolean closed;

    public KvStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    public Path directory() {
        return dir;
    }

    /** The file a namespace is kept in. */
    public Path file(String namespace) {
        KvProtocol.checkNamespace(namespace);
        return dir.resolve(namespace + ".db");
    }

    private synchronized Database database(String namespace) throws SQLException {
        if (closed) {
            throw new SQLException("the store is closed");
        }
        Database db = open.get(namespace);
        if (db == null) {
            db = new Database(file(namespace));
            open.put(namespace, db);
        }
        return db;
    }

    public byte[] get(String namespace, byte[] key) throws SQLException {
        Database db = database(namespace);
        synchronized (db) {
            db.get.setBytes(1, key);
            try (ResultSet rs = db.get.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        }
    }

    public void put(String namespace, byte[] key, byte[] value) throws SQLException {
        Database db = database(namespace);
        synchronized (db) {
            db.put.setBytes(1, key);
            db.put.setBytes(2, value);
            db.put.executeUpdate();
        }
    }

    /** True if the key was there. */
    public boolean delete(String namespace, byte[] key) throws SQLException {
        Database db = database(namespace);
        synchronized (db) {
            db.delete.setBytes(1, key);
            return db.delete.executeUpdate() > 0;
        }
    }

    /** Up to {@code limit} entries from {@code from} on, in key order (bytes compared unsigned, as SQLite does). */
    public List<KvProtocol.Entry> scan(String namespace, byte[] from, int limit) throws SQLException {
        Database db = database(namespace);
        synchronized (db) {
            db.scan.setBytes(1, from);
            db.scan.setInt(2, limit);
            List<KvProtocol.Entry> out = new ArrayList<>();
            try (ResultSet rs = db.scan.executeQuery()) {
                while (rs.next()) {
                    out.add(new KvProtocol.Entry(rs.getBytes(1), rs.getBytes(2)));
                }
            }
            return out;
        }
    }

    /** The namespaces with a database file in the directory, open or not. */
    public List<String> namespaces() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".db"))
                    .map(n -> n.substring(0, n.length() - 3)).sorted().toList();
        }
    }

    /**
     * A connection to the SQLite database in {@code file} (made if missing). Through sqlite-jdbc's
     * data source rather than DriverManager, which finds drivers only from some class loaders.
     */
    public static Connection open(Path file) throws SQLException {
        org.sqlite.SQLiteDataSource source = new org.sqlite.SQLiteDataSource();
        source.setUrl("jdbc:sqlite:" + file);
        return source.getConnection();
    }

    /** {@code PRAGMA integrity_check} of one database file ("ok" when sound), on a connection of its own. */
    public static String integrityCheck(Path file) {
        try (Connection c = open(file);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            StringBuilder out = new StringBuilder();
            while (rs.next()) {
                out.append(out.isEmpty() ? "" : "; ").append(rs.getString(1));
            }
            return out.toString();
        } catch (SQLException e) {
            return "error: " + e.getMessage(); // a file that is no longer a database says so here
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        for (Database db : open.values()) {
            synchronized (db) {
                db.close();
            }
        }
        open.clear();
    }

    /** One namespace's connection and its prepared statements. */
    private static final class Database {
        final Connection connection;
        final PreparedStatement get;
        final PreparedStatement put;
        final PreparedStatement delete;
        final PreparedStatement scan;

        Database(Path file) throws SQLException {
            connection = open(file);
            try (Statement s = connection.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL"); // WAL: a commit survives the process, as acknowledged puts must
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID");
            }
            get = connection.prepareStatement("SELECT value FROM kv WHERE key = ?");
            put = connection.prepareStatement("INSERT INTO kv (key, value) VALUES (?, ?) "
                    + "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
            delete = connection.prepareStatement("DELETE FROM kv WHERE key = ?");
            scan = connection.prepareStatement("SELECT key, value FROM kv WHERE key >= ? ORDER BY key LIMIT ?");
        }

        void close() {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // closing reports nothing to act on; the data is committed
            }
        }
    }
}
