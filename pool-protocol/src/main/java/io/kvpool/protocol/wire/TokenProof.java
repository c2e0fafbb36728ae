package io.kvpool.protocol.wire;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * What a HELLO carries instead of a token: proof that the client knows the token, which never leaves the client
 * (the Aeron log buffers a message passes through are files, and a token in them would be a token on disk).
 * <pre>
 *   credential = nonce (16 random bytes) | issuedAtMillis (u64 LE, wall clock) | mac (32 bytes)
 *   key        = SHA-256(token as UTF-8)            (what the manager stores for a namespace: it never sees the token)
 *   mac        = HMAC-SHA256(key, "kvpool-hello-1" | nonce | issuedAtMillis | namespace as UTF-8)
 * </pre>
 * The manager recomputes the MAC from its stored key, refuses a credential issued more than
 * {@link #MAX_SKEW_MILLIS} from its clock, and remembers nonces for that long, so a credential copied out of a log
 * buffer cannot open a second session. An empty credential means "no token" (an open namespace, a manager without
 * an admin token). Stateless and thread-safe.
 */
public final class TokenProof
{
    /** Bytes of a credential. */
    public static final int LENGTH = 56;
    /** How far a credential's issue time may be from the manager's clock, either way. */
    public static final long MAX_SKEW_MILLIS = 5 * 60 * 1000L;
    private static final byte[] CONTEXT = "kvpool-hello-1".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TokenProof()
    {
    }

    /**
     * @param token a token.
     * @return its SHA-256, the key of its proofs (and what a namespace table stores).
     */
    public static byte[] tokenHash(final String token)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("SHA-256 is part of every JDK", ex);
        }
    }

    /**
     * @param token      the token ("" for none).
     * @param namespace  the namespace the HELLO opens ("" for an admin session).
     * @param nowMillis  the wall clock.
     * @return a fresh credential ({@link #LENGTH} bytes), or an empty one for no token.
     */
    public static byte[] create(final String token, final String namespace, final long nowMillis)
    {
        if (token == null || token.isEmpty())
        {
            return new byte[0];
        }
        final byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        final ByteBuffer credential = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        credential.put(nonce).putLong(nowMillis).put(mac(tokenHash(token), nonce, nowMillis, namespace));
        return credential.array();
    }

    /**
     * @param credential what a HELLO carried.
     * @param key        the stored SHA-256 of the token.
     * @param namespace  the namespace the HELLO names.
     * @return whether the credential was made with that token for that namespace (issue time and replay are the
     *         caller's checks).
     */
    public static boolean verify(final byte[] credential, final byte[] key, final String namespace)
    {
        if (credential.length != LENGTH)
        {
            return false;
        }
        final ByteBuffer buffer = ByteBuffer.wrap(credential).order(ByteOrder.LITTLE_ENDIAN);
        final byte[] nonce = new byte[NONCE_LENGTH];
        buffer.get(nonce);
        final long issuedAt = buffer.getLong();
        final byte[] mac = new byte[32];
        buffer.get(mac);
        return MessageDigest.isEqual(mac, mac(key, nonce, issuedAt, namespace));
    }

    /**
     * @param credential a credential of {@link #LENGTH} bytes.
     * @return when it was made, by its maker's clock.
     */
    public static long issuedAtMillis(final byte[] credential)
    {
        return ByteBuffer.wrap(credential, NONCE_LENGTH, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static byte[] mac(final byte[] key, final byte[] nonce, final long issuedAt, final String namespace)
    {
        try
        {
            final Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
            hmac.update(CONTEXT);
            hmac.update(nonce);
            hmac.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(issuedAt).array());
            hmac.update(namespace.getBytes(StandardCharsets.UTF_8));
            return hmac.doFinal();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", ex);
        }
    }
}
