package dev.faas.triggers.http;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A trigger's routes, the most specific first, and the choice of one for each request. */
final class Router {

    private final List<Route> routes;

    /** @param routes sorted by {@link Route#SPECIFIC_FIRST} */
    Router(List<Route> routes) {
        this.routes = routes;
    }

    /**
     * The route for the request (the most specific, as the routes are sorted), else a 404 or a 405.
     * A HEAD without a route of its own takes the GET route, as HTTP says (the response has no body).
     */
    Route route(String method, String path, Map<String, String> captured) throws Refusal {
        List<String> segments = decodedSegments(path);
        for (Route route : routes) {
            if (route.method.equals(method) && route.matches(segments, captured)) {
                return route;
            }
        }
        if (method.equals("HEAD")) {
            for (Route route : routes) {
                if (route.method.equals("GET") && route.matches(segments, captured)) {
                    return route;
                }
            }
        }
        TreeSet<String> methods = new TreeSet<>();
        for (Route route : routes) {
            if (route.matches(segments, new HashMap<>())) {
                methods.add(route.method);
            }
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        if (methods.isEmpty()) {
            throw new Refusal(404, "NotFound", "no route for " + method + " " + path);
        }
        String allow = String.join(", ", methods);
        throw new Refusal(
                405, "MethodNotAllowed", path + " takes " + allow + ", not " + method, Map.of("Allow", allow));
    }

    /** The path's segments, percent-decoded one by one (an encoded slash stays inside its segment). */
    private static List<String> decodedSegments(String rawPath) throws Refusal {
        List<String> segments = Route.segments(rawPath);
        for (int i = 0; i < segments.size(); i++) {
            segments.set(i, UriDecoding.percentDecode(segments.get(i)));
        }
        return segments;
    }
}
