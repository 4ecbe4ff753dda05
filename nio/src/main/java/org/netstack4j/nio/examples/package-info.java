/**
 * Ordinary java.nio programs that know nothing of netstack4j: run them with netstack4j installed
 * as the JVM's SelectorProvider ({@code ./netstack4j run ... -- CLASS}) and they run on it.
 */
package org.netstack4j.nio.examples;
