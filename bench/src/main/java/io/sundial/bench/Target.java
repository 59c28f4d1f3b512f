package io.sundial.bench;

/** Where the producer sends its timed messages: through Sundial, or to the cluster's own (built-in) timer. */
enum Target {
    SUNDIAL("Sundial"),
    BROKER("built-in timer");

    private final String label;

    Target(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
