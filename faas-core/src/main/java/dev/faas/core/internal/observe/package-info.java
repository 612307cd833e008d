/**
 * What the runtime tells the host about its calls: Micrometer meters per function, Lambda's START,
 * END and REPORT lines and the failure log, and the probe of starved virtual-thread carriers.
 */
package dev.faas.core.internal.observe;
