package flymq.client;

import java.util.List;

/** Records returned by one fetch and the first offset the server did not examine (where to fetch next). */
public record FetchResult(List<Message> records, long nextOffset) {
    public FetchResult {
        records = List.copyOf(records);
    }
}
