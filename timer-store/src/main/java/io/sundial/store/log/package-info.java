/** The timer log: append-only, preallocated segment files of checksummed records, fsynced by flush mode. */
package io.sundial.store.log;
