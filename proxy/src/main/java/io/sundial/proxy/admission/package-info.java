/** Deciding whether a send carries a delivery time, which one, and whether it is legal. */
package io.sundial.proxy.admission;
