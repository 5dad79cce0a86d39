/**
 * The FlyMQ 1.26 wire format and our extensions: frame header and codec, opcodes, error frames, the payload
 * encoding primitives, one message type per request and response ({@code flymq.protocol.message}), the layout of
 * a stored record ({@code flymq.protocol.record}), how a connection waits for its next frame, and TLS as both ends
 * use it ({@code flymq.protocol.tls}: versions, suites, PEM files). Shared by the
 * broker, the client, cluster forwarding and storage; needs nothing but the JDK.
 */
module flymq.protocol {
    exports flymq.protocol;
    exports flymq.protocol.message;
    exports flymq.protocol.record;
    exports flymq.protocol.tls;
}
