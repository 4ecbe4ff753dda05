package org.netstack4j.cli;

import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.hw.link.SwitchAddress;
import org.netstack4j.lab.MediumSpec;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which real medium a command's host plugs into: the one place the CLI turns options into a
 * {@link MediumSpec}: {@code --tap NAME}, or {@code --switch unix:PATH|udp:PORT} for a switch in
 * another process; one of them at most.
 */
final class MediumOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    String tap;

    @Option(names = "--tap", paramLabel = "NAME",
            description = "An existing Linux TAP device to put the host on (make one first: "
                    + "ip tuntap add dev NAME mode tap user $USER; or give --create).")
    void setTap(String name) {
        // Linux's dev_valid_name: 1..15 bytes (IFNAMSIZ 16 with the NUL), not . or .., no '/', ':' or space.
        if (name.isEmpty() || name.length() > 15 || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c) || c > 126)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tap '" + name
                    + "' is not a Linux interface name (1..15 characters, no '/', ':' or spaces)");
        }
        tap = name;
    }

    @Option(names = "--create", description = "With --tap: create the TAP device if it does not exist "
            + "(needs root or CAP_NET_ADMIN; it is removed when the command ends).")
    boolean create;

    @Option(names = "--switch", paramLabel = "unix:PATH|udp:PORT", converter = SwitchCommand.AddressConverter.class,
            description = "A switch in another process to plug the host into (netstack4j switch --listen ..., or "
                    + "QEMU's -netdev stream,server=on): a Unix socket, or a UDP port on 127.0.0.1. No root needed.")
    SwitchAddress switchAddress;

    /** The medium chosen, or null if none was; a usage error if both were. */
    MediumSpec spec() {
        if (tap != null && switchAddress != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tap and --switch: choose one medium");
        }
        if (switchAddress != null) {
            if (switchAddress.kind() == SwitchAddress.Kind.UDP && switchAddress.port() == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--switch udp:0: give the switch's port");
            }
            return new MediumSpec.Switch(switchAddress);
        }
        if (create && tap == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--create is for --tap NAME");
        }
        if (tap != null && !create && !Files.exists(Path.of("/sys/class/net", tap))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tap " + tap + ": no such device "
                    + "(make it first: ip tuntap add dev " + tap + " mode tap; or give --create)");
        }
        return tap == null ? null : new MediumSpec.Tap(tap);
    }

    /**
     * The medium chosen, opened: a usage error if none was chosen; null, the cause said in one
     * line on {@code err} after {@code who}, if it cannot be opened (no permission, no device).
     */
    ExternalMedium open(String who, PrintWriter err) {
        MediumSpec chosen = spec();
        if (chosen == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "say which medium to run on: " + names());
        }
        try {
            return chosen.open();
        } catch (IOException e) {
            err.println(who + ": " + e.getMessage());
            err.flush();
            return null;
        }
    }

    /** The options that choose a medium, with their values, for messages. */
    static String names() {
        return "--tap NAME or --switch unix:PATH|udp:PORT";
    }
}
