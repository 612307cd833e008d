package dev.faas.triggers.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class ClientTextTest {

    @Test
    void namesJacksonsTypesAsAJsonClientKnowsThem() {
        assertThat(ClientText.of("Cannot deserialize value of type `dev.faas.x.Probe$Order` from Array value"
                        + " (token `JsonToken.START_ARRAY`)"))
                .isEqualTo("Cannot deserialize value of type `Order` from Array value (an array)");
        assertThat(ClientText.of("value of type `java.util.LinkedHashMap<java.lang.Object,java.lang.Object>`"))
                .isEqualTo("value of type `object`");
        assertThat(ClientText.of("type `java.util.Map<java.lang.String,java.util.List<java.lang.Integer>>`"))
                .isEqualTo("type `object`");
        assertThat(ClientText.of("type `java.util.ArrayList<java.lang.String>` or `int`"))
                .isEqualTo("type `array` or `int`");
        assertThat(ClientText.of("depth (1001) exceeds the maximum allowed (1000, from"
                        + " `StreamReadConstraints.getMaxNestingDepth()`)"))
                .isEqualTo("depth (1001) exceeds the maximum allowed (1000)");
        assertThat(ClientText.of("(token `JsonToken.VALUE_EMBEDDED_OBJECT`)")).isEqualTo("(a JSON value)");
    }

    @Test
    void shortensAFullyQualifiedNameOutsideQuotes() {
        assertThat(ClientText.of("function 'order' takes dev.faas.triggers.http.Probe$Order, but was given null"))
                .isEqualTo("function 'order' takes Order, but was given null");
    }

    @Test
    void leavesAClientsOwnTextAsItWasSent() {
        for (String text : new String[] {
            "ListOrdersRequest",
            "MappingRule",
            "Listing",
            "the fields Map and List",
            "user.Name",
            "a.b",
            "Price$USD",
            "version 1.2.3",
            "$.items[0].id",
            "e-mail me at a.b@c.de"
        }) {
            assertThat(ClientText.of(text)).as(text).isEqualTo(text);
        }
        assertThat(ClientText.of("`ListOrdersRequest` and `MappingRule`"))
                .isEqualTo("`ListOrdersRequest` and `MappingRule`");
    }
}
