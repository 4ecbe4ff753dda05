package org.netstack4j.lab;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether tests with real peers (Linux in a network namespace, over TAP) can run here: root,
 * {@code /dev/net/tun}, network namespaces, and the tools a test names. Where something is
 * missing a test is skipped with the reason, unless {@code CI=true}: there it fails, since
 * {@code .ci/run} installs everything.
 */
public final class RealPeers {
    private static final boolean CI = "true".equals(System.getenv("CI"));
    private static final String[] PATH = {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"};
    private static volatile String baseProblem;
    private static volatile boolean baseChecked;

    private RealPeers() {
    }

    /** Skips (or, with CI=true, fails) the calling test unless TAP, namespaces and {@code tools} are available. */
    public static void require(String... tools) {
        List<String> problems = new ArrayList<>();
        String base = baseProblem();
        if (base != null) {
            problems.add(base);
        }
        for (String tool : tools) {
            if (find(tool) == null) {
                problems.add(tool + " is not installed");
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        String reason = "real-peer test needs: " + String.join("; ", problems) + " (.ci/run installs the tools)";
        if (CI) {
            throw new AssertionError("CI=true, but " + reason);
        }
        Assumptions.assumeTrue(false, reason + "; set CI=true to make this a failure");
    }

    /** Skips (or, with CI=true, fails) unless the system's python3 can import {@code module}. */
    public static void requirePython(String module) {
        String python = find("python3");
        boolean ok = false;
        if (python != null) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import " + module).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                ok = p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                ok = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!ok) {
            String reason = "real-peer test needs the python3 module " + module + " (python3-" + module
                    + "; .ci/run installs it)";
            if (CI) {
                throw new AssertionError("CI=true, but " + reason);
            }
            Assumptions.assumeTrue(false, reason + "; set CI=true to make this a failure");
        }
    }

    /** The absolute path of {@code tool}, or null. */
    public static String find(String tool) {
        for (String d : PATH) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static String baseProblem() {
        if (baseChecked) {
            return baseProblem;
        }
        synchronized (RealPeers.class) {
            if (!baseChecked) {
                baseProblem = probe();
                baseChecked = true;
            }
        }
        return baseProblem;
    }

    private static String probe() {
        try {
            String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[1];
            if (!uid.equals("0")) {
                return "root (running as uid " + uid + ")";
            }
            if (!Files.exists(Path.of("/dev/net/tun"))) {
                return "/dev/net/tun (no TUN/TAP driver here)";
            }
            if (find("ip") == null) {
                return "ip (iproute2) is not installed";
            }
            try (Netns probe = Netns.create()) {
                return probe.name().isEmpty() ? "network namespaces" : null;
            }
        } catch (IOException e) {
            return "network namespaces (" + e.getMessage().lines().findFirst().orElse("") + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "an uninterrupted thread";
        }
    }

    /** Waits until {@code condition} holds, up to {@code millis}; returns whether it did. */
    public static boolean await(java.util.function.BooleanSupplier condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** How long a test may wait for a Linux tool: generous for a loaded CI machine, still bounded. */
    public static final Duration TOOL_TIMEOUT = Duration.ofSeconds(20);
}
