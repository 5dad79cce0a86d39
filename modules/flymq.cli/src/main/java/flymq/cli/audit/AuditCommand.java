package flymq.cli.audit;

import picocli.CommandLine.Command;

/** `flymq audit`: the audit trail (AUDIT_QUERY 0x80, AUDIT_EXPORT 0x81). */
@Command(name = "audit",
        mixinStandardHelpOptions = true,
        header = "Query and export the audit trail.",
        description = {"", "Each broker keeps its own trail of security events: logins, refused requests, user and "
                + "ACL changes, topic creation and deletion, offset resets, group deletions and membership changes. "
                + "In a cluster, ask each node (--server).", ""},
        subcommands = {AuditQuery.class, AuditExport.class})
public final class AuditCommand {
}
