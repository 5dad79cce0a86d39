package flymq.broker.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityStoreTest {
    @TempDir
    Path dir;

    private static User user(String name, String... roles) {
        return new User(name, "pbkdf2-sha256$1000$c2FsdA$aGFzaA", List.of(roles), true, 1000, 2000);
    }

    @Test
    void changesArePersistedAndReadBackByTheNextOpen() {
        Path file = dir.resolve("security.json");
        SecurityStore s = SecurityStore.open(file);
        assertTrue(s.apply(new SecurityChange.PutUser(user("bob", "consumer"))));
        assertTrue(s.apply(new SecurityChange.PutUser(user("alice", "producer"))));
        assertTrue(s.apply(new SecurityChange.PutAcl(new TopicAcl("t", false, List.of("bob"), List.of("guest")))));
        assertFalse(s.apply(new SecurityChange.PutUser(user("bob", "consumer"))), "the same entry again: no change");
        assertTrue(s.apply(new SecurityChange.DeleteUser("bob")));
        assertFalse(s.apply(new SecurityChange.DeleteUser("bob")));

        SecurityStore again = SecurityStore.open(file);
        assertEquals(List.of("alice"), again.users().stream().map(User::name).toList());
        assertEquals(user("alice", "producer"), again.user("alice").orElseThrow());
        assertEquals(new TopicAcl("t", false, List.of("bob"), List.of("guest")), again.acl("t").orElseThrow());
        assertArrayEquals(s.snapshot(), again.snapshot(), "equal states are equal bytes");
    }

    @Test
    void aChangeTravelsAsBytesAndDecodesToItself() {
        for (SecurityChange c : List.of(new SecurityChange.PutUser(user("u", "admin", "guest")),
                new SecurityChange.DeleteUser("u"),
                new SecurityChange.PutAcl(new TopicAcl("t", true, List.of(), List.of("consumer"))),
                new SecurityChange.DeleteAcl("t"))) {
            assertEquals(c, SecurityChange.decode(c.encode()));
        }
        assertThrows(IllegalArgumentException.class, () -> SecurityChange.decode("{\"op\":\"drop_all\"}"
                .getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> SecurityChange.decode(new byte[] {1, 2, 3}));
    }

    @Test
    void aSnapshotInstalledElsewhereReplacesEverything() {
        SecurityStore a = SecurityStore.open(dir.resolve("a.json"));
        a.apply(new SecurityChange.PutUser(user("alice", "producer")));
        SecurityStore b = SecurityStore.open(dir.resolve("b.json"));
        b.apply(new SecurityChange.PutUser(user("old", "guest")));
        b.install(a.snapshot(), "test snapshot");
        assertEquals(List.of("alice"), b.users().stream().map(User::name).toList());
        assertEquals(List.of("alice"), SecurityStore.open(dir.resolve("b.json")).users().stream()
                .map(User::name).toList());
    }

    @Test
    void aFileOfAnotherVersionOrWithoutNamesRefusesToLoadNamingTheFile() throws Exception {
        Path file = dir.resolve("security.json");
        Files.writeString(file, "{\"version\": 7, \"users\": []}");
        StorageException e = assertThrows(StorageException.class, () -> SecurityStore.open(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("version"), e.getMessage());
        Files.writeString(file, "{\"version\": 1, \"users\": [{\"password_hash\": \"x\"}]}");
        e = assertThrows(StorageException.class, () -> SecurityStore.open(file));
        assertTrue(e.getMessage().contains("'name'"), e.getMessage());
        Files.writeString(file, "not json");
        assertThrows(StorageException.class, () -> SecurityStore.open(file));
    }
}
