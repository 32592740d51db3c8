"""PostgreSQL access: connections and the migration runner."""
