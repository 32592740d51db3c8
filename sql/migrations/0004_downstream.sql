-- Downstream assets: the VG25 import marker (the predecessor used a marker file next to the GeoPackage).

-- One row per imported GeoPackage layer: re-import only when the file's hash changes or when forced.
CREATE TABLE regionalschluessel_import (
    layer varchar(64) PRIMARY KEY,
    file_sha256 varchar(64) NOT NULL,
    feature_count integer NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
