/** The hierarchical timing wheel: holds timer references in memory and fires them at their exact due millisecond. */
package io.sundial.store.wheel;
