package org.netstack4j.stack;

import org.junit.jupiter.api.Test;
import org.netstack4j.buffer.PacketBuffer;
import org.netstack4j.driver.DriverConfig;
import org.netstack4j.driver.NetDevice;
import org.netstack4j.driver.WakeMode;
import org.netstack4j.exec.Job;
import org.netstack4j.lab.Network;
import org.netstack4j.lab.Nic;
import org.netstack4j.socket.UdpSocket;
import org.netstack4j.wire.Ipv4Address;
import org.netstack4j.wire.MacAddress;

import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.netstack4j.stack.ProbedHost.MS;

/**
 * When the card's ring is full the interface keeps frames in its own transmit queue, in order,
 * and sends them when the card has room again; what does not fit the queue is dropped and counted.
 */
class TransmitBacklogTest {
    private static final int B = Ipv4Address.parseBits("10.0.2.2");

    /** A card whose ring the test can declare full: it refuses every frame until opened again. */
    private static final class GatedDevice extends DelegatingDevice {
        boolean closed;
        Job waiter;

        GatedDevice(NetDevice card) {
            super(card);
        }

        @Override
        public boolean queue(PacketBuffer frame) {
            return !closed && super.queue(frame);
        }

        @Override
        public void setTransmitWaiter(Job waiter) {
            this.waiter = waiter;
            super.setTransmitWaiter(waiter);
        }

        /** The ring has room again: the card tells the driver's waiter, as a transmit interrupt would. */
        void open() {
            closed = false;
            waiter.schedule();
        }
    }

    @Test
    void framesWaitInOrderWhileTheRingIsFullAndTheOverflowIsCounted() throws Exception {
        int queue = HostConfig.DEFAULT.txQueue();
        int extra = 3;
        Network net = Network.simulated(21);
        // Host a's only cabled interface is eth1, behind the gate; its eth0 stays on a subnet of its own.
        Network.Node a = net.addHost("a", MacAddress.parse("52:54:00:00:00:0a"), "10.0.9.1/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        DriverConfig driver = DriverConfig.of(WakeMode.NAPI);
        Nic eth1 = a.machine().addNic("eth1", MacAddress.parse("52:54:00:12:34:56"), driver, driver.rxRingSize());
        GatedDevice gate = new GatedDevice(eth1.driver());
        a.host().addInterface("eth1", gate, Ipv4Address.parseBits("10.0.2.15"), 24);
        Network.Node b = net.addHost("b", MacAddress.parse("52:55:0a:00:02:02"), "10.0.2.2/24", WakeMode.NAPI,
                HostConfig.DEFAULT);
        net.cable(a, 1, b, 0);
        net.start();
        UdpSocket sink = net.run("bind", () -> UdpSocket.bind(b.host(), 2000));
        UdpSocket source = net.run("open", () -> {
            UdpSocket s = UdpSocket.open(a.host());
            s.connect(B, 2000);
            s.send("warm".getBytes(StandardCharsets.US_ASCII)); // resolves b's MAC with the gate open
            return s;
        });
        net.idle(10 * MS);
        long outBefore = a.host().counters().get(Counter.ETH_OUT_FRAMES);

        gate.closed = true;
        net.run("burst", () -> {
            for (int i = 0; i < queue + extra; i++) {
                source.send(("d" + i).getBytes(StandardCharsets.US_ASCII));
            }
            return null;
        });
        net.idle(10 * MS);
        StackCounters ca = a.host().counters();
        assertThat(ca.get(Counter.ETH_OUT_FRAMES) - outBefore).as("every frame reached the interface")
                .isEqualTo(queue + extra);
        assertThat(ca.get(Counter.ETH_TX_QUEUE_FULL)).as("what the queue could not hold").isEqualTo(extra);

        gate.open();
        List<String> got = net.run("drain", () -> {
            List<String> out = new ArrayList<>();
            byte[] buf = new byte[64];
            sink.setTimeout(Duration.ofMillis(100));
            assertThat(new String(buf, 0, sink.receive(buf), StandardCharsets.US_ASCII)).isEqualTo("warm");
            while (true) {
                try {
                    int n = sink.receive(buf);
                    out.add(new String(buf, 0, n, StandardCharsets.US_ASCII));
                } catch (SocketTimeoutException quiet) {
                    return out; // 100 ms without a datagram: everything queued has arrived
                }
            }
        });
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < queue; i++) {
            expected.add("d" + i);
        }
        assertThat(got).as("the queued frames, oldest first, none overwritten").isEqualTo(expected);
        net.run("close", () -> {
            source.close();
            sink.close();
            return null;
        });
        net.close();
        assertThat(net.poolsFull()).isTrue();
    }
}
