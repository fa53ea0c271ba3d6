package demo;

import java.io.Serializable;

/** A user's value class: serializable, in a package no default allow-list admits. */
public record Value(int n) implements Serializable {
}
