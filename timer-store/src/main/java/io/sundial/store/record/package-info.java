/** The timer log's record model and its on-disk encoding (layout, checksum, version). */
package io.sundial.store.record;
