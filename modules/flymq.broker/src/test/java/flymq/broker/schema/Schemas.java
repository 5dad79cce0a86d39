package flymq.broker.schema;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.nio.charset.StandardCharsets;

/** Schema definitions for the tests: JSON and Avro as text, Protobuf as the descriptor set protoc would write. */
final class Schemas {
    private Schemas() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** One Protobuf field: name, number, type, label. */
    record Field(String name, int number, FieldDescriptorProto.Type type, FieldDescriptorProto.Label label) {
        static Field optional(String name, int number, FieldDescriptorProto.Type type) {
            return new Field(name, number, type, FieldDescriptorProto.Label.LABEL_OPTIONAL);
        }

        static Field required(String name, int number, FieldDescriptorProto.Type type) {
            return new Field(name, number, type, FieldDescriptorProto.Label.LABEL_REQUIRED);
        }
    }

    /** A descriptor set of one file ({@code syntax} proto2 or proto3) declaring one message. */
    static byte[] proto(String syntax, String message, Field... fields) {
        DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(message);
        for (Field f : fields) {
            m.addField(FieldDescriptorProto.newBuilder().setName(f.name()).setNumber(f.number()).setType(f.type())
                    .setLabel(f.label()));
        }
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("test/" + message.toLowerCase() + ".proto")
                .setPackage("test").setSyntax(syntax).addMessageType(m).build();
        return FileDescriptorSet.newBuilder().addFile(file).build().toByteArray();
    }

    static byte[] proto3(String message, Field... fields) {
        return proto("proto3", message, fields);
    }
}
