/** The Java client: a request/response connection, a batching producer and a group consumer. */
module flymq.client {
    // the client's API hands out protocol types (Acks, frame errors), so its users read the protocol too
    requires transitive flymq.protocol;

    exports flymq.client;
}
