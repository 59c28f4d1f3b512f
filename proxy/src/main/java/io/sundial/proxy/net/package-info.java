/**
 * Network helpers shared by the proxy, the admin client, the embedded cluster, the tests and the benchmark: picking
 * ports for servers, and a remoting client that shuts down at once.
 */
package io.sundial.proxy.net;
