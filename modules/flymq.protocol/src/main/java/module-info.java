/**
 * The FlyMQ 1.26 wire format and our extensions: frame header and codec, opcodes, error frames, the payload
 * encoding primitives, one message type per request and response ({@code flymq.protocol.message}), the layout of
 * a stored record ({@code flymq.protocol.record}), and how a connection waits for its next frame. Shared by the
 * broker, the client, cluster forwarding and storage; needs nothing but the JDK.
 */
module flymq.protocol {
    exports flymq.protocol;
    exports flymq.protocol.message;
    exports flymq.protocol.record;
}
