/** Clocks injected into every component that asks the time, so that tests step time by hand. */
package io.sundial.store.time;
