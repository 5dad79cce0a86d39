package flymq.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain text table: upper-case headers, columns separated by two spaces, each column as wide as its widest
 * cell, numbers right-aligned. No borders, so `grep`, `awk` and `column` work on it.
 */
public final class Table {
    private final String[] headers;
    private final boolean[] rightAligned;
    private final List<String[]> rows = new ArrayList<>();

    private Table(String... headers) {
        this.headers = headers;
        this.rightAligned = new boolean[headers.length];
    }

    public static Table of(String... headers) {
        return new Table(headers);
    }

    /** Marks columns (by index) whose cells are numbers and line up on the right. */
    public Table numeric(int... columns) {
        for (int c : columns) {
            rightAligned[c] = true;
        }
        return this;
    }

    public Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.length
                    + " columns: " + Arrays.toString(cells));
        }
        var text = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            text[i] = cells[i] == null ? "-" : String.valueOf(cells[i]);
        }
        rows.add(text);
        return this;
    }

    public int size() {
        return rows.size();
    }

    /** The table as lines (header first), without trailing spaces. */
    public List<String> lines() {
        int[] width = new int[headers.length];
        for (int c = 0; c < headers.length; c++) {
            width[c] = headers[c].length();
            for (var r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        var out = new ArrayList<String>(rows.size() + 1);
        out.add(line(headers, width));
        for (var r : rows) {
            out.add(line(r, width));
        }
        return out;
    }

    private String line(String[] cells, int[] width) {
        var sb = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                sb.append("  ");
            }
            boolean last = c == cells.length - 1;
            int pad = width[c] - cells[c].length();
            if (rightAligned[c]) {
                sb.repeat(' ', pad).append(cells[c]);
            } else {
                sb.append(cells[c]);
                if (!last) {
                    sb.repeat(' ', pad);
                }
            }
        }
        return sb.toString().stripTrailing();
    }

    public void print(PrintWriter out) {
        for (var l : lines()) {
            out.println(l);
        }
        out.flush();
    }
}
