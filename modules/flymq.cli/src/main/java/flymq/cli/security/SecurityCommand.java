package flymq.cli.security;

import picocli.CommandLine.Command;

/** `flymq security`: certificates for a development or test cluster. */
@Command(name = "security",
        mixinStandardHelpOptions = true,
        header = "Set up TLS certificates for a development or test cluster.",
        description = {"", "Production certificates come from your own CA; see docs/security.md.", ""},
        subcommands = {SecurityInit.class})
public final class SecurityCommand {
}
