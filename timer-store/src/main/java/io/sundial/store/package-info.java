/** The durable timer store: a log of messages with due times, indexed in RocksDB, with recovery and reclaim. */
package io.sundial.store;
