"""The common model every source parser produces and the store consumes."""
