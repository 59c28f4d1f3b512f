/**
 * What every module shares: reading settings from properties (parsing, and errors that name the bad value), and
 * the factories of Sundial's daemon threads.
 */
package io.sundial.store.config;
