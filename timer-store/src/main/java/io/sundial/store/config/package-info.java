/** Reading settings from properties: parsing and errors that name the bad value, shared by every module. */
package io.sundial.store.config;
