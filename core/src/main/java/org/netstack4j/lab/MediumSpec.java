package org.netstack4j.lab;

import org.netstack4j.hw.link.ExternalMedium;
import org.netstack4j.hw.link.SwitchAddress;
import org.netstack4j.hw.link.SwitchLink;
import org.netstack4j.hw.link.TapDevice;

import java.io.IOException;
import java.util.Objects;

/**
 * Which medium outside this JVM a host's card plugs into: the one place where that choice is
 * made: a Linux TAP device, or a switch in another process (QEMU's stream or dgram framing over a
 * Unix or UDP socket).
 */
public sealed interface MediumSpec permits MediumSpec.Tap, MediumSpec.Switch, MediumSpec.Opened {

    /** Opens the medium; the message of a failure is one line naming the cause. */
    ExternalMedium open() throws IOException;

    /** For people: {@code TAP device tap0}. */
    String describe();

    /** A Linux TAP device, opened (or created) by name. */
    record Tap(String device) implements MediumSpec {
        public Tap {
            Objects.requireNonNull(device, "device");
        }

        @Override
        public ExternalMedium open() throws IOException {
            return TapDevice.open(device);
        }

        @Override
        public String describe() {
            return "TAP device " + device;
        }
    }

    /** A switch in another process ({@code netstack4j switch}, or QEMU's {@code -netdev stream,server=on}). */
    record Switch(SwitchAddress address) implements MediumSpec {
        public Switch {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public ExternalMedium open() throws IOException {
            return SwitchLink.open(address);
        }

        @Override
        public String describe() {
            return "switch at " + address;
        }
    }

    /**
     * A medium opened already, handed over as it is: a TAP device a test opened and moved into a
     * network namespace, say (a TAP device is created in the namespace of whoever opens it).
     */
    record Opened(ExternalMedium medium) implements MediumSpec {
        public Opened {
            Objects.requireNonNull(medium, "medium");
        }

        @Override
        public ExternalMedium open() {
            return medium;
        }

        @Override
        public String describe() {
            return medium.describe();
        }
    }
}
