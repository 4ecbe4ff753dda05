package org.netstack4j.driver;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The driver sees the card only through a register window, DMA memory and an IRQ: from the
 * hardware packages it may import the register map (the datasheet) and nothing else.
 */
class DriverIsolationTest {
    @Test
    void driverImportsNoModelClass() throws IOException {
        Path dir = Path.of("src/main/java/org/netstack4j/driver");
        List<String> offending;
        try (Stream<Path> files = Files.list(dir)) {
            offending = files.flatMap(f -> {
                try {
                    return Files.readAllLines(f).stream()
                            .filter(l -> l.startsWith("import") && l.contains("org.netstack4j.hw.")
                                    && !l.contains("org.netstack4j.hw.e1000.E1000Registers")
                                    && !l.contains("org.netstack4j.hw.RegisterWindow"))
                            .map(l -> f.getFileName() + ": " + l);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }).toList();
        }
        assertThat(offending).isEmpty();
    }
}
