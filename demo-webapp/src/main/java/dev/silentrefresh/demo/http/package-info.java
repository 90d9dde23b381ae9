/** HTTP response helpers shared by the API and the bearer-token filter. */
package dev.silentrefresh.demo.http;
