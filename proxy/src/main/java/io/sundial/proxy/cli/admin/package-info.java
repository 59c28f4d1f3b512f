/**
 * {@code bin/sundial admin}: the client side of the admin commands, in the style of RocketMQ's {@code mqadmin}
 * ({@code -s host:port}, {@code -h} per command, an aligned table or {@code --json}, non-zero exit on any error).
 */
package io.sundial.proxy.cli.admin;
