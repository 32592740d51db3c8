"""Source HTTP: the one fetcher (fetcher.py) over one client (client.py), the raw-archive snapshots
(archive.py), the fetch-state store (state.py), URL resolution (urls.py), budget and errors."""
