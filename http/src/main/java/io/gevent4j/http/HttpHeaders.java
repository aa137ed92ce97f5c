package io.gevent4j.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * HTTP header fields: names compared case-insensitively, repeated fields kept in the order received.
 * Not thread-safe; a request's headers belong to the greenlet handling it.
 */
public final class HttpHeaders {
    private String[] names = new String[16];
    private String[] values = new String[16];
    private int size;

    /** No fields yet. */
    public HttpHeaders() {
    }

    /** {@return the number of fields (repeated ones counted each time)} */
    public int size() {
        return size;
    }

    /**
     * Appends a field, keeping earlier ones of the same name.
     *
     * @param name the field name
     * @param value the value
     * @return this {@code HttpHeaders}
     */
    public HttpHeaders add(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        names[size] = name;
        values[size] = value;
        size++;
        return this;
    }

    /**
     * Replaces every field of that name with one.
     *
     * @param name the field name
     * @param value the value
     * @return these headers
     */
    public HttpHeaders set(String name, String value) {
        remove(name);
        return add(name, value);
    }

    /**
     * Removes every field of that name; returns whether one was there.
     *
     * @param name the field name (case-insensitive)
     * @return whether a field of that name was there
     */
    public boolean remove(String name) {
        int j = 0;
        for (int i = 0; i < size; i++) {
            if (!names[i].equalsIgnoreCase(name)) {
                names[j] = names[i];
                values[j] = values[i];
                j++;
            }
        }
        boolean removed = j != size;
        for (int i = j; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = j;
        return removed;
    }

    /**
     * {@return the first value of the field, or null}
     *
     * @param name the field name (case-insensitive)
     */
    public String get(String name) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return values[i];
            }
        }
        return null;
    }

    /**
     * {@return every value of the field, in order received}
     *
     * @param name the field name (case-insensitive)
     */
    public List<String> getAll(String name) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                out.add(values[i]);
            }
        }
        return out;
    }

    /**
     * {@return the number of fields with that name}
     *
     * @param name the field name (case-insensitive)
     */
    public int count(String name) {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    /**
     * {@return true if a field of that name is present}
     *
     * @param name the field name (case-insensitive)
     */
    public boolean contains(String name) {
        return get(name) != null;
    }

    /**
     * {@return true if the field, read as a comma-separated list, contains {@code token} (case-insensitive),
     * e.g. {@code containsToken("Connection", "close")}}
     *
     * @param name the field name (case-insensitive)
     * @param token the token
     */
    public boolean containsToken(String name, String token) {
        for (int i = 0; i < size; i++) {
            if (names[i].equalsIgnoreCase(name) && listContains(values[i], token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the comma-separated list {@code v} has an element equal to {@code token}, ignoring case and OWS. */
    private static boolean listContains(String v, String token) {
        int n = v.length();
        int i = 0;
        while (i <= n) {
            int end = v.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            int s = i;
            int e = end;
            while (s < e && (v.charAt(s) == ' ' || v.charAt(s) == '\t')) {
                s++;
            }
            while (e > s && (v.charAt(e - 1) == ' ' || v.charAt(e - 1) == '\t')) {
                e--;
            }
            if (e - s == token.length() && v.regionMatches(true, s, token, 0, token.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    /** {@return the distinct names, lower-cased, in order of first appearance} */
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < size; i++) {
            out.add(names[i].toLowerCase(Locale.ROOT));
        }
        return Collections.unmodifiableSet(out);
    }

    /**
     * {@return the name of the i-th field as received}
     *
     * @param i the index, from 0 to {@code size() - 1}
     */
    public String nameAt(int i) {
        Objects.checkIndex(i, size);
        return names[i];
    }

    /**
     * {@return the value of the i-th field}
     *
     * @param i the index, from 0 to {@code size() - 1}
     */
    public String valueAt(int i) {
        Objects.checkIndex(i, size);
        return values[i];
    }

    /** Removes all fields. */
    public void clear() {
        Arrays.fill(names, 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ", ").append(names[i]).append(": ").append(values[i]);
        }
        return b.append('}').toString();
    }
}
