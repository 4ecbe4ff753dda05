/**
 * The Intel 8254x ("E1000") as hardware: its register map ({@link org.netstack4j.hw.e1000.E1000Registers},
 * shared with the driver as a datasheet is) and a software model of the card
 * ({@link org.netstack4j.hw.e1000.E1000}) that reads descriptor rings from DMA memory by bus address,
 * moves frames to and from a medium, and raises its interrupt line. It touches {@code buffer},
 * {@code exec} and {@code hw.link}; the driver never sees the model's objects.
 */
package org.netstack4j.hw.e1000;
