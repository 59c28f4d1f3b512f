package io.sundial.store.service;

import io.sundial.store.wheel.TimerRef;

/** A timer the wheel has fired (or a lane re-read after a retry), waiting in its lane or being dispatched. */
record Fired(TimerRef ref, long firedAtMs) {
}
