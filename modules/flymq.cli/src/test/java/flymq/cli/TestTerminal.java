package flymq.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;

/** A JLine terminal over pipes: the test types keys into it and reads everything drawn on it. */
public final class TestTerminal implements AutoCloseable {
    private final PipedOutputStream keys = new PipedOutputStream();
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Terminal terminal;

    public TestTerminal() throws IOException {
        var in = new PipedInputStream(keys, 64 * 1024);
        terminal = new ExternalTerminal("test", "xterm", in, screen, StandardCharsets.UTF_8);
        terminal.setSize(new Size(120, 40));
    }

    public Terminal terminal() {
        return terminal;
    }

    public void type(String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    public void endInput() throws IOException {
        keys.close();
    }

    /** Everything written so far, with ANSI escape sequences removed. */
    public String screenText() {
        String raw;
        synchronized (screen) {
            raw = screen.toString(StandardCharsets.UTF_8);
        }
        return raw.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replaceAll("\u001B[()][A-Z0-9]", "")
                .replaceAll("\u001B[=>]", "").replace("\r", "");
    }

    /** Waits until the screen shows the text, failing after the timeout. */
    public void await(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!screenText().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("screen never showed '" + text + "'; it shows:\n" + screenText());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void close() throws IOException {
        terminal.close();
    }
}
