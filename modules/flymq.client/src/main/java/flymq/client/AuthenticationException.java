package flymq.client;

/** Login failed, or the connection lacks the identity or permission the request needs. */
public class AuthenticationException extends FlyMqServerException {
    public AuthenticationException(String request, String serverMessage) {
        super(request, serverMessage);
    }
}
