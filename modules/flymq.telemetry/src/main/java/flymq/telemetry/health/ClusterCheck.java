package flymq.telemetry.health;

import java.util.function.Supplier;

import flymq.telemetry.StateSource.ClusterState;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;

/** Healthy while a leader is known; degraded while the cluster has none (it cannot accept writes). */
public final class ClusterCheck implements HealthCheck {

    private final Supplier<ClusterState> cluster;

    public ClusterCheck(Supplier<ClusterState> cluster) {
        this.cluster = cluster;
    }

    @Override
    public String name() {
        return "cluster";
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public HealthCheckResponse call() {
        ClusterState c = cluster.get();
        if (c.leaderKnown()) {
            return HealthCheckResponse.builder().status(true)
                    .detail("status", HealthStatus.HEALTHY.json())
                    .detail("leader", c.leaderId())
                    .build();
        }
        return HealthCheckResponse.builder().status(true)
                .detail("status", HealthStatus.DEGRADED.json())
                .detail("leader", "")
                .detail("error", "no leader known among " + c.nodes() + " node(s) at term " + c.raftTerm())
                .build();
    }
}
