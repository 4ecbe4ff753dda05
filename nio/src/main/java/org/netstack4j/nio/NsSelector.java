package org.netstack4j.nio;

import org.netstack4j.exec.Applications;
import org.netstack4j.stack.Host;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A selector over one host's channels. A select asks every key's channel what is ready now, in one
 * call on the host's loop (readiness is a level there, so nothing told earlier is missed); if
 * nothing is, it waits until the stack says something changed on one of its channels, a
 * {@link #wakeup}, or the timeout, and asks again.
 */
final class NsSelector extends AbstractSelector {
    private final Host host;
    private final Applications apps;
    // Insertion order, not hash order: a simulated run handles its keys in the same order every time.
    private final Set<SelectionKey> keys = new LinkedHashSet<>();
    private final Set<SelectionKey> selected = new LinkedHashSet<>();
    private final Set<SelectionKey> publicKeys = java.util.Collections.unmodifiableSet(keys);
    private final Set<SelectionKey> publicSelected = new RemoveOnlySet(selected);
    private volatile Thread selecting;
    private volatile boolean wakeupPending;
    /** Whether the last poll found any key ready (updated or not). */
    private boolean anyReady;
    /** Events so far: a select blocks only if none came since it looked (see {@link Waiting#mark}). */
    private final java.util.concurrent.atomic.AtomicLong events = new java.util.concurrent.atomic.AtomicLong();

    NsSelector(NetstackSelectorProvider provider, Host host) {
        super(provider);
        this.host = host;
        this.apps = host.applications();
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelected;
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        ensureOpen();
        if (!(ch instanceof NsChannel nc) || ch.provider() != provider()) {
            throw new IllegalSelectorException();
        }
        NsSelectionKey k = new NsSelectionKey(this, ch, ops);
        k.attach(att);
        synchronized (keys) {
            keys.add(k);
        }
        nc.waiting().add(k);
        wakeForEvent(); // a select in progress includes the new key
        return k;
    }

    @Override
    public int selectNow() throws IOException {
        wakeupPending = false;
        return doSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout");
        }
        return doSelect(null, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select() throws IOException {
        return doSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout");
        }
        return doSelect(action, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return doSelect(action, -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        wakeupPending = false;
        return doSelect(action, 0);
    }

    /** {@code timeoutMillis}: -1 for ever, 0 not at all. */
    private int doSelect(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        ensureOpen();
        synchronized (this) {
            long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : apps.clock().nanos() + timeoutMillis * 1_000_000L;
            try {
                selecting = Thread.currentThread(); // before looking: an event from here on wakes us
                while (true) {
                    removeCancelled();
                    long mark = events.get();
                    int updated = poll(action);
                    // As the JDK's selectors do (epoll returns while any channel is ready): a key already
                    // selected with the same ready set updates nothing, yet the select does not wait.
                    if (updated > 0 || anyReady || wakeupPending || !isOpen() || timeoutMillis == 0
                            || apps.clock().nanos() >= deadline || Thread.currentThread().isInterrupted()) {
                        wakeupPending = false;
                        return updated;
                    }
                    begin(); // an interrupt of the selecting thread wakes it, as the JDK's selectors do
                    try {
                        if (events.get() == mark && !wakeupPending) {
                            apps.block(deadline);
                        }
                    } finally {
                        end();
                    }
                }
            } finally {
                selecting = null;
                removeCancelled();
            }
        }
    }

    /** Asks every key's channel, on the loop, what is ready; updates the selected set as the JDK does. */
    private int poll(Consumer<SelectionKey> action) throws IOException {
        List<NsSelectionKey> snapshot = new ArrayList<>();
        synchronized (keys) {
            for (SelectionKey k : keys) {
                snapshot.add((NsSelectionKey) k);
            }
        }
        anyReady = false;
        if (snapshot.isEmpty()) {
            return 0;
        }
        int[] ready = host.loop().call(() -> {
            int[] r = new int[snapshot.size()];
            for (int i = 0; i < r.length; i++) {
                NsSelectionKey k = snapshot.get(i);
                r[i] = k.isValid() ? k.nsChannel().readyOpsOnLoop(k.interestNow()) : 0;
            }
            return r;
        });
        int updated = 0;
        for (int i = 0; i < ready.length; i++) {
            NsSelectionKey k = snapshot.get(i);
            int now = ready[i];
            if (now == 0 || !k.isValid()) {
                continue;
            }
            anyReady = true;
            if (action != null) {
                k.setReady(now);
                action.accept(k);
                updated++;
            } else if (selected.contains(k)) {
                int before = k.readyOps();
                if ((before | now) != before) {
                    k.setReady(before | now);
                    updated++;
                }
            } else {
                k.setReady(now);
                selected.add(k);
                updated++;
            }
        }
        return updated;
    }

    private void removeCancelled() {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            for (Iterator<SelectionKey> it = cancelled.iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                synchronized (keys) {
                    keys.remove(k);
                }
                selected.remove(k);
                ((NsChannel) k.channel()).waiting().remove((NsSelectionKey) k);
                deregister((NsSelectionKey) k);
            }
        }
    }

    /** The stack says something changed on one of this selector's channels (any thread). */
    void wakeForEvent() {
        events.incrementAndGet();
        Thread t = selecting;
        if (t != null) {
            apps.wake(t);
        }
    }

    @Override
    public Selector wakeup() {
        wakeupPending = true;
        wakeForEvent();
        return this;
    }

    @Override
    protected void implCloseSelector() {
        wakeup();
        synchronized (this) {
            List<SelectionKey> all;
            synchronized (keys) {
                all = new ArrayList<>(keys);
            }
            for (SelectionKey k : all) {
                k.cancel();
            }
            removeCancelled();
        }
    }

    /** The selected-key set as the JDK hands it out: keys may be removed from it, never added. */
    private static final class RemoveOnlySet extends java.util.AbstractSet<SelectionKey> {
        private final Set<SelectionKey> inner;

        RemoveOnlySet(Set<SelectionKey> inner) {
            this.inner = inner;
        }

        @Override
        public Iterator<SelectionKey> iterator() {
            return inner.iterator();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public boolean contains(Object o) {
            return inner.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return inner.remove(o);
        }

        @Override
        public boolean removeAll(Collection<?> c) {
            return inner.removeAll(c);
        }

        @Override
        public void clear() {
            inner.clear();
        }

        @Override
        public boolean add(SelectionKey k) {
            throw new UnsupportedOperationException("keys cannot be added to a selected-key set");
        }
    }
}
