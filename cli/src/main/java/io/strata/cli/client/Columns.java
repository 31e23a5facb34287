package io.strata.cli.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligned text columns as the {@code strata} commands print them: a header row, then one row per
 * item, each column padded to its widest cell plus two spaces, trailing blanks trimmed. Not
 * thread-safe; build one per table.
 */
final class Columns {
    private final List<String[]> rows = new ArrayList<>();

    Columns(String... header) {
        rows.add(header);
    }

    Columns row(String... cells) {
        rows.add(cells);
        return this;
    }

    /** The table, one line per row, each ending with a newline. */
    String render() {
        int[] widths = new int[rows.get(0).length];
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
}
