package flymq.raft;

import io.microraft.RaftEndpoint;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One node of a Raft group: its node id and the {@code host:port} of its cluster listener.
 *
 * <p>The address is part of the identity on purpose: membership changes travel through the Raft log as lists of
 * members, so every node learns how to reach a newly joined node from the log itself, without a side channel.
 * A node that moves to another address is therefore a different member (remove the old one, add the new one).
 */
public record RaftMember(String id, String address) implements RaftEndpoint {

    public RaftMember {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        if (id.isBlank()) {
            throw new IllegalArgumentException("Raft member id is blank (address " + address + ")");
        }
        parseAddress(address); // fail at construction, not at the first send
    }

    /** Parses {@code id@host:port}, the form used in peer lists on the command line and in the environment. */
    public static RaftMember parse(String spec) {
        int at = spec.indexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw new IllegalArgumentException("Raft member '" + spec + "' is not of the form id@host:port");
        }
        return new RaftMember(spec.substring(0, at), spec.substring(at + 1));
    }

    @Override
    public Object getId() {
        return id;
    }

    /** The cluster address as a socket address (unresolved host names are resolved at connect time). */
    public InetSocketAddress socketAddress() {
        return parseAddress(address);
    }

    /** Parses {@code host:port} (IPv6 hosts in brackets) into an unresolved socket address. */
    public static InetSocketAddress parseAddress(String address) {
        int colon = address.lastIndexOf(':');
        if (colon < 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("cluster address '" + address + "' is not of the form host:port");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cluster address '" + address + "' has a non-numeric port", e);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("cluster address '" + address + "' has port " + port + " outside 0..65535");
        }
        return InetSocketAddress.createUnresolved(host.isEmpty() ? "0.0.0.0" : host, port);
    }

    @Override
    public String toString() {
        return id + "@" + address;
    }
}
