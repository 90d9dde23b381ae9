/** The demo web app: a Jetty 12 (ee10) API behind a bearer-token filter, and the page that refreshes tokens silently. */
package dev.silentrefresh.demo;
