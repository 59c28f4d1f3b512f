/** The timer indexes (due, unique key, topic, message key, counters) in RocksDB behind a narrow interface. */
package io.sundial.store.index;
