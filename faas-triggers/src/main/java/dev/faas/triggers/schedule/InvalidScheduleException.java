package dev.faas.triggers.schedule;

import java.io.Serial;

/**
 * A schedule expression or setting that cannot be used: names the part at fault (a cron field,
 * the rate's value or unit, the at time, a schedule's setting) and the offending text, and says
 * what would do instead.
 */
public final class InvalidScheduleException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String text;

    InvalidScheduleException(String field, String text, String message) {
        super(message);
        this.field = field;
        this.text = text;
    }

    /**
     * The part at fault, such as {@code "cron day-of-week"}, {@code "rate unit"}, {@code "at"} or
     * {@code "zone"}.
     *
     * @return the part's name
     */
    public String field() {
        return field;
    }

    /**
     * What was given for it.
     *
     * @return the offending text
     */
    public String text() {
        return text;
    }
}
