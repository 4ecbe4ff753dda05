package org.netstack4j.cli;

import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file the command will write (a capture, a chart): checked when the arguments are parsed, so a
 * missing or read-only directory is a usage error (exit 2) before anything starts, not a failure
 * half-way through the run.
 */
final class OutputFileConverter implements CommandLine.ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
        if (value.isBlank()) {
            throw new CommandLine.TypeConversionException("an empty file name");
        }
        Path file = Path.of(value).toAbsolutePath();
        Path dir = file.getParent();
        if (Files.isDirectory(file)) {
            throw new CommandLine.TypeConversionException("'" + value + "' is a directory, not a file");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new CommandLine.TypeConversionException("cannot write '" + value + "': no such directory " + dir);
        }
        if (!Files.isWritable(dir)) {
            throw new CommandLine.TypeConversionException("cannot write '" + value + "': directory " + dir
                    + " is not writable");
        }
        return Path.of(value);
    }
}
