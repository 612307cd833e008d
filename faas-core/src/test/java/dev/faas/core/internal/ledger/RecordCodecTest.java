package dev.faas.core.internal.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faas.api.InvocationType;
import dev.faas.api.Outcome;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The journal's codes are its format: a journal written today must read the same after any change to the enums. */
final class RecordCodecTest {

    @Test
    void keepsTheJournalsCodesForEveryValue() {
        Map<InvocationType, Integer> types =
                Map.of(InvocationType.REQUEST_RESPONSE, 0, InvocationType.EVENT, 1, InvocationType.DRY_RUN, 2);
        Map<Outcome, Integer> outcomes = Map.of(
                Outcome.SUCCESS,
                0,
                Outcome.ERROR,
                1,
                Outcome.TIMEOUT,
                2,
                Outcome.MEMORY_LIMIT,
                3,
                Outcome.INIT_ERROR,
                4);
        assertThat(types).containsOnlyKeys(InvocationType.values()); // a new value needs a new code, here too
        assertThat(outcomes).containsOnlyKeys(Outcome.values());
        types.forEach((type, code) ->
                assertThat((int) RecordCodec.code(type)).as(type.name()).isEqualTo(code));
        outcomes.forEach((outcome, code) ->
                assertThat((int) RecordCodec.code(outcome)).as(outcome.name()).isEqualTo(code));
        assertThat(Arrays.stream(Outcome.values()).map(RecordCodec::code).distinct())
                .hasSize(Outcome.values().length);
    }
}
