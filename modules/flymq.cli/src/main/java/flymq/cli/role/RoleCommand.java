package flymq.cli.role;

import picocli.CommandLine.Command;

/** `flymq role`: the built-in roles (ROLE_LIST 0x7D). */
@Command(name = "role",
        mixinStandardHelpOptions = true,
        header = "List the roles users can hold.",
        description = {"", "The roles are built in: admin, producer, consumer and guest.", ""},
        subcommands = {RoleList.class})
public final class RoleCommand {
}
