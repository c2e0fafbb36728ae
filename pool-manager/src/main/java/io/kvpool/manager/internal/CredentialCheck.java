package io.kvpool.manager.internal;

import io.kvpool.protocol.wire.TokenProof;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Checks HELLO credentials ({@link TokenProof}): the MAC against the stored token hash, the issue time within
 * {@link TokenProof#MAX_SKEW_MILLIS} of this clock, and the nonce never seen before in that window — so a credential
 * read out of a log buffer cannot open another session. Remembers at most {@link #MAX_NONCES} nonces (the oldest
 * go first). Not thread-safe: the manager's thread.
 */
final class CredentialCheck
{
    /** Nonces remembered at most; beyond, the oldest is forgotten. */
    static final int MAX_NONCES = 1 << 16;

    private final LongSupplier clockMillis;
    private final LinkedHashMap<ByteBuffer, Long> seen = new LinkedHashMap<>();

    CredentialCheck(final LongSupplier clockMillis)
    {
        this.clockMillis = clockMillis;
    }

    /**
     * @param credential what the HELLO carried.
     * @param key        the stored SHA-256 of the token.
     * @param namespace  the namespace the HELLO names ("" for admin).
     * @return whether it proves the token, is fresh and was not used before.
     */
    boolean accept(final byte[] credential, final byte[] key, final String namespace)
    {
        if (!TokenProof.verify(credential, key, namespace))
        {
            return false;
        }
        final long now = clockMillis.getAsLong();
        forgetExpired(now);
        final long issuedAt = TokenProof.issuedAtMillis(credential);
        if (Math.abs(now - issuedAt) > TokenProof.MAX_SKEW_MILLIS)
        {
            return false;
        }
        final ByteBuffer nonce = ByteBuffer.wrap(credential, 0, 16).slice();
        if (seen.containsKey(nonce))
        {
            return false;
        }
        seen.put(nonce, issuedAt + TokenProof.MAX_SKEW_MILLIS);
        if (seen.size() > MAX_NONCES)
        {
            final Iterator<ByteBuffer> oldest = seen.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    private void forgetExpired(final long now)
    {
        final Iterator<Map.Entry<ByteBuffer, Long>> entries = seen.entrySet().iterator();
        while (entries.hasNext())
        {
            final Map.Entry<ByteBuffer, Long> entry = entries.next();
            if (entry.getValue() >= now)
            {
                return;
            }
            entries.remove();
        }
    }
}
