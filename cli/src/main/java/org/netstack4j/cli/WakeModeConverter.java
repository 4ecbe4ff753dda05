package org.netstack4j.cli;

import org.netstack4j.driver.WakeMode;
import picocli.CommandLine;

/** {@code interrupt}, {@code napi} or {@code poll}, as {@link WakeMode#parse} reads them. */
final class WakeModeConverter implements CommandLine.ITypeConverter<WakeMode> {
    @Override
    public WakeMode convert(String value) {
        try {
            return WakeMode.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
