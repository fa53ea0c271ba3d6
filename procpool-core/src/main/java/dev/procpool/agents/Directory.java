package dev.procpool.agents;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Every agent's id, name, residency and subscriptions, fixed when the supervisor starts and given
 * to each agent, so that id look-ups and listener matching never need a round trip.
 */
final class Directory implements Serializable {
    private static final long serialVersionUID = 1L;

    final String[] names;
    final boolean[] resident;
    final Class<?>[][] listenTo;

    Directory(List<AgentSpec> specs) {
        int n = specs.size();
        names = new String[n];
        resident = new boolean[n];
        listenTo = new Class<?>[n][];
        for (int i = 0; i < n; i++) {
            AgentSpec s = specs.get(i);
            names[i] = s.name();
            resident[i] = s.isResident();
            listenTo[i] = s.listenTo().toArray(new Class<?>[0]);
        }
    }

    int size() {
        return names.length;
    }

    int[] idsOf(String name) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                ids.add(i);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Agents other than {@code self} subscribed to {@code type} or a supertype of it. */
    int[] listenersOf(Class<?> type, int self) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            if (i == self) {
                continue;
            }
            for (Class<?> c : listenTo[i]) {
                if (c.isAssignableFrom(type)) {
                    ids.add(i);
                    break;
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    String describe(int id) {
        return "'" + names[id] + "' (id " + id + ")";
    }
}
