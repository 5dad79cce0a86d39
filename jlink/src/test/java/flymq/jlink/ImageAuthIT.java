package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The linked image with authentication on, as an operator sets it up: the bootstrap admin's password from a file
 * named in the environment, users and an ACL made with the CLI, a logged-in producer and a refused guest, a wrong
 * password, the audit trail, and all of it again after a restart. The password never shows in the broker's output.
 */
class ImageAuthIT {
    private static final Path FLYMQ = ImageProcess.image().resolve("bin/flymq");
    private static final String ADMIN_PASSWORD = "image-admin-pw-7d1f";

    private static ImageProcess.Server start(Path data, Path adminPw, StringWriter log) throws Exception {
        return ImageProcess.startServer("broker with auth", log,
                Map.of("FLYMQ_AUTH_ADMIN_PASSWORD_FILE", adminPw.toString()),
                "--bind-addr", "127.0.0.1:0", "--data-dir", data.toString(), "--metrics-addr", "127.0.0.1:0",
                "--health-addr", "127.0.0.1:0", "--set", "observability.admin.enabled=false",
                "--set", "auth.enabled=true", "--set", "auth.default_public=false");
    }

    private static void stop(ImageProcess.Server server) throws InterruptedException {
        server.process().destroy();
        assertTrue(server.process().waitFor(30, TimeUnit.SECONDS), "the broker did not stop on SIGTERM");
    }

    @Test
    void usersAclsAndRefusalsThroughTheImage(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path adminPw = dir.resolve("admin.pw");
        Files.writeString(adminPw, ADMIN_PASSWORD + "\n");
        Path writerPw = dir.resolve("writer.pw");
        Files.writeString(writerPw, "writer-pw\n");
        Path guestPw = dir.resolve("guest.pw");
        Files.writeString(guestPw, "guest-pw\n");
        StringWriter log = new StringWriter();
        ImageProcess.Server server = start(data, adminPw, log);
        String target = "--server=127.0.0.1:" + server.port();
        String[] admin = {target, "--user", "admin", "--password-file", adminPw.toString()};
        try {
            var anonymous = ImageProcess.run(Map.of(), FLYMQ, target, "produce", "orders", "x");
            assertEquals(1, anonymous.exit(), anonymous.out());
            assertTrue(anonymous.out().contains("authentication required"), anonymous.out());

            assertEquals(0, run(admin, "topic", "create", "orders").exit());
            assertEquals(0, run(admin, "user", "create", "writer", "--role", "producer", "--new-password-file",
                    writerPw.toString()).exit());
            assertEquals(0, run(admin, "user", "create", "visitor", "--new-password-file", guestPw.toString())
                    .exit());
            // FLYMQ_USER and FLYMQ_PASSWORD, as a service would pass them
            var produced = ImageProcess.run(Map.of("FLYMQ_USER", "writer", "FLYMQ_PASSWORD", "writer-pw"), FLYMQ,
                    target, "produce", "orders", "by the writer");
            assertEquals(0, produced.exit(), produced.out());
            var guest = ImageProcess.run(Map.of(), FLYMQ, target, "--user", "visitor", "--password-file",
                    guestPw.toString(), "consume", "orders", "--from", "earliest", "-n", "1");
            assertEquals(1, guest.exit(), guest.out());
            assertTrue(guest.out().contains("unauthorized"), guest.out());
            assertEquals(0, run(admin, "acl", "set", "orders", "--allow-user", "visitor").exit());
            var listed = ImageProcess.run(Map.of(), FLYMQ, target, "--user", "visitor", "--password-file",
                    guestPw.toString(), "consume", "orders", "--from", "earliest", "-n", "1");
            assertEquals(0, listed.exit(), listed.out());
            assertTrue(listed.out().contains("by the writer"), listed.out());
            var wrong = ImageProcess.run(Map.of("FLYMQ_PASSWORD", "not-it"), FLYMQ, target, "--user", "writer",
                    "topic", "list");
            assertEquals(1, wrong.exit(), wrong.out());
            assertTrue(wrong.out().contains("cannot log in"), wrong.out());
        } finally {
            stop(server);
        }

        server = start(data, adminPw, log);
        target = "--server=127.0.0.1:" + server.port();
        admin[0] = target;
        try {
            var again = ImageProcess.run(Map.of(), FLYMQ, target, "--user", "visitor", "--password-file",
                    guestPw.toString(), "consume", "orders", "--from", "earliest", "-n", "1");
            assertEquals(0, again.exit(), "users and the ACL survive a restart: " + again.out());
            var audit = run(admin, "audit", "query", "--type", "access.denied,user.create,acl.set", "-o", "json");
            assertEquals(0, audit.exit(), audit.out());
            assertTrue(audit.out().contains("\"access.denied\"") && audit.out().contains("\"acl.set\""),
                    audit.out());
        } finally {
            stop(server);
        }
        assertFalse(log.toString().contains(ADMIN_PASSWORD), "the broker's output shows the password:\n" + log);
        String stored = Files.readString(data.resolve("security.json"));
        assertFalse(stored.contains("writer-pw") || stored.contains("guest-pw"), stored);
    }

    private static ImageProcess.Result run(String[] login, String... args) throws Exception {
        String[] all = new String[login.length + args.length];
        System.arraycopy(login, 0, all, 0, login.length);
        System.arraycopy(args, 0, all, login.length, args.length);
        var r = ImageProcess.run(Map.of(), FLYMQ, all);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.out());
        return r;
    }
}
