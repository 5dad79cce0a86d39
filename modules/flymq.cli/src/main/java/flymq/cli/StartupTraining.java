package flymq.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The training run of the image's startup archive: runs several `flymq` command lines in one JVM, separated by
 * {@code ||} ({@code topic list --server=H:P || health check --health-url=URL}), exactly as {@link FlyMq#main}
 * runs one, and exits 0 only when every one exited 0.
 *
 * <p>A JDK AOT cache is written from one training JVM, and at every later start it maps all the classes it holds.
 * Training it on the commands scripts call in loops, against a live broker, puts their whole path (connect, request,
 * answer, table) in the cache and nothing else. The build runs this class through {@code bin/flymq} with
 * {@code FLYMQ_MAIN_CLASS}, so the archive is written with the launcher's own JVM flags.
 */
public final class StartupTraining {
    private StartupTraining() {
    }

    public static void main(String[] args) {
        int failed = 0;
        for (List<String> command : split(args)) {
            var words = command.toArray(String[]::new);
            int code = FlyMq.commandLine(words).execute(words);
            System.out.println("trained `flymq " + String.join(" ", command) + "`: exit " + code);
            if (code != ExitCode.OK) {
                failed++;
            }
        }
        System.exit(failed == 0 ? ExitCode.OK : ExitCode.FAILED);
    }

    static List<List<String>> split(String... args) {
        var commands = new ArrayList<List<String>>();
        var current = new ArrayList<String>();
        for (String a : Arrays.asList(args)) {
            if (a.equals("||")) {
                if (!current.isEmpty()) {
                    commands.add(current);
                }
                current = new ArrayList<>();
            } else {
                current.add(a);
            }
        }
        if (!current.isEmpty()) {
            commands.add(current);
        }
        return commands;
    }
}
