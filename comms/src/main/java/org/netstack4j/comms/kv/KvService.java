package org.netstack4j.comms.kv;

import org.netstack4j.comms.Call;
import org.netstack4j.comms.Handler;

import java.sql.SQLException;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The key-value service as a comms {@link Handler}. Each request may first take an artificial
 * delay (a slow answer); a service that {@code heedsCancellation} stops waiting when its client
 * goes away, one that does not finishes the work and answers late, as the seed's workers did.
 */
public final class KvService implements Handler {
    private final KvStore store;
    private final ToLongFunction<KvProtocol.Request> delayNanos;
    private final boolean heedsCancellation;

    public KvService(KvStore store, ToLongFunction<KvProtocol.Request> delayNanos, boolean heedsCancellation) {
        this.store = store;
        this.delayNanos = delayNanos;
        this.heedsCancellation = heedsCancellation;
    }

    /** No delay. */
    public KvService(KvStore store) {
        this(store, r -> 0, true);
    }

    @Override
    public byte[] handle(Call call) throws SQLException {
        KvProtocol.Request r = KvProtocol.decode(call.body());
        long delay = delayNanos.applyAsLong(r);
        if (delay > 0) {
            if (heedsCancellation) {
                if (!call.pause(delay)) {
                    throw new Call.Cancelled();
                }
            } else {
                call.spend(delay);
            }
        }
        return switch (r.op()) {
            case GET -> {
                byte[] v = store.get(r.namespace(), r.key());
                yield KvProtocol.answer(r, v != null, v, List.of());
            }
            case PUT -> {
                store.put(r.namespace(), r.key(), r.value());
                yield KvProtocol.answer(r, true, null, List.of());
            }
            case DELETE -> KvProtocol.answer(r, store.delete(r.namespace(), r.key()), null, List.of());
            case SCAN -> KvProtocol.answer(r, true, null, store.scan(r.namespace(), r.key(), r.limit()));
        };
    }
}
