package flymq.broker.topic;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.protocol.RequestException;
import org.junit.jupiter.api.Test;

class TopicNamesTest {

    @Test
    void kafkaCharactersAreAccepted() {
        assertDoesNotThrow(() -> TopicNames.validate("orders.v2_eu-west"));
        assertDoesNotThrow(() -> TopicNames.validate("a".repeat(249)));
    }

    @Test
    void otherCharactersAreRejectedWithTheirPosition() {
        RequestException e = assertThrows(RequestException.class, () -> TopicNames.validate("or ders"));
        assertTrue(e.getMessage().contains("index 2"), e.getMessage());
        assertThrows(RequestException.class, () -> TopicNames.validate("a/b"));
        assertThrows(RequestException.class, () -> TopicNames.validate("é"));
    }

    @Test
    void emptyTooLongAndDotNamesAreRejected() {
        assertThrows(RequestException.class, () -> TopicNames.validate(""));
        assertThrows(RequestException.class, () -> TopicNames.validate("a".repeat(250)));
        assertThrows(RequestException.class, () -> TopicNames.validate("."));
        assertThrows(RequestException.class, () -> TopicNames.validate(".."));
    }
}
