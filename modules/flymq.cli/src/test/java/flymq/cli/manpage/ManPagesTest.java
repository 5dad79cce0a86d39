package flymq.cli.manpage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import flymq.cli.FlyMq;
import org.junit.jupiter.api.Test;

class ManPagesTest {

    @Test
    void everyCommandHasAPageNamedForItsPath() {
        var names = ManPages.commands(FlyMq.commandLine().getCommandSpec()).stream().map(ManPages::fileName).toList();
        assertTrue(names.containsAll(java.util.List.of("flymq.1", "flymq-topic-create.1", "flymq-group-lag.1",
                "flymq-health-check.1", "flymq-top.1", "flymq-shell.1")), names.toString());
    }

    @Test
    void aPageHasTheManSectionsAndTheOptionsWithTheirValues() {
        var spec = FlyMq.commandLine().getSubcommands().get("topic").getSubcommands().get("create").getCommandSpec();
        var page = ManPages.page(spec, "1.2.3");
        assertTrue(page.startsWith(".TH \"FLYMQ-TOPIC-CREATE\" \"1\" \"\" \"FlyMQ 1.2.3\""), page);
        for (var section : new String[] {".SH NAME\nflymq\\-topic\\-create \\- Create a topic.", ".SH SYNOPSIS",
                ".SH DESCRIPTION", ".SH ARGUMENTS", ".SH OPTIONS", ".SH EXIT STATUS", ".SH SEE ALSO"}) {
            assertTrue(page.contains(section), section + " missing:\n" + page);
        }
        assertTrue(page.contains("\\fB\\-p\\fR, \\fB\\-\\-partitions\\fR=\\fIN\\fR\nNumber of partitions (default: 1)."),
                page);
    }

    @Test
    void markupBecomesFontsAndLeadingDotsAreProtected() {
        assertEquals("run \\fBflymq top\\fR now", ManPages.text("run @|bold flymq top|@ now"));
        assertEquals("\\&.hidden", ManPages.escape(".hidden"));
    }

    @Test
    void formatEscapesBecomeLiteralPercentsAndNewlines() {
        assertEquals("--format '%p:%o'\nnext", ManPages.text("--format '%%p:%%o'%nnext").replace("\\-", "-"));
        assertEquals("100% sure", ManPages.text("100% sure"));
    }
}
