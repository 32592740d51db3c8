"""HTTP for sources: one client with timeouts, retries with backoff, mTLS, and the raw archive."""
