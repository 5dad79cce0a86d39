package flymq.cli.user;

import picocli.CommandLine.Command;

/** `flymq user`: the broker's users (USER_* opcodes 0x73-0x77, PASSWORD_CHANGE 0x7C). */
@Command(name = "user",
        mixinStandardHelpOptions = true,
        header = "Create, list, show, update and delete users; change passwords.",
        description = {"", "Users log in with AUTH (the global --user option). Each holds built-in roles: admin "
                + "(everything), producer (write), consumer (read), guest (public topics and ACLs that list it); see "
                + "'flymq role list'. Needs auth.enabled on the broker, and the admin permission for everything but "
                + "changing one's own password.", ""},
        subcommands = {UserCreate.class, UserList.class, UserGet.class, UserUpdate.class, UserDelete.class,
                UserPasswd.class})
public final class UserCommand {
}
