package io.strata.cli.client;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Plain-text tables as the client commands print them: left-aligned columns two spaces apart,
 * no trailing blanks, one line per row. Built row by row (a header, then one row per item) or
 * rendered from ready rows. An instance is not thread-safe; build one per table.
 */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        rows.add(header);
    }

    TextTable row(String... cells) {
        rows.add(cells);
        return this;
    }

    /** The table, one line per row, each ending with a newline. */
    String render() {
        return render(rows);
    }

    /** {@code rows} (the header first) as aligned lines, each ending in a newline. */
    static String render(List<String[]> rows) {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]);
                if (i < row.length - 1) {
                    line.append(" ".repeat(widths[i] + 2 - row[i].length()));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /** Node ids as {@code 1,2,3}, or {@code -} for none. */
    static String ids(List<Integer> ids) {
        return ids.isEmpty() ? "-" : ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
}
