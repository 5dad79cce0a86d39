/**
 * The `flymq` command: a Picocli command tree (one class per command, packages by feature), the JLine shell and
 * top view, and the build-time generators of shell completions.
 */
module flymq.cli {
    requires flymq.client;
    requires flymq.broker;
    requires info.picocli;
    requires org.jline;
    requires HdrHistogram;
    requires jdk.unsupported; // sun.misc.Signal: server start exits 0 after a graceful stop on SIGTERM/SIGINT

    opens flymq.cli to info.picocli;
    opens flymq.cli.bench to info.picocli;
    opens flymq.cli.cluster to info.picocli;
    opens flymq.cli.group to info.picocli;
    opens flymq.cli.message to info.picocli;
    opens flymq.cli.topic to info.picocli;
    opens flymq.cli.completion to info.picocli;
    opens flymq.cli.console to info.picocli;
    opens flymq.cli.health to info.picocli;
    opens flymq.cli.manpage to info.picocli;
    opens flymq.cli.metrics to info.picocli;
    opens flymq.cli.output to info.picocli;
    opens flymq.cli.security to info.picocli;
    opens flymq.cli.schema to info.picocli;
    opens flymq.cli.dlq to info.picocli;
    opens flymq.cli.server to info.picocli;
    opens flymq.cli.shell to info.picocli;
    opens flymq.cli.top to info.picocli;
    opens flymq.cli.user to info.picocli;
    opens flymq.cli.acl to info.picocli;
    opens flymq.cli.role to info.picocli;
    opens flymq.cli.audit to info.picocli;
}
