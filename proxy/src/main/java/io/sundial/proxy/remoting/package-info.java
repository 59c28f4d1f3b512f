/** The remoting server producers connect to, with one processor per request family. */
package io.sundial.proxy.remoting;
