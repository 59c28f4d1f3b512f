/** {@code bin/sundial}'s commands: start, quickstart. */
package io.sundial.proxy.cli;
