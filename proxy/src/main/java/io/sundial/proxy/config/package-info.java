/** The proxy's settings: names, defaults and validation, read from {@code conf/sundial.properties}. */
package io.sundial.proxy.config;
