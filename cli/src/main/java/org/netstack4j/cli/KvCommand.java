package org.netstack4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** The key-value service on the comms library: the story as a demo, a server, a client, a benchmark. */
@Command(name = "kv",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
                "A key-value store kept in SQLite, served over netstack4j TCP by the comms library: a worker-pool "
                        + "request server whose late answers can never reach the wrong connection.",
                "  kv demo                the seed's story in one process on a virtual network, checked",
                "  kv serve               a server on a TAP device or the switch",
                "  kv get|put|delete|scan a client, as a separate process",
                "  kv bench               small gets per second: netstack4j beside the JDK's sockets",
                "Example, three processes joined by the switch:",
                "  ./netstack4j switch --listen unix:/tmp/kv.sock &",
                "  ./netstack4j kv serve --switch unix:/tmp/kv.sock --ip 10.0.2.2/24 --mac 52:55:0a:00:02:02 --dir /tmp/kv &",
                "  ./netstack4j kv put --switch unix:/tmp/kv.sock --ip 10.0.2.15/24 users ada lovelace",
                "  ./netstack4j kv get --switch unix:/tmp/kv.sock --ip 10.0.2.15/24 users ada"},
        subcommands = {KvDemoCommand.class, KvServeCommand.class, KvRequestCommand.Get.class, KvRequestCommand.Put.class,
                KvRequestCommand.Delete.class, KvRequestCommand.Scan.class, KvBenchCommand.class})
final class KvCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "give a subcommand: demo, serve, get, put, delete, scan or bench");
    }
}
