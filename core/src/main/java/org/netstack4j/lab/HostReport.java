package org.netstack4j.lab;

import org.netstack4j.stack.Host;
import org.netstack4j.stack.NetInterface;
import org.netstack4j.stack.Neighbor;
import org.netstack4j.stack.Route;
import org.netstack4j.stack.TcpLayer;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.net.SocketException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One host as every command reports it, in one schema (the README's "JSON" section): its name,
 * interfaces with their {@code ethtool -S} counters, neighbours as {@code ip -j neigh} objects,
 * routes as {@code ip -j route} objects, protocol counters ({@code nstat} names in snake_case) and
 * TCP connections as {@code ss -ti} shows them. Hosts on a real medium add {@code medium},
 * {@code services} and {@code dhcp}.
 */
public final class HostReport {
    private HostReport() {
    }

    /** The host's report (read its counters when its loop is idle or stopped). */
    public static Map<String, Object> of(Host host) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", host.name());
        List<Map<String, Object>> interfaces = new ArrayList<>();
        List<Map<String, Object>> neighbors = new ArrayList<>();
        for (NetInterface nic : host.interfaces()) {
            Map<String, Object> i = new LinkedHashMap<>();
            i.put("ifname", nic.name());
            i.put("address", Ipv4Address.format(nic.address()) + "/" + nic.prefix());
            i.put("mac", new MacAddress(nic.mac()).toString());
            i.put("mtu", nic.mtu());
            i.put("driver", nic.deviceCounters());
            interfaces.add(i);
            for (Neighbor n : nic.neighborSnapshot()) {
                Map<String, Object> o = new LinkedHashMap<>(); // as ip -j neigh prints one
                o.put("dst", n.address());
                o.put("dev", nic.name());
                if (!n.mac().startsWith("(")) {
                    o.put("lladdr", n.mac());
                }
                o.put("state", List.of(n.state().toUpperCase(Locale.ROOT)));
                neighbors.add(o);
            }
        }
        m.put("interfaces", interfaces);
        m.put("neighbors", neighbors);
        List<Map<String, Object>> routes = new ArrayList<>();
        for (Route r : host.routeList()) {
            Map<String, Object> o = new LinkedHashMap<>(); // as ip -j route prints one
            o.put("dst", r.prefix() == 0 ? "default" : Ipv4Address.format(r.network()) + "/" + r.prefix());
            if (r.gateway() != 0) {
                o.put("gateway", Ipv4Address.format(r.gateway()));
            }
            o.put("dev", r.via().name());
            routes.add(o);
        }
        m.put("routes", routes);
        m.put("protocols", host.counters().byProtocol());
        List<Map<String, Object>> tcp = new ArrayList<>();
        try {
            for (TcpLayer.ConnectionView v : host.tcp().snapshot()) {
                tcp.add(v.toMap());
            }
        } catch (SocketException busy) {
            // the loop did not answer: no connection list this time (the counters above still stand)
        }
        m.put("tcp_connections", tcp);
        return m;
    }
}
