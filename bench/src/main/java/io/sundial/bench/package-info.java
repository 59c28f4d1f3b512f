/** bin/sundial bench compare: Sundial against RocketMQ's built-in timer, side by side, with the stock client. */
package io.sundial.bench;
