package flymq.cli.top;

import flymq.cli.metrics.Exposition;
import java.time.Duration;
import java.util.function.Supplier;
import org.jline.terminal.Terminal;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

/**
 * The live loop of `flymq top`: scrape, redraw the whole screen, wait up to one interval for a key; 'q' (or
 * Ctrl-C, or end of input) quits. A failed scrape is shown on the screen and retried at the next tick, so a
 * broker restart does not end the view.
 */
public final class Top {
    private final Terminal terminal;
    private final Supplier<String> scrape;
    private final String source;
    private final Duration interval;

    /**
     * @param terminal where to draw and read keys
     * @param scrape   fetches the /metrics text (throws on failure; the message is shown)
     * @param source   shown in the title (the metrics URL)
     * @param interval time between refreshes
     */
    public Top(Terminal terminal, Supplier<String> scrape, String source, Duration interval) {
        this.terminal = terminal;
        this.scrape = scrape;
        this.source = source;
        this.interval = interval;
    }

    /** Runs until q; maxFrames &gt; 0 stops after that many screens (for scripts). */
    public void run(int maxFrames) throws java.io.IOException {
        var attributes = terminal.enterRawMode();
        boolean fullScreen = terminal.puts(Capability.enter_ca_mode);
        terminal.puts(Capability.cursor_invisible);
        try {
            NonBlockingReader keys = terminal.reader();
            Exposition previous = null;
            long previousAt = 0;
            TopSnapshot shown = null;
            for (int frame = 1; ; frame++) {
                String error = null;
                try {
                    var now = Exposition.parse(scrape.get());
                    long at = System.nanoTime();
                    shown = TopSnapshot.between(previous, now, (at - previousAt) / 1e9);
                    previous = now;
                    previousAt = at;
                } catch (RuntimeException e) {
                    error = e.getMessage();
                }
                draw(shown, error);
                if (maxFrames > 0 && frame >= maxFrames) {
                    return;
                }
                long deadline = System.nanoTime() + interval.toNanos();
                while (true) {
                    long waitMs = (deadline - System.nanoTime()) / 1_000_000;
                    if (waitMs <= 0) {
                        break;
                    }
                    int key = keys.read(waitMs);
                    if (key == 'q' || key == 'Q' || key == 3 || key == NonBlockingReader.EOF) {
                        return;
                    }
                }
            }
        } finally {
            terminal.puts(Capability.cursor_normal);
            if (fullScreen) {
                terminal.puts(Capability.exit_ca_mode);
            }
            terminal.setAttributes(attributes);
            terminal.flush();
        }
    }

    private void draw(TopSnapshot snapshot, String error) {
        int width = terminal.getWidth() > 0 ? terminal.getWidth() : 100;
        int height = terminal.getHeight() > 0 ? terminal.getHeight() : 24;
        if (!terminal.puts(Capability.clear_screen)) {
            terminal.writer().println();
        }
        var lines = TopScreen.render(source, snapshot, error, width, height);
        var w = terminal.writer();
        for (int i = 0; i < lines.size(); i++) {
            w.print(lines.get(i));
            if (i < lines.size() - 1) {
                w.print("\r\n");
            }
        }
        w.flush();
    }
}
