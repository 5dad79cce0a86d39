package flymq.cli.user;

import flymq.cli.CliException;
import flymq.cli.ExitCode;
import flymq.cli.output.Json;
import flymq.cli.output.Table;
import flymq.protocol.message.UserInfo;
import java.io.Console;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What the user commands share: the JSON and table forms of a user, and how a new password is read. */
final class Users {
    private Users() {
    }

    /** {@code {"username", "roles", "permissions", "enabled", "created", "updated"}} (times in Unix seconds). */
    static Map<String, Object> json(UserInfo u) {
        return Json.object("username", u.username(), "roles", u.roles(), "permissions", u.permissions(),
                "enabled", u.enabled(), "created", u.createdSeconds(), "updated", u.updatedSeconds());
    }

    static void print(PrintWriter out, List<UserInfo> users) {
        Table table = Table.of("USER", "ROLES", "PERMISSIONS", "ENABLED", "UPDATED");
        for (UserInfo u : users) {
            table.row(u.username(), String.join(",", u.roles()), String.join(",", u.permissions()), u.enabled(),
                    u.updatedSeconds() == 0 ? "-" : Instant.ofEpochSecond(u.updatedSeconds()).toString());
        }
        table.print(out);
    }

    /**
     * The new password: the first line of {@code file}, else FLYMQ_NEW_PASSWORD, else typed twice on the terminal
     * without echo. Never an argument, where {@code ps} would show it.
     */
    static String newPassword(String file, String user) {
        if (file != null && !file.isEmpty()) {
            try {
                String first = Files.readString(Path.of(file)).lines().findFirst().orElse("");
                if (first.isEmpty()) {
                    throw new CliException(ExitCode.USAGE, "--new-password-file " + file + " is empty");
                }
                return first;
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "cannot read --new-password-file " + file + ": "
                        + e.getMessage(), e);
            }
        }
        String env = System.getenv("FLYMQ_NEW_PASSWORD");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        Console console = System.console();
        if (console == null) {
            throw new CliException(ExitCode.USAGE, "no new password for user '" + user + "': give "
                    + "--new-password-file or set FLYMQ_NEW_PASSWORD (no terminal to ask on)");
        }
        char[] first = console.readPassword("New password for %s: ", user);
        char[] again = console.readPassword("Repeat it: ");
        if (first == null || first.length == 0) {
            throw new CliException(ExitCode.USAGE, "no password given for user '" + user + "'");
        }
        if (again == null || !Arrays.equals(first, again)) {
            throw new CliException(ExitCode.USAGE, "the two passwords differ");
        }
        return new String(first);
    }
}
