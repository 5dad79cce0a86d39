package flymq.storage.record;

import flymq.protocol.record.StoredRecordLayout;

/**
 * What a segment's records say about expiry (TTL), enough for retention and lag to skip the records themselves:
 * how many records carry an expiry, and the earliest and latest of those expiries. A segment none of whose records
 * expires has {@link #NONE}; one whose every record has expired by now can be deleted.
 *
 * @param expiring      records that carry an expiry
 * @param minExpiresAt  earliest expiry among them (Long.MAX_VALUE when none)
 * @param maxExpiresAt  latest expiry among them (Long.MIN_VALUE when none)
 */
public record ExpiryStats(long expiring, long minExpiresAt, long maxExpiresAt) {
    public static final ExpiryStats NONE = new ExpiryStats(0, Long.MAX_VALUE, Long.MIN_VALUE);

    /** These stats with one more record, expiring at {@code expiresAt} ({@code NO_EXPIRY}: never). */
    public ExpiryStats plus(long expiresAt) {
        if (expiresAt == StoredRecordLayout.NO_EXPIRY) {
            return this;
        }
        return new ExpiryStats(expiring + 1, Math.min(minExpiresAt, expiresAt), Math.max(maxExpiresAt, expiresAt));
    }

    /** The stats of two runs of records together. */
    public ExpiryStats plus(ExpiryStats other) {
        if (other.expiring == 0) {
            return this;
        }
        return new ExpiryStats(expiring + other.expiring, Math.min(minExpiresAt, other.minExpiresAt),
                Math.max(maxExpiresAt, other.maxExpiresAt));
    }

    /** True when all {@code records} records of the run carry an expiry and every one of them is past at now. */
    public boolean allExpired(long records, long nowMs) {
        return records > 0 && expiring == records && maxExpiresAt <= nowMs;
    }

    /** True when no record of the run can be expired at now. */
    public boolean noneExpired(long nowMs) {
        return expiring == 0 || minExpiresAt > nowMs;
    }
}
