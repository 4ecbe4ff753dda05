package org.netstack4j.cli;

import org.netstack4j.lab.MediumSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Which real medium a command's host plugs into: the one place the CLI turns options into a
 * {@link MediumSpec}. Today {@code --tap NAME}; a switch in another process ({@code --switch
 * unix:PATH}) is to be another option here, exclusive with {@code --tap}.
 */
final class MediumOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--tap", paramLabel = "NAME",
            description = "A Linux TAP device to put the host on (created if missing: needs root or CAP_NET_ADMIN; "
                    + "or make one first: ip tuntap add dev NAME mode tap user $USER).")
    String tap;

    /** The medium chosen, or null if none was. */
    MediumSpec spec() {
        return tap == null ? null : new MediumSpec.Tap(tap);
    }

    /** The option names that choose a medium, for messages. */
    static String names() {
        return "--tap";
    }
}
