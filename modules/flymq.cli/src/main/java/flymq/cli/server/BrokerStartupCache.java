package flymq.cli.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The broker's side of the startup cache that {@code bin/flymq} trains on an image's first {@code server start}
 * (docs/runtime-image.md, "Broker startup cache"). The launcher passes {@code -Dflymq.brokerCache=MODE:PATH}:
 * {@code train} when this JVM records the cache, which the JVM writes to PATH when it exits; {@code use} when it was
 * started with PATH as its AOT cache.
 *
 * <p>Files beside PATH: {@code PATH.ready} says the training start got as far as its ready line, so the launcher
 * uses a cache only when it holds a whole broker start (the JVM also writes one when a start fails, e.g. on a bad
 * configuration); {@code PATH.lock/pid} is the claim of the start that trains. A cache the JVM did not map (damaged,
 * written by another image or JDK) is deleted with its marker and claim, so the next start trains a new one instead
 * of ignoring the same file at every start.
 */
final class BrokerStartupCache {
    static final String PROPERTY = "flymq.brokerCache";

    private BrokerStartupCache() {
    }

    /** Called once the broker printed its ready line. Never fails the start: the cache is only an optimisation. */
    static void afterReady() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return;
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            return;
        }
        String mode = value.substring(0, colon);
        Path cache = Path.of(value.substring(colon + 1));
        Path ready = cache.resolveSibling(cache.getFileName() + ".ready");
        try {
            if (mode.equals("train")) {
                Files.deleteIfExists(ready);
                Files.createFile(ready);
            } else if (mode.equals("use") && !mapped()) {
                Path lock = cache.resolveSibling(cache.getFileName() + ".lock");
                Files.deleteIfExists(ready);
                Files.deleteIfExists(cache);
                Files.deleteIfExists(lock.resolve("pid"));
                Files.deleteIfExists(lock);
            }
        } catch (IOException | RuntimeException e) {
            // a read-only or vanished folder: the next start runs as this one did
        }
    }

    /**
     * Whether this JVM runs with a class data sharing archive mapped: HotSpot names it in {@code java.vm.info}
     * ("mixed mode, sharing"), and the image has no default CDS archive that could be mapped instead of the cache.
     */
    static boolean mapped() {
        return System.getProperty("java.vm.info", "").contains("sharing");
    }
}
