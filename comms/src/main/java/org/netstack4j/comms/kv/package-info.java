/**
 * A key-value service on the comms library: get, put, delete and scan over namespaces, each kept
 * in its own SQLite database (WAL mode); the request and answer layouts; a typed client; and the
 * story of the seed (slow workers, killed clients, databases opened and closed all the time) as a
 * runnable scenario. Touches the comms library, core's public API and sqlite-jdbc.
 */
package org.netstack4j.comms.kv;
