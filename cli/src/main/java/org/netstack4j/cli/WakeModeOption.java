package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import picocli.CommandLine.Option;

/** {@code --mode}: how one host's driver is woken, for the commands that run a host on a real medium. */
final class WakeModeOption {
    @Option(names = "--mode", paramLabel = "interrupt|napi|poll", converter = WakeModeConverter.class,
            defaultValue = "napi", description = "How the driver is woken. Default: ${DEFAULT-VALUE}.")
    WakeMode mode;
}
