package flymq.cli.acl;

import picocli.CommandLine.Command;

/** `flymq acl`: topic access lists (ACL_* opcodes 0x78-0x7B). */
@Command(name = "acl",
        mixinStandardHelpOptions = true,
        header = "Set, show, list and delete topic ACLs.",
        description = {"", "A topic is public when its ACL says so, or it has none and the broker's "
                + "auth.default_public is true: then every logged-in user may read and write it (anonymous ones too "
                + "with auth.allow_anonymous). Any other topic admits users whose roles grant the permission "
                + "(consumer: read, producer: write, admin: both) and users the ACL lists by name or by role.", ""},
        subcommands = {AclSet.class, AclGet.class, AclList.class, AclDelete.class})
public final class AclCommand {
}
