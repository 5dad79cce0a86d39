package flymq.jlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schema registry in the shipped image: the three formats' libraries (Avro, networknt json-schema-validator,
 * protobuf-java) are linked and load when a schema needs them, driven through the CLI as a user would; the
 * Confluent view answers on the metrics port.
 */
class ImageSchemaIT {
    private static final Path FLYMQ = ImageProcess.image().resolve("bin/flymq");

    private static ImageProcess.Result flymq(ImageProcess.Server s, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "--server";
        all[1] = "127.0.0.1:" + s.port();
        System.arraycopy(args, 0, all, 2, args.length);
        return ImageProcess.run(Map.of(), FLYMQ, all);
    }

    @Test
    void everyFormatRegistersValidatesAndIsEnforced(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        ImageProcess.Server s = ImageProcess.startServer("broker", "--bind-addr", "127.0.0.1:0", "--data-dir",
                data.toString(), "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0",
                "--set", "schema.enabled=true");
        try {
            Path json = Files.writeString(dir.resolve("order.json"),
                    "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"}},\"required\":[\"id\"]}");
            Path avsc = Files.writeString(dir.resolve("user.avsc"),
                    "{\"type\":\"record\",\"name\":\"User\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}");
            Path desc = Files.write(dir.resolve("event.desc"), FileDescriptorSet.newBuilder().addFile(
                    FileDescriptorProto.newBuilder().setName("event.proto").setSyntax("proto3").addMessageType(
                            DescriptorProto.newBuilder().setName("Event").addField(FieldDescriptorProto.newBuilder()
                                    .setName("id").setNumber(1).setType(FieldDescriptorProto.Type.TYPE_INT64)
                                    .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)))).build().toByteArray());

            var r = flymq(s, "schema", "register", "orders-value", "--type", "json", "--file", json.toString());
            assertEquals(0, r.exit(), r.out());
            assertEquals("registered orders-value version 1 (id 1)", r.out().strip());
            r = flymq(s, "schema", "register", "users-value", "--type", "avro", "--file", avsc.toString());
            assertEquals(0, r.exit(), r.out());
            r = flymq(s, "schema", "register", "events-value", "--type", "protobuf", "--file", desc.toString());
            assertEquals(0, r.exit(), r.out());

            // a long of 21 in Avro's zigzag varint is 0x2A; Protobuf: field 1 varint 21 is 08 15
            Path avroRecord = Files.write(dir.resolve("user.bin"), new byte[] {0x2A});
            Path protoRecord = Files.write(dir.resolve("event.bin"), new byte[] {0x08, 0x15});
            assertEquals(0, flymq(s, "schema", "validate", "users-value", "--file", avroRecord.toString()).exit());
            assertEquals(0, flymq(s, "schema", "validate", "events-value", "--file", protoRecord.toString()).exit());
            var bad = flymq(s, "schema", "validate", "events-value", "--file", avroRecord.toString());
            assertEquals(1, bad.exit(), bad.out());

            assertEquals(0, flymq(s, "produce", "orders", "{\"id\": 7}").exit());
            var refused = flymq(s, "produce", "orders", "{\"id\": \"seven\"}");
            assertEquals(1, refused.exit(), refused.out());
            assertTrue(refused.out().contains("record rejected by schema 'orders-value' version 1 (id 1)"),
                    refused.out());

            Matcher m = Pattern.compile("metrics [^ ]*:(\\d+),").matcher(s.readyLine());
            assertTrue(m.find(), s.readyLine());
            HttpResponse<String> subjects = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + m.group(1) + "/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, subjects.statusCode());
            assertEquals("[\"events-value\",\"orders-value\",\"users-value\"]", subjects.body());
        } finally {
            s.process().destroy();
            s.process().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
