package flymq.cli.schema;

import picocli.CommandLine.Command;

/** `flymq schema`: the broker's schema registry. */
@Command(name = "schema",
        mixinStandardHelpOptions = true,
        header = "Register, show, list, check and delete schemas.",
        description = {"", "The broker keeps versions of JSON Schema, Avro and Protobuf schemas under subjects. With "
                + "schema.enabled, a topic's records must match the latest version of subject TOPIC-value (or TOPIC); "
                + "a new version must keep the subject's compatibility mode (BACKWARD by default). Protobuf schemas "
                + "are registered as compiled descriptor sets: protoc --include_imports --descriptor_set_out=F.desc "
                + "F.proto.", ""},
        subcommands = {SchemaRegister.class, SchemaGet.class, SchemaList.class, SchemaValidate.class,
                SchemaDelete.class})
public final class SchemaCommand {
}
