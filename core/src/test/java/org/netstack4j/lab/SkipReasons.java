package org.netstack4j.lab;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Prints, in the build's output, why each skipped test was skipped (a missing tool, no root, no
 * /dev/net/tun): Surefire's summary counts skips but keeps their reasons in its XML. Registered
 * for every test run through {@code META-INF/services} (core's tests and, through core's test
 * jar, the CLI's).
 */
public final class SkipReasons implements TestExecutionListener {
    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        report(test, reason);
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (result.getStatus() == TestExecutionResult.Status.ABORTED) { // an assumption that did not hold
            report(test, result.getThrowable().map(Throwable::getMessage).orElse("aborted"));
        }
    }

    private static void report(TestIdentifier test, String reason) {
        System.out.println("[SKIPPED] " + test.getLegacyReportingName() + " in "
                + test.getSource().map(Object::toString).orElse("?").replaceAll(".*className = '([^']*)'.*", "$1")
                + ": " + reason);
    }
}
