package org.netstack4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** A command's --out directory: made if missing, refused with one line on stderr if it cannot take files. */
final class OutputDirectory {
    private OutputDirectory() {
    }

    /** True if files can be written into {@code dir}; otherwise says why on {@code err} as {@code command}. */
    static boolean prepare(Path dir, String command, PrintWriter err) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            err.println("netstack4j " + command + ": cannot write into " + dir + ": it is not a directory");
            err.flush();
            return false;
        }
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("not writable");
            }
            return true;
        } catch (IOException e) {
            err.println("netstack4j " + command + ": cannot write into " + dir + ": " + ExchangeRun.describe(e));
            err.flush();
            return false;
        }
    }
}
