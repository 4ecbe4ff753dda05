package org.netstack4j.nio;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/** A channel's registration with one selector: its interest set and its last ready set. */
final class NsSelectionKey extends AbstractSelectionKey {
    private final NsSelector selector;
    private final SelectableChannel channel;
    private volatile int interest;
    private volatile int ready;

    NsSelectionKey(NsSelector selector, SelectableChannel channel, int interest) {
        this.selector = selector;
        this.channel = channel;
        this.interest = interest;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    NsSelector nsSelector() {
        return selector;
    }

    NsChannel nsChannel() {
        return (NsChannel) channel;
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interest;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("operations " + ops + " are not valid for " + channel);
        }
        interest = ops;
        selector.wakeForEvent(); // a select in progress re-reads the interest set
        return this;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return ready;
    }

    void setReady(int ops) {
        ready = ops;
    }

    int interestNow() {
        return interest;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }
}
