package flymq.protocol.message;

import flymq.protocol.PayloadReader;
import flymq.protocol.PayloadWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * VALIDATE_SCHEMA 0x13 response (wire spec 11): {@code bool valid · u32 n · n × str16 error} (the Python SDK reads
 * only the bool).
 */
public record ValidateSchemaResponse(boolean valid, List<String> errors) implements WireMessage {

    public ValidateSchemaResponse {
        errors = List.copyOf(errors);
    }

    public static ValidateSchemaResponse read(PayloadReader in) {
        boolean valid = in.bool("valid");
        int n = in.count("errors", 2);
        List<String> errors = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            errors.add(in.str16("error"));
        }
        return new ValidateSchemaResponse(valid, errors);
    }

    @Override
    public void write(PayloadWriter out) {
        out.bool(valid).strList(errors);
    }
}
