package flymq.broker.topic;

import flymq.protocol.RequestException;

/** Kafka's topic name rules: 1 to 249 characters from {@code [a-zA-Z0-9._-]}, and neither "." nor "..". */
public final class TopicNames {
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** @throws RequestException naming the offending character or length */
    public static void validate(String name) {
        if (name.isEmpty()) {
            throw new RequestException("invalid topic name: the name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new RequestException("invalid topic name '" + name.substring(0, 20) + "...': " + name.length()
                    + " characters, at most " + MAX_LENGTH + " are allowed");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new RequestException("invalid topic name '" + name + "': '.' and '..' are reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                throw new RequestException("invalid topic name '" + name + "': character '" + c + "' at index " + i
                        + " is not allowed (only a-z, A-Z, 0-9, '.', '_' and '-')");
            }
        }
    }
}
