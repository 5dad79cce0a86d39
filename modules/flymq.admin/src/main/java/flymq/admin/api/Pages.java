package flymq.admin.api;

import java.util.List;

/**
 * Pagination of list answers: {@code ?limit=} (default {@value #DEFAULT_LIMIT}, at most {@value #MAX_LIMIT}) and
 * {@code ?offset=}. The body stays the plain JSON array upstream's clients read; the total is in
 * {@code X-Total-Count} and the next page in {@code Link: <...>; rel="next"}.
 */
final class Pages {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private Pages() {
    }

    static <T> List<T> page(Call call, List<T> all) {
        int limit = (int) call.longQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        long offset = call.longQuery("offset", 0, 0, Integer.MAX_VALUE);
        call.header("X-Total-Count", Integer.toString(all.size()));
        int from = (int) Math.min(offset, all.size());
        int to = Math.min(all.size(), from + limit);
        if (to < all.size()) {
            call.header("Link", "<" + call.request().path().rawPath() + "?offset=" + to + "&limit=" + limit
                    + ">; rel=\"next\"");
        }
        return all.subList(from, to);
    }
}
