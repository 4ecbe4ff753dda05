package org.netstack4j.stack;

import java.util.ArrayList;
import java.util.List;

/**
 * Longest-prefix match over a short list of routes, kept sorted longest prefix first so the first
 * match wins. Hosts have a handful of routes; a linear scan of a sorted array allocates nothing
 * and beats a trie at that size.
 */
final class RouteTable {
    private Route[] routes = new Route[0];
    /** Changes with every change of the table: what was looked up before may be cached until then. */
    private int version;

    int version() {
        return version;
    }

    void add(Route route) {
        version++;
        List<Route> list = new ArrayList<>(List.of(routes));
        list.removeIf(r -> r.network() == route.network() && r.prefix() == route.prefix());
        list.add(route);
        list.sort((a, b) -> Integer.compare(b.prefix(), a.prefix()));
        routes = list.toArray(Route[]::new);
    }

    /** Removes every route through {@code via} (its address changed). */
    void removeVia(NetInterface via) {
        version++;
        List<Route> list = new ArrayList<>(List.of(routes));
        list.removeIf(r -> r.via() == via);
        routes = list.toArray(Route[]::new);
    }

    /** The most specific route to {@code destination}, or null. */
    Route lookup(int destination) {
        for (Route r : routes) {
            if (r.matches(destination)) {
                return r;
            }
        }
        return null;
    }

    List<Route> all() {
        return List.of(routes);
    }
}
