package org.netstack4j.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code --duration} of a long-running command ({@code up}, {@code switch}): what {@link UntilStopped} waits. */
final class DurationOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    long seconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
            description = "Stop by itself after this long, as if interrupted (0: run until interrupted). Default: ${DEFAULT-VALUE}.")
    void setSeconds(long value) {
        seconds = LabOptions.inRange(spec, "--duration", value, 0, 365L * 24 * 3600);
    }
}
