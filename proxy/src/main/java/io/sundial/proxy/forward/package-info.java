/** Pass-through of sends Sundial does not intercept to the master of the broker the producer chose. */
package io.sundial.proxy.forward;
