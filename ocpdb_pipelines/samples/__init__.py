"""Generated (not recorded) sample payloads: the offline demo and the benchmarks build their inputs here."""
