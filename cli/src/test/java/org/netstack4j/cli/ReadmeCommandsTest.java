package org.netstack4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's commands are written as the CLI takes them: every {@code ./netstack4j} line in a
 * fenced shell block parses (known commands and options, valid values), and the ones that run in
 * seconds without root run as written and exit 0. (The launcher's own {@code jmh} and
 * {@code tap-bench} are left to the script; long runs, root and TAP are left to the tests that
 * exercise them.)
 */
class ReadmeCommandsTest {
    /** The CLI's arguments of every {@code ./netstack4j} line in the README's shell blocks. */
    static List<List<String>> readmeCommands() throws IOException {
        Path readme = Path.of("..", "README.md");
        if (!Files.exists(readme)) {
            readme = Path.of("README.md");
        }
        List<List<String>> commands = new ArrayList<>();
        boolean inShell = false;
        StringBuilder pending = new StringBuilder();
        for (String line : Files.readAllLines(readme)) {
            if (line.startsWith("```")) {
                inShell = !inShell && line.strip().equals("```sh");
                continue;
            }
            if (!inShell) {
                continue;
            }
            String code = stripComment(line);
            if (code.endsWith("\\")) {
                pending.append(code, 0, code.length() - 1).append(' ');
                continue;
            }
            String whole = pending.append(code).toString();
            pending.setLength(0);
            int at = whole.indexOf("./netstack4j ");
            if (at >= 0) {
                List<String> args = tokens(whole.substring(at + "./netstack4j ".length()));
                if (!args.isEmpty() && !args.get(0).equals("jmh") && !args.get(0).equals("tap-bench")) {
                    commands.add(args);
                }
            }
        }
        return commands;
    }

    /** The line without a trailing shell comment (a '#' after whitespace, outside quotes). */
    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (c == '#' && !quoted && i > 0 && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i).stripTrailing();
            }
        }
        return line.stripTrailing();
    }

    /** Words as the shell splits them: single quotes kept together; redirections and a final '&' dropped. */
    private static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : s.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(word.toString());
                }
                word.setLength(0);
                any = false;
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(word.toString());
        }
        List<String> args = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            String w = out.get(i);
            if (w.equals("&") || w.equals("|") || w.equals(";")) {
                break;
            }
            if (w.equals("<") || w.equals(">")) {
                i++; // and its file
                continue;
            }
            args.add(w);
        }
        return args;
    }

    @Test
    void everyReadmeCommandParses() throws IOException {
        List<List<String>> commands = readmeCommands();
        assertThat(commands).as("the README's commands were found").hasSizeGreaterThan(20);
        for (List<String> args : commands) {
            CommandLine cl = Main.newCommandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
            try {
                cl.parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw new AssertionError("README: ./netstack4j " + String.join(" ", args) + ": " + e.getMessage(), e);
            }
        }
    }

    @Test
    void theQuickOnesRunAsWrittenAndExitZero() throws IOException {
        // Quick and root-free; ping of pdos.csail.mit.edu exits 1 by design (the gateway says Net Unreachable).
        Map<String, Integer> expected = Map.of(
                "ping -c 3 -i 0.2 -W 0.5 10.0.2.2", 0,
                "ping -c 1 pdos.csail.mit.edu", 1,
                "stats --traffic 100 --json", 0,
                "frames --frames 10000 --capture /tmp/f.pcap --json", 0,
                "livelock --quick --out /tmp/l", 0,
                "kv demo --seed 7 --json", 0);
        List<String> seen = new ArrayList<>();
        for (List<String> args : readmeCommands()) {
            String line = String.join(" ", args);
            Integer exit = expected.get(line);
            if (exit != null) {
                seen.add(line);
                MainTest.Run r = MainTest.run(args.toArray(String[]::new));
                assertThat(r.exit()).as("README: ./netstack4j %s\n%s", line, r.err()).isEqualTo(exit);
            }
        }
        assertThat(seen).as("each of them is still in the README").containsExactlyInAnyOrderElementsOf(expected.keySet());
    }
}
