/** The timer service: the loader, the thread that owns the wheel, and the hand-off of due timers to a dispatcher. */
package io.sundial.store.service;
