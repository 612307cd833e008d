/**
 * The billing ledger's values and SPI. Every invocation that ran (or tried to) leaves one
 * {@link dev.faas.api.ledger.InvocationRecord}, priced by a {@link dev.faas.api.ledger.Pricing}
 * (Lambda's published prices by default) in exact decimals; a {@link dev.faas.api.ledger.Ledger}
 * answers usage questions and exports records; a {@link dev.faas.api.ledger.LedgerSink} sends them
 * elsewhere; {@link dev.faas.api.ledger.Durability} says what a journal write waits for.
 */
package dev.faas.api.ledger;
