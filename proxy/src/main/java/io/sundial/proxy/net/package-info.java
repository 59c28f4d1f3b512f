/** Network helpers shared by the embedded cluster, the tests and the benchmark: picking ports for servers. */
package io.sundial.proxy.net;
