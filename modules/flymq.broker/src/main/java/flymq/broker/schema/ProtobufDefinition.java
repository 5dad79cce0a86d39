package flymq.broker.schema;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Protobuf schema. protobuf-java cannot parse {@code .proto} text (that is protoc's job), so a definition is a
 * serialized {@code FileDescriptorSet}, what {@code protoc --include_imports --descriptor_set_out=FILE.desc
 * FILE.proto} writes: every file the schema needs, imports included. The record type is the first message declared
 * in the set's last file (protoc lists the named file after its imports). A definition that looks like
 * {@code .proto} text is refused with that command in the message.
 *
 * <p>A record is one message in Protobuf binary encoding, parsed with {@link DynamicMessage}: valid when it parses,
 * its proto2 required fields are set and no field is unknown to the schema (an unknown field is a field number the
 * schema lacks, or a known number sent with another wire type) at any depth.
 *
 * <p>protobuf-java has no compatibility check either. The rule here is wire compatibility of the record type
 * (reader vs writer), message by message: a field number both declare must keep its cardinality (repeated or not)
 * and a wire-compatible type (int32, int64, uint32, uint64, bool and enum are one group; sint32/sint64;
 * fixed32/sfixed32; fixed64/sfixed64; string/bytes; float; double; message against message, compared in turn); a
 * field the reader requires (proto2 {@code required}) must be declared by the writer; a closed (proto2) enum of the
 * reader must have every value of the writer's. Fields added or removed otherwise are compatible: readers skip
 * unknown fields.
 */
final class ProtobufDefinition implements ParsedSchema {
    private final Descriptor type;

    private ProtobufDefinition(Descriptor type) {
        this.type = type;
    }

    static ProtobufDefinition parse(byte[] definition) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(definition);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidSchemaException(notADescriptorSet(definition, e.getMessage()));
        }
        if (set.getFileCount() == 0) {
            throw new InvalidSchemaException(notADescriptorSet(definition, "it holds no file"));
        }
        Map<String, FileDescriptorProto> protos = new LinkedHashMap<>();
        for (FileDescriptorProto f : set.getFileList()) {
            protos.put(f.getName(), f);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        FileDescriptorProto last = set.getFile(set.getFileCount() - 1);
        FileDescriptor file = build(last.getName(), protos, built, new HashSet<>());
        if (file.getMessageTypes().isEmpty()) {
            throw new InvalidSchemaException("invalid Protobuf schema: the last file of the descriptor set, "
                    + last.getName() + ", declares no message (the record type is its first message)");
        }
        return new ProtobufDefinition(file.getMessageTypes().getFirst());
    }

    private static FileDescriptor build(String name, Map<String, FileDescriptorProto> protos,
                                        Map<String, FileDescriptor> built, Set<String> visiting) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            throw new InvalidSchemaException("invalid Protobuf schema: import '" + name + "' is not in the descriptor"
                    + " set (run protoc with --include_imports)");
        }
        if (!visiting.add(name)) {
            throw new InvalidSchemaException("invalid Protobuf schema: import cycle through " + name);
        }
        List<FileDescriptor> deps = new ArrayList<>();
        for (String dep : proto.getDependencyList()) {
            deps.add(build(dep, protos, built, visiting));
        }
        try {
            FileDescriptor f = FileDescriptor.buildFrom(proto, deps.toArray(new FileDescriptor[0]));
            built.put(name, f);
            return f;
        } catch (DescriptorValidationException | RuntimeException e) {
            throw new InvalidSchemaException("invalid Protobuf schema: " + e.getMessage());
        }
    }

    private static String notADescriptorSet(byte[] definition, String why) {
        String text = new String(definition, StandardCharsets.UTF_8);
        if (text.contains("syntax") || text.contains("message ")) {
            return "invalid Protobuf schema: this looks like .proto text; register the compiled descriptor set "
                    + "instead: protoc --include_imports --descriptor_set_out=FILE.desc FILE.proto";
        }
        return "invalid Protobuf schema: not a serialized FileDescriptorSet (" + why + ")";
    }

    Descriptor type() {
        return type;
    }

    @Override
    public SchemaFormat format() {
        return SchemaFormat.PROTOBUF;
    }

    @Override
    public List<String> violations(byte[] record, int max) {
        DynamicMessage m;
        try {
            m = DynamicMessage.parseFrom(type, record);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return List.of("Protobuf " + type.getFullName() + ": " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        unknownFields(m, type.getFullName(), out, max);
        return out;
    }

    private static void unknownFields(Message m, String path, List<String> out, int max) {
        for (Integer number : m.getUnknownFields().asMap().keySet()) {
            if (out.size() >= max) {
                return;
            }
            FieldDescriptor known = m.getDescriptorForType().findFieldByNumber(number);
            out.add("Protobuf " + path + ": field number " + number + (known == null
                    ? " is not in " + m.getDescriptorForType().getFullName()
                    : " (" + known.getName() + ") has the wrong wire type for " + known.getType()));
        }
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (f.isRepeated()) {
                int i = 0;
                for (Object item : (List<?>) e.getValue()) {
                    unknownFields((Message) item, path + "." + f.getName() + "[" + i++ + "]", out, max);
                }
            } else {
                unknownFields((Message) e.getValue(), path + "." + f.getName(), out, max);
            }
        }
    }

    @Override
    public List<String> readProblems(ParsedSchema writer) {
        List<String> out = new ArrayList<>();
        compare(type, ((ProtobufDefinition) writer).type, type.getName(), out, new HashSet<>());
        return out;
    }

    private static void compare(Descriptor r, Descriptor w, String path, List<String> out, Set<String> seen) {
        if (!seen.add(r.getFullName() + "\u0000" + w.getFullName())) {
            return;
        }
        for (FieldDescriptor rf : r.getFields()) {
            FieldDescriptor wf = w.findFieldByNumber(rf.getNumber());
            String at = path + "." + rf.getName() + " (field " + rf.getNumber() + ")";
            if (wf == null) {
                if (rf.isRequired()) {
                    out.add(at + ": required by the reader, not declared by the writer");
                }
                continue;
            }
            if (rf.isRepeated() != wf.isRepeated()) {
                out.add(at + ": " + (rf.isRepeated() ? "repeated" : "singular") + " in the reader, "
                        + (wf.isRepeated() ? "repeated" : "singular") + " in the writer");
                continue;
            }
            String rg = wireGroup(rf);
            String wg = wireGroup(wf);
            if (!rg.equals(wg)) {
                out.add(at + ": type " + typeName(rf) + " in the reader, " + typeName(wf)
                        + " in the writer (not wire-compatible)");
                continue;
            }
            if (rf.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                compare(rf.getMessageType(), wf.getMessageType(), at, out, seen);
            } else if (rf.getType() == FieldDescriptor.Type.ENUM && wf.getType() == FieldDescriptor.Type.ENUM
                    && rf.getEnumType().isClosed()) {
                for (EnumValueDescriptor v : wf.getEnumType().getValues()) {
                    if (rf.getEnumType().findValueByNumber(v.getNumber()) == null) {
                        out.add(at + ": the writer's enum value " + v.getName() + " = " + v.getNumber()
                                + " is not in the reader's closed enum " + rf.getEnumType().getFullName());
                        break;
                    }
                }
            }
        }
    }

    private static String wireGroup(FieldDescriptor f) {
        return switch (f.getType()) {
            case INT32, INT64, UINT32, UINT64, BOOL, ENUM -> "varint";
            case SINT32, SINT64 -> "zigzag";
            case FIXED32, SFIXED32 -> "fixed32";
            case FIXED64, SFIXED64 -> "fixed64";
            case STRING, BYTES -> "bytes";
            case FLOAT -> "float";
            case DOUBLE -> "double";
            case MESSAGE -> "message";
            case GROUP -> "group";
        };
    }

    private static String typeName(FieldDescriptor f) {
        return f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType().getFullName()
                : f.getType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
