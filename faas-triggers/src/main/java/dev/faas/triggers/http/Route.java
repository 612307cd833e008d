package dev.faas.triggers.http;

import dev.faas.api.InvalidConfigException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One route: a method and a path pattern, whose {@code {name}} segments capture path parameters,
 * mapped to a function. Immutable.
 */
final class Route {

    private static final Pattern METHOD = Pattern.compile("[A-Z]+");
    private static final Pattern PARAMETER = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

    final String method;
    final String pattern;
    final String function;
    /** Null when the route is open. */
    final Authenticator authenticator;
    /** Each segment: its literal text, or null where a parameter goes. */
    private final String[] literals;
    /** Each segment: the parameter's name, or null where a literal goes. */
    private final String[] parameters;

    Route(String method, String pattern, String function, Authenticator authenticator) {
        if (method == null || !METHOD.matcher(method).matches()) {
            throw new InvalidConfigException(
                    "method",
                    "a route's method must be an upper-case HTTP method such as" + " GET or POST, but was "
                            + (method == null ? "null" : "'" + method + "'"));
        }
        if (pattern == null || !pattern.startsWith("/")) {
            throw new InvalidConfigException(
                    "path",
                    "a route's path must start with '/', but was " + (pattern == null ? "null" : "'" + pattern + "'"));
        }
        if (function == null || function.isBlank()) {
            throw new InvalidConfigException(
                    "function", "the route " + method + " " + pattern + " must name a function");
        }
        this.method = method;
        this.pattern = pattern;
        this.function = function;
        this.authenticator = authenticator;
        List<String> segments = segments(pattern);
        literals = new String[segments.size()];
        parameters = new String[segments.size()];
        for (int i = 0; i < segments.size(); i++) {
            String segment = segments.get(i);
            var parameter = PARAMETER.matcher(segment);
            if (parameter.matches()) {
                String name = parameter.group(1);
                for (int j = 0; j < i; j++) {
                    if (name.equals(parameters[j])) {
                        throw new InvalidConfigException(
                                "path",
                                "the route " + method + " " + pattern + " names the parameter {" + name + "} twice");
                    }
                }
                parameters[i] = name;
            } else if (segment.indexOf('{') >= 0 || segment.indexOf('}') >= 0) {
                throw new InvalidConfigException(
                        "path",
                        "the route " + method + " " + pattern + " has a segment '" + segment
                                + "': a parameter is a whole segment, {name}, with a Java-identifier name");
            } else {
                literals[i] = segment;
            }
        }
    }

    /** The segments of a path, without empty ones (a trailing or doubled slash counts for nothing). */
    static List<String> segments(String path) {
        List<String> segments = new ArrayList<>(4);
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            if (end > start) {
                segments.add(path.substring(start, end));
            }
            start = end + 1;
        }
        return segments;
    }

    /**
     * Matches decoded path segments; fills {@code parameters} on a match.
     *
     * @return whether the path is this route's
     */
    boolean matches(List<String> path, Map<String, String> captured) {
        if (path.size() != literals.length) {
            return false;
        }
        for (int i = 0; i < literals.length; i++) {
            if (literals[i] != null && !literals[i].equals(path.get(i))) {
                return false;
            }
        }
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] != null) {
                captured.put(parameters[i], path.get(i));
            }
        }
        return true;
    }

    /** Whether the two routes take the same method and the same paths. */
    boolean sameAs(Route other) {
        return method.equals(other.method) && SPECIFIC_FIRST.compare(this, other) == 0;
    }

    /**
     * The most specific route first: among patterns of one length, a literal segment wins over a
     * parameter at the first position where they differ ({@code /orders/new} before {@code /orders/{id}}).
     */
    static final Comparator<Route> SPECIFIC_FIRST = (a, b) -> {
        if (a.literals.length != b.literals.length) {
            return Integer.compare(a.literals.length, b.literals.length);
        }
        for (int i = 0; i < a.literals.length; i++) {
            boolean aLiteral = a.literals[i] != null;
            boolean bLiteral = b.literals[i] != null;
            if (aLiteral != bLiteral) {
                return aLiteral ? -1 : 1;
            }
            if (aLiteral && !a.literals[i].equals(b.literals[i])) {
                return a.literals[i].compareTo(b.literals[i]);
            }
        }
        return 0;
    };

    @Override
    public String toString() {
        return method + " " + pattern + " -> " + function;
    }
}
