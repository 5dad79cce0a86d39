package flymq.protocol.message;

import flymq.protocol.MalformedPayloadException;
import flymq.protocol.PayloadReader;
import flymq.protocol.record.RecordFactory;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever bytes arrive, a decoder either returns a message or throws {@link MalformedPayloadException}: never an
 * index, size or allocation error that would escape a connection's handler.
 */
class DecodeRandomBytesTest {

    private static final List<Function<PayloadReader, ?>> DECODERS = List.of(
            ProduceRequest::read, ProduceResponse::read, ConsumeRequest::read, ConsumeResponse::read,
            CreateTopicRequest::read, DeleteTopicRequest::read, CreatePartitionsRequest::read, ListTopicsResponse::read,
            TopicMetadataRequest::read,
            TopicMetadataResponse::read, FetchRequest::read, FetchResponse::read, SubscribeRequest::read,
            OffsetResponse::read, CommitRequest::read, GroupPartitionRequest::read, LagResponse::read,
            ResetOffsetRequest::read, GroupSummary::read, ListGroupsResponse::read, DescribeGroupRequest::read,
            GroupDescription::read, DeleteGroupRequest::read, SeekToTimestampRequest::read,
            ClusterMetadataRequest::read, ClusterMetadataResponse::read, ClusterStatusResponse::read,
            AuthRequest::read, AuthResponse::read, WhoAmIResponse::read, MembershipRequest::read,
            MembershipResponse::read, RegisterNodeRequest::read, BatchProduceRequest::read,
            BatchProduceResponse::read, BatchFetchRequest::read, BatchFetchResponse::read, SuccessResponse::read,
            EmptyRequest::read, RegisterSchemaRequest::read, RegisterSchemaResponse::read, SchemaVersionRequest::read,
            GetSchemaResponse::read, ListSchemasRequest::read, ListSchemasResponse::read, ValidateSchemaRequest::read,
            ValidateSchemaResponse::read, ProduceWithSchemaRequest::read, DeleteSchemaResponse::read,
            TimedProduceRequest::read, CancelDelayedRequest::read, CancelDelayedResponse::read,
            AlterTopicRequest::read, PartitionReassignRequest::read, ReassignmentsResponse::read,
            ClusterBalanceRequest::read, ClusterBalanceResponse::read, DelayedEntriesRequest::read,
            DelayedEntriesResponse::read);

    private static final RecordFactory<Object, Object> ANY = new RecordFactory<>() {
        @Override
        public Object header(String name, byte[] value) {
            return name;
        }

        @Override
        public Object record(long offset, long timestamp, byte[] key, byte[] value, List<Object> headers) {
            return value;
        }
    };

    @Property(tries = 300)
    void randomBytesDecodeOrAreMalformed(@ForAll("payloads") byte[] payload) {
        for (Function<PayloadReader, ?> decoder : DECODERS) {
            try {
                Object m = decoder.apply(new PayloadReader(payload));
                if (m instanceof BatchProduceRequest batch) {
                    batch.groups().forEach(g -> g.records(ANY));
                }
            } catch (MalformedPayloadException expected) {
                // the one failure a decoder may report
            }
        }
    }

    /** Small arrays, mostly of small numbers, so that lengths and counts often fit and decoding goes deep. */
    @Provide
    Arbitrary<byte[]> payloads() {
        Arbitrary<Byte> smallish = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.bytes().between((byte) 0, (byte) 4)),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()),
                net.jqwik.api.Tuple.of(1, Arbitraries.of((byte) 0xFF, (byte) 0x7F, (byte) 0x80)));
        return smallish.array(byte[].class).ofMinSize(0).ofMaxSize(96);
    }
}
