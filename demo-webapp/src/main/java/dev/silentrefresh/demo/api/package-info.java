/** The HTTP endpoints: the page's configuration and the JSON API behind the bearer-token filter. */
package dev.silentrefresh.demo.api;
