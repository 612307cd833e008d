/**
 * The HTTP trigger: function URLs on an embedded server. Build an {@link dev.faas.triggers.http.HttpTrigger}
 * with its routes and add it to the runtime; a real client can then call the functions. A function
 * that takes {@link dev.faas.api.events.HttpRequestEvent} gets the raw request; any other gets its
 * input bound from the JSON body (and the path and query parameters) by a {@link dev.faas.triggers.http.Codec}.
 */
package dev.faas.triggers.http;
