package org.netstack4j.hw.link;

/**
 * A card's socket for a medium: frames arriving from the medium go to {@link #input()}; frames the
 * card transmits go to the link given by {@link #attach}. Attaching and detaching bring the link up
 * and down (the card reports it in STATUS.LU and raises LSC).
 */
public interface Connector {
    /** Where the medium delivers frames for this card. */
    Link input();

    /** Plugs the card in: it transmits into {@code output}, and its link comes up. */
    void attach(Link output);

    /** Unplugs the card: its link goes down and what it transmits is lost and counted. */
    void detach();
}
