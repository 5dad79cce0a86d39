package flymq.client;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The server that answered is not the leader for the request; {@link #leaderAddress()} says where to go if known. */
public class NotLeaderException extends FlyMqServerException {
    private static final Pattern LEADER_ADDR = Pattern.compile("leader_addr=(\\S+)");

    public NotLeaderException(String request, String serverMessage) {
        super(request, serverMessage);
    }

    /** The {@code host:port} from the server's {@code leader_addr=} field, if it named one. */
    public Optional<String> leaderAddress() {
        Matcher m = LEADER_ADDR.matcher(serverMessage());
        return m.find() && !m.group(1).isEmpty() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
