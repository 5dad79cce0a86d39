package flymq.client;

import java.util.List;

/** VALIDATE_SCHEMA's verdict: valid, or the first violations (where and what). */
public record SchemaCheck(boolean valid, List<String> errors) {
    public SchemaCheck {
        errors = List.copyOf(errors);
    }
}
