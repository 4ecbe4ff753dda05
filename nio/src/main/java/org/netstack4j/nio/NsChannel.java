package org.netstack4j.nio;

/** What every channel of the provider offers its selector. */
interface NsChannel {
    /** The ready set for {@code interest} now (SelectionKey bits); called on the host's loop. */
    int readyOpsOnLoop(int interest);

    /** Who to wake when the channel's readiness changes. */
    Waiting waiting();
}
