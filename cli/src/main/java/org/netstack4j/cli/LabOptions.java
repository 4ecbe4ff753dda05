package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that builds the lab's network shares: wake mode and (simulated) seed. */
final class LabOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--mode", paramLabel = "interrupt|napi|poll", converter = WakeModeConverter.class,
            defaultValue = "napi", description = "How the drivers are woken. Default: ${DEFAULT-VALUE}.")
    WakeMode mode;

    Long seed;

    @Option(names = "--seed", paramLabel = "N",
            description = "Run in simulated time from this seed: the same seed, the same run and capture, byte for byte. "
                    + "Without it the hosts run on real threads in real time.")
    void setSeed(long n) {
        seed = inRange(spec, "--seed", n, 0, Long.MAX_VALUE);
    }

    /** {@code value}, or a usage error naming {@code option} and its range. */
    static long inRange(CommandSpec spec, String option, long value, long min, long max) {
        if (value < min || value > max) {
            String range = max == Long.MAX_VALUE ? "at least " + min : min + ".." + max;
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must be " + range + ", not " + value);
        }
        return value;
    }
}
