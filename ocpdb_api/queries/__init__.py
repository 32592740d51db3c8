"""SQL of the read API: searches return ids, loaders fetch whole trees for a page of ids."""
