package io.strata.cli.client;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TextTable} built row by row: a header, then one row per item. Not thread-safe; build
 * one per table.
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
        return TextTable.render(rows);
    }
}
