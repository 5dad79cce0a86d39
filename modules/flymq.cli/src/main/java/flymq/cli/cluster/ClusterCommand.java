package flymq.cli.cluster;

import picocli.CommandLine.Command;

/** `flymq cluster`: the nodes of the cluster. */
@Command(name = "cluster",
        mixinStandardHelpOptions = true,
        header = "Show the cluster (its id, leader and nodes), change its members and move partitions.",
        description = {"", "A single broker answers as a cluster of one node.", ""},
        subcommands = {ClusterStatusCommand.class, ClusterMembers.class, ClusterJoinCommand.class,
                ClusterLeaveCommand.class, ClusterReassignCommand.class, ClusterRebalanceCommand.class,
                ClusterDrainCommand.class, ClusterElectLeadersCommand.class})
public final class ClusterCommand {
}
