/** Sundial's proxy: the remoting front producers talk to, interception of timed sends, dispatch to the cluster. */
package io.sundial.proxy;
