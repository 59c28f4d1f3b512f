/** The backend cluster's routes, cached per topic, and the rewritten routes producers see. */
package io.sundial.proxy.route;
