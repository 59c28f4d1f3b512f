/** Re-publishing due timers to their real topic on the backend cluster, batched per lane. */
package io.sundial.proxy.dispatch;
