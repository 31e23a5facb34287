package io.strata.cli.client;

import java.nio.charset.StandardCharsets;

/**
 * The text form of a record on the command line: {@code produce} reads a line into a key and a
 * value, {@code consume} writes a record as a line. Text is UTF-8.
 *
 * <p>Immutable and thread-safe.
 *
 * @param key   key bytes, or null (no separator configured)
 * @param value value bytes, never null
 */
public record KeyValueLine(byte[] key, byte[] value) {

    /**
     * Splits {@code line} at the first {@code separator}: the text before is the key, the rest the
     * value. With a null separator the whole line is the value and the key is null.
     *
     * @param lineNumber 1-based, for the error message
     * @throws IllegalArgumentException when a separator is configured but missing from the line
     */
    public static KeyValueLine parse(String line, String separator, long lineNumber) {
        if (separator == null) {
            return new KeyValueLine(null, line.getBytes(StandardCharsets.UTF_8));
        }
        int at = line.indexOf(separator);
        if (at < 0) {
            throw new IllegalArgumentException("line " + lineNumber + " has no key separator '" + separator
                    + "': " + abbreviate(line));
        }
        return new KeyValueLine(line.substring(0, at).getBytes(StandardCharsets.UTF_8),
                line.substring(at + separator.length()).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code value}, or {@code key<TAB>value} with {@code printKey}; null prints as {@code null}. */
    public static String format(byte[] key, byte[] value, boolean printKey) {
        String v = text(value);
        return printKey ? text(key) + "\t" + v : v;
    }

    private static String text(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    private static String abbreviate(String line) {
        return line.length() <= 60 ? "'" + line + "'" : "'" + line.substring(0, 57) + "...'";
    }
}
