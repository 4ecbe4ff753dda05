package org.netstack4j.cli;

import org.netstack4j.comms.ClientConfig;
import org.netstack4j.comms.NetstackTransport;
import org.netstack4j.comms.RequestClient;
import org.netstack4j.comms.kv.KvClient;
import org.netstack4j.comms.kv.KvProtocol;
import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.lab.StandaloneHost;
import org.netstack4j.wire.Ipv4Address;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code kv get|put|delete|scan}: one request from a host of its own, as a separate process.
 * Keys and values are text (UTF-8); a get prints the value, a scan "key TAB value" lines.
 */
abstract class KvRequestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Mixin
    MediumOptions medium;

    @CommandLine.Mixin
    HostOptions host;

    @CommandLine.Mixin
    WakeModeOption wake;

    @Option(names = "--server", paramLabel = "ADDR", defaultValue = "10.0.2.2",
            description = "The key-value server's address. Default: ${DEFAULT-VALUE}.")
    String server;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "7000", description = "Its port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long to wait for the answer, in milliseconds. Default: ${DEFAULT-VALUE}.")
    long timeoutMillis;

    @Parameters(index = "0", paramLabel = "NAMESPACE", description = "1 to 32 of a-z, 0-9 and _ (one database each).")
    String namespace;

    /** The request, made with {@code kv}; prints its result; returns the exit status. */
    abstract int request(KvClient kv, PrintWriter out, PrintWriter err) throws IOException;

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Integer call() throws Exception {
        try {
            KvProtocol.get(namespace, new byte[0]); // checks the namespace as the server would
            Ipv4Address.parseBits(server);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (port < 1 || port > 65_535 || timeoutMillis < 1 || timeoutMillis > 3_600_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 1..65535 and --timeout 1..3600000 ms");
        }
        host.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String name = "kv " + spec.name();
        ExternalMedium opened = medium.open(name, err);
        if (opened == null) {
            return Main.EXIT_FAILED;
        }
        try (StandaloneHost h = StandaloneHost.start(opened, host.plainHost(wake.mode));
             KvClient kv = new KvClient(new RequestClient(new NetstackTransport(h.host()), server, port,
                     ClientConfig.defaults().withRequestTimeout(Duration.ofMillis(timeoutMillis))))) {
            int status = request(kv, out, err);
            out.flush();
            err.flush();
            return status;
        } catch (IOException e) {
            err.println(name + ": " + server + ":" + port + ": " + e.getMessage());
            err.flush();
            return Main.EXIT_FAILED;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Prints the value of KEY in NAMESPACE; exit 1 if there is none.")
    static final class Get extends KvRequestCommand {
        @Parameters(index = "1", paramLabel = "KEY")
        String key;

        @Override
        int request(KvClient kv, PrintWriter out, PrintWriter err) throws IOException {
            byte[] v = kv.get(namespace, utf8(key));
            if (v == null) {
                err.println("kv get: " + namespace + "/" + key + ": not found");
                return Main.EXIT_FAILED;
            }
            out.println(new String(v, StandardCharsets.UTF_8));
            return Main.EXIT_OK;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Sets KEY in NAMESPACE to VALUE; exit 0 once the server has it.")
    static final class Put extends KvRequestCommand {
        @Parameters(index = "1", paramLabel = "KEY")
        String key;

        @Parameters(index = "2", paramLabel = "VALUE")
        String value;

        @Override
        int request(KvClient kv, PrintWriter out, PrintWriter err) throws IOException {
            kv.put(namespace, utf8(key), utf8(value));
            return Main.EXIT_OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Removes KEY from NAMESPACE; exit 1 if it was not there.")
    static final class Delete extends KvRequestCommand {
        @Parameters(index = "1", paramLabel = "KEY")
        String key;

        @Override
        int request(KvClient kv, PrintWriter out, PrintWriter err) throws IOException {
            if (!kv.delete(namespace, utf8(key))) {
                err.println("kv delete: " + namespace + "/" + key + ": not found");
                return Main.EXIT_FAILED;
            }
            return Main.EXIT_OK;
        }
    }

    @Command(name = "scan", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
            description = "Prints up to --limit entries of NAMESPACE from FROM on (all, without FROM), one 'key TAB value' a line.")
    static final class Scan extends KvRequestCommand {
        @Parameters(index = "1", paramLabel = "FROM", arity = "0..1", defaultValue = "")
        String from;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N entries (1..1000). Default: ${DEFAULT-VALUE}.")
        int limit;

        @Override
        int request(KvClient kv, PrintWriter out, PrintWriter err) throws IOException {
            if (limit < 1 || limit > KvProtocol.MAX_SCAN) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be 1.." + KvProtocol.MAX_SCAN);
            }
            for (KvProtocol.Entry e : kv.scan(namespace, utf8(from), limit)) {
                out.println(new String(e.key(), StandardCharsets.UTF_8) + "\t" + new String(e.value(), StandardCharsets.UTF_8));
            }
            return Main.EXIT_OK;
        }
    }
}
