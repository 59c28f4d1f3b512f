/** A real RocketMQ name server and broker in child JVMs, started and stopped for the quickstart and the tests. */
package io.sundial.proxy.embedded;
