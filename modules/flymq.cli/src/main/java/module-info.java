/** The `flymq` command. */
module flymq.cli {
    requires flymq.broker;
    requires info.picocli;
    requires org.jline;
    opens flymq.cli to info.picocli;
}
