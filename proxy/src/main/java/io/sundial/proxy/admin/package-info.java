/**
 * Admin commands over Sundial's remoting port: the request codes ({@link io.sundial.proxy.admin.AdminCodes}), the
 * processor that checks the token and answers in JSON ({@link io.sundial.proxy.admin.AdminProcessor}), and the
 * operations on the store and the timer service ({@link io.sundial.proxy.admin.AdminOperations}). The client side
 * is {@code bin/sundial admin} ({@code io.sundial.proxy.cli.admin}).
 */
package io.sundial.proxy.admin;
