"""Sources: the registry of every source, and one parser (+ fetch) per protocol family."""
