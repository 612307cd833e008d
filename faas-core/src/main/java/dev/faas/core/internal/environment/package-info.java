/**
 * Execution environments: each function's pool of handler instances, warm ones most recently used
 * first, idle ones expired by one timer per pool, provisioned ones kept.
 */
package dev.faas.core.internal.environment;
