package dev.faas.core.internal.engine;

import dev.faas.api.TimeSource;
import dev.faas.core.internal.util.VarHandles;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One kind of deadline of one function's calls, the handler's or the INIT phase's: one timer per
 * cohort of calls, not one per call.
 *
 * <p>Every call of a function has the same timeout, so calls whose phases start in the same tick
 * of the clock can share one deadline, the tick's end plus the timeout: never early, and at most a
 * tick late. The tick is 1 ms on the system clock (whose timers are themselves a tick late at most)
 * and exact on any other clock, so that a manual clock stops a call exactly when it is advanced to
 * its deadline. A call joins the open cohort of its tick (a slot taken by one compare-and-set), and
 * leaves it when it ends (its slot cleared, and the count of members left decremented). When the
 * cohort's timer fires, it stops the members still in it; when its last member leaves, after a
 * newer cohort has replaced it, its timer is cancelled, so that a cohort lives about as long as its
 * calls, not as long as their timeout. A cohort holds a few dozen calls: a burst of calls in one
 * tick opens more. An emptied cohort is dead: nothing joins it again.
 *
 * <p>A call whose thread was delayed between reading the clock and joining gets a timer of its
 * own, set for its exact deadline: when its tick's cohort has been replaced by a newer one (joining
 * that would make it late, and replacing it again would make every delayed call open a cohort), and
 * when the cohort's timer has already fired. The slot is written, and the fired flag read, with
 * volatile accesses, as the timer's side does the opposite, so that the timer sees the call or the
 * call sees the flag.
 */
public final class Deadlines {

    /** Calls per cohort: enough that a burst arms few timers, few enough that a cohort dies young. */
    static final int COHORT_SIZE = 64;

    private static final long SYSTEM_TICK_NANOS = 1_000_000;
    private static final VarHandle OPEN = VarHandles.field(MethodHandles.lookup(), "open", Cohort.class);

    private final TimeSource clock;
    private final long timeoutNanos;
    /** What a call whose deadline passed is told: its handler's or its INIT phase's. */
    private final Consumer<Member> passed;
    /** 1 on any clock but the system's: cohorts of one instant. */
    private final long tickNanos;

    private volatile Cohort open;

    /** The handlers' deadlines. */
    static Deadlines handlers(TimeSource clock, Duration timeout) {
        return new Deadlines(clock, timeout, Member::handlerDeadline);
    }

    /** The INIT phases' deadlines: the handler factory's, on a cold start. */
    static Deadlines initPhases(TimeSource clock, Duration initTimeout) {
        return new Deadlines(clock, initTimeout, Member::initDeadline);
    }

    private Deadlines(TimeSource clock, Duration timeout, Consumer<Member> passed) {
        this.clock = clock;
        this.timeoutNanos = timeout.toNanos();
        this.passed = passed;
        this.tickNanos = clock == TimeSource.system() ? SYSTEM_TICK_NANOS : 1;
    }

    /**
     * Puts {@code call}, whose phase started at {@code startNanos} on the clock, under its deadline:
     * it is told when the deadline passes, unless it has left its cohort by then.
     */
    void join(Member call, long startNanos) {
        long tick = Math.floorDiv(startNanos, tickNanos);
        while (true) {
            Cohort current = open;
            if (current != null && tick - current.tick < 0) {
                ownDeadline(call, startNanos);
                return;
            }
            if (current != null && current.tick == tick) {
                int slot = current.tryJoin(call);
                if (slot >= 0) {
                    call.joined(current, slot);
                    if (current.fired) {
                        ownDeadline(call, startNanos);
                    }
                    return;
                }
            }
            Cohort fresh = new Cohort(tick, passed);
            long due =
                    (tick + 1) * tickNanos - 1 + timeoutNanos; // from the tick's last instant; wraps as nanoTime does
            fresh.timer = clock.schedule(Duration.ofNanos(Math.max(0, due - clock.nanoTime())), fresh::fire);
            if (OPEN.compareAndSet(this, current, fresh)) {
                if (current != null) {
                    current.seal();
                }
            } else {
                fresh.timer.cancel(); // another call opened one first: join that
            }
        }
    }

    private void ownDeadline(Member call, long startNanos) {
        long delay = Math.max(0, startNanos + timeoutNanos - clock.nanoTime());
        call.ownDeadline(clock.schedule(Duration.ofNanos(delay), () -> passed.accept(call)));
    }

    /** What a deadline is kept for: an invocation. */
    interface Member {

        /** It took {@code slot} in {@code cohort}, whose timer is its deadline; it leaves when it ends. */
        void joined(Cohort cohort, int slot);

        /** It was delayed on its way to its cohort: {@code timer} is a deadline of its own, to cancel when it ends. */
        void ownDeadline(TimeSource.Cancellable timer);

        /** Its handler's deadline passed while it was still in its cohort, or before its own timer was cancelled. */
        void handlerDeadline();

        /** The same, for the deadline of its INIT phase. */
        void initDeadline();
    }

    /** Cancels the open cohort's timer once its members have left: the function is gone. */
    public void close() {
        Cohort current = (Cohort) OPEN.getAndSet(this, null);
        if (current != null) {
            current.seal();
        }
    }

    /**
     * Calls whose handlers started in one tick. {@code state} counts, in its high half, the slots
     * taken and, in its low half, the members still in it plus one while it is the open cohort; at
     * zero the cohort is dead: its timer is cancelled and nothing joins it.
     */
    static final class Cohort {

        private static final long JOIN = (1L << 32) + 1;
        private static final long LIVE_MASK = 0xFFFF_FFFFL;
        private static final VarHandle STATE = VarHandles.field(MethodHandles.lookup(), "state", long.class);
        private static final VarHandle MEMBERS = MethodHandles.arrayElementVarHandle(Member[].class);

        final long tick;
        private final Consumer<Member> passed;
        private final Member[] members = new Member[COHORT_SIZE];
        private volatile long state = 1; // open, no members
        volatile boolean fired;
        /** Armed before the cohort is published, so that whoever empties it finds it set. */
        TimeSource.Cancellable timer;

        Cohort(long tick, Consumer<Member> passed) {
            this.tick = tick;
            this.passed = passed;
        }

        /** Takes a slot for {@code call}: its index, or -1 when the cohort is full or dead. */
        int tryJoin(Member call) {
            while (true) {
                long before = state;
                int slot = (int) (before >>> 32);
                if (slot >= COHORT_SIZE || (before & LIVE_MASK) == 0) {
                    return -1;
                }
                if (STATE.compareAndSet(this, before, before + JOIN)) {
                    MEMBERS.setVolatile(members, slot, call);
                    return slot;
                }
            }
        }

        /** The member in {@code slot} ended before its deadline. */
        void leave(int slot) {
            MEMBERS.setRelease(members, slot, (Member) null);
            leave();
        }

        private void leave() {
            if ((((long) STATE.getAndAdd(this, -1L)) & LIVE_MASK) == 1) {
                timer.cancel();
            }
        }

        /** A newer cohort took its place: nothing joins it any more, and it goes when its members have left. */
        void seal() {
            leave();
        }

        /** The timer: stops the members still in it. */
        void fire() {
            fired = true;
            int taken = (int) Math.min(COHORT_SIZE, state >>> 32);
            for (int slot = 0; slot < taken; slot++) {
                Member member = (Member) MEMBERS.getVolatile(members, slot);
                if (member != null) {
                    passed.accept(member);
                }
            }
        }
    }
}
