/**
 * What operators watch: Prometheus metrics ({@link io.sundial.proxy.ops.SundialMetrics}) and health
 * ({@link io.sundial.proxy.ops.Health}), served over HTTP by {@link io.sundial.proxy.ops.OpsHttpServer}.
 */
package io.sundial.proxy.ops;
