/**
 * A JUnit 5 harness for functions and for code that deploys them: {@link dev.faas.testing.FaasTest}
 * gives each test a fresh runtime on a manual clock, a recorder hears every invocation, assertions
 * read like the domain, and fixtures build the events triggers deliver.
 */
module dev.faas.testing {
    requires transitive dev.faas.core;
    requires transitive org.junit.jupiter.api;
    requires transitive org.assertj.core;

    exports dev.faas.testing;
}
