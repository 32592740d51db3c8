-- OCPDB data model (predecessor §1) with real constraints: unique natural keys, cascading foreign keys.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE sourcestatus AS ENUM ('DISABLED', 'ACTIVE', 'FAILED', 'PROVISIONED');
CREATE TYPE imagecategory AS ENUM ('CHARGER', 'ENTRANCE', 'LOCATION', 'NETWORK', 'OPERATOR', 'OTHER', 'OWNER');
CREATE TYPE parkingtype AS ENUM (
    'ALONG_MOTORWAY', 'PARKING_GARAGE', 'PARKING_LOT', 'ON_DRIVEWAY', 'ON_STREET', 'UNDERGROUND_GARAGE', 'PRIVATE');
CREATE TYPE chargingrateunit AS ENUM ('W', 'KW', 'A');
CREATE TYPE servicetype AS ENUM ('PHYSICAL_ATTENDANCE', 'UNATTENDED');
CREATE TYPE "EvseStatus" AS ENUM (
    'AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN',
    'STATIC');
CREATE TYPE "PresenceStatus" AS ENUM ('PRESENT', 'PLANNED', 'REMOVED');
CREATE TYPE connectortype AS ENUM (
    'CHADEMO', 'DOMESTIC_A', 'DOMESTIC_B', 'DOMESTIC_C', 'DOMESTIC_D', 'DOMESTIC_E', 'DOMESTIC_F', 'DOMESTIC_G',
    'DOMESTIC_H', 'DOMESTIC_I', 'DOMESTIC_J', 'DOMESTIC_K', 'DOMESTIC_L', 'IEC_60309_2_single_16',
    'IEC_60309_2_three_16', 'IEC_60309_2_three_32', 'IEC_60309_2_three_64', 'IEC_62196_T1', 'IEC_62196_T1_COMBO',
    'IEC_62196_T2', 'IEC_62196_T2_COMBO', 'IEC_62196_T3A', 'IEC_62196_T3C', 'PANTOGRAPH_BOTTOM_UP',
    'PANTOGRAPH_TOP_DOWN', 'TESLA_R', 'TESLA_S', 'MCS', 'SAE_J3400', 'NEMA_5_20', 'NEMA_6_30', 'NEMA_6_50',
    'NEMA_10_30', 'NEMA_10_50', 'NEMA_14_30', 'NEMA_14_50', 'GBT_AC', 'GBT_DC');
CREATE TYPE connectorformat AS ENUM ('SOCKET', 'CABLE');
CREATE TYPE powertype AS ENUM ('AC_1_PHASE', 'AC_3_PHASE', 'DC');
CREATE TYPE tariffaudience AS ENUM ('AD_HOC_PAYMENT', 'EMSP_CONTRACT');

CREATE TABLE source (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    uid varchar(256) NOT NULL,
    name varchar(256),
    public_url varchar(4096),
    static_data_updated_at timestamptz,
    realtime_data_updated_at timestamptz,
    attribution_license text,
    attribution_contributor varchar(256),
    attribution_url varchar(256),
    static_status sourcestatus NOT NULL DEFAULT 'PROVISIONED',
    realtime_status sourcestatus NOT NULL DEFAULT 'PROVISIONED',
    static_error_count integer NOT NULL DEFAULT 0,
    realtime_error_count integer NOT NULL DEFAULT 0,
    CONSTRAINT ix_source_uid UNIQUE (uid)
);

CREATE TABLE image (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    external_url varchar(1024) NOT NULL,
    type varchar(4),
    category imagecategory,
    width integer,
    height integer,
    last_download timestamptz,
    CONSTRAINT uq_image_external_url UNIQUE (external_url)
);

CREATE TABLE business (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    logo_id bigint REFERENCES image (id) ON DELETE SET NULL,
    name varchar(255) NOT NULL,
    website varchar(255),
    emobility_uid varchar(255),
    CONSTRAINT uq_business_name UNIQUE (name)
);
CREATE INDEX ix_business_logo_id ON business (logo_id);

CREATE TABLE location (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    uid varchar(255) NOT NULL,
    source varchar(64) NOT NULL REFERENCES source (uid) ON DELETE CASCADE ON UPDATE CASCADE,
    operator_id bigint REFERENCES business (id) ON DELETE SET NULL,
    suboperator_id bigint REFERENCES business (id) ON DELETE SET NULL,
    owner_id bigint REFERENCES business (id) ON DELETE SET NULL,
    dynamic_location_id bigint REFERENCES location (id) ON DELETE SET NULL,
    dynamic_location_probability double precision,
    name varchar(255),
    address varchar(255),
    postal_code varchar(255),
    city varchar(255),
    state varchar(255),
    country varchar(3),
    lat numeric(9, 7) NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon numeric(10, 7) NOT NULL CHECK (lon BETWEEN -180 AND 180),
    geometry geometry(Point, 4326) GENERATED ALWAYS AS (
        ST_SetSRID(ST_MakePoint(lon::double precision, lat::double precision), 4326)) STORED,
    -- Web Mercator copy for tiles; latitude clamped to the Mercator domain
    geometry_3857 geometry(Point, 3857) GENERATED ALWAYS AS (
        ST_SetSRID(ST_MakePoint(
            lon::double precision * 20037508.342789244 / 180,
            ln(tan(pi() / 4 + radians(greatest(least(lat::double precision, 85.05112878), -85.05112878)) / 2))
                * 6378137), 3857)) STORED,
    directions jsonb,
    official_region_code varchar(36),
    parking_type parkingtype,
    time_zone varchar(32),
    last_updated timestamptz NOT NULL,
    terms_and_conditions varchar(255),
    twentyfourseven boolean,
    charging_when_closed boolean,
    help_phone varchar(255),
    max_power_unit chargingrateunit,
    max_power_value double precision,
    energy_mix jsonb,
    related_locations jsonb,
    regular_hours jsonb,
    exceptional_openings jsonb,
    exceptional_closings jsonb,
    has_in_person_support boolean NOT NULL DEFAULT false,
    facilities text[] NOT NULL DEFAULT '{}',
    facility_description text NOT NULL DEFAULT '',
    parking_spaces jsonb NOT NULL DEFAULT '[]',
    CONSTRAINT uq_location_source_uid UNIQUE (source, uid)
);
CREATE INDEX ix_location_uid ON location (uid);
CREATE INDEX geometry_index ON location USING gist (geometry);
CREATE INDEX geometry_3857_index ON location USING gist (geometry_3857);
CREATE INDEX geography_index ON location USING gist ((geometry::geography));
CREATE INDEX ix_location_last_updated ON location (last_updated);
CREATE INDEX ix_location_operator_id ON location (operator_id);
CREATE INDEX ix_location_suboperator_id ON location (suboperator_id);
CREATE INDEX ix_location_owner_id ON location (owner_id);
CREATE INDEX ix_location_dynamic_location_id ON location (dynamic_location_id);
CREATE INDEX ix_country_official_region_code ON location (country, official_region_code);

CREATE TABLE charging_station (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    location_id bigint NOT NULL REFERENCES location (id) ON DELETE CASCADE,
    uid varchar(36) NOT NULL,
    capabilities integer CHECK (capabilities >= 0),
    floor_level varchar(16),
    physical_reference varchar(255),
    last_updated timestamptz NOT NULL,
    go_live_date date,
    lat numeric(9, 7) CHECK (lat BETWEEN -90 AND 90),
    lon numeric(10, 7) CHECK (lon BETWEEN -180 AND 180),
    directions jsonb,
    max_power_unit chargingrateunit,
    max_power_value double precision,
    service_type servicetype,
    user_interface_languages text[],
    parking_spaces jsonb NOT NULL DEFAULT '[]',
    CONSTRAINT uq_charging_station_location_uid UNIQUE (location_id, uid)
);
CREATE INDEX ix_charging_station_uid ON charging_station (uid);
CREATE INDEX ix_charging_station_last_updated ON charging_station (last_updated);

CREATE TABLE evse (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    charging_station_id bigint NOT NULL REFERENCES charging_station (id) ON DELETE CASCADE,
    uid varchar(64) NOT NULL,
    evse_id varchar(64),
    status "EvseStatus" NOT NULL DEFAULT 'UNKNOWN',
    presence "PresenceStatus" NOT NULL DEFAULT 'PRESENT',
    physical_reference varchar(255),
    last_updated timestamptz NOT NULL,
    status_last_updated timestamptz,
    -- when OCPDB observed the last status change (the source's timestamp may be older): diff exports key on it
    status_observed_at timestamptz,
    max_reservation double precision,
    parking_restrictions integer CHECK (parking_restrictions >= 0),
    terms_and_conditions varchar(255),
    calibration_info_url varchar(255),
    related_resources jsonb,
    CONSTRAINT uq_evse_station_uid UNIQUE (charging_station_id, uid)
);
CREATE INDEX ix_evse_uid ON evse (uid);
CREATE INDEX ix_evse_evse_id ON evse (evse_id);
CREATE INDEX ix_evse_status ON evse (status);
CREATE INDEX ix_evse_last_updated ON evse (last_updated);
CREATE INDEX ix_evse_status_observed_at ON evse (status_observed_at);

CREATE TABLE connector (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    evse_id bigint NOT NULL REFERENCES evse (id) ON DELETE CASCADE,
    uid varchar(64) NOT NULL,
    standard connectortype,
    format connectorformat,
    power_type powertype,
    max_voltage integer,
    max_amperage integer,
    max_electric_power integer,
    last_updated timestamptz NOT NULL,
    terms_and_conditions varchar(255),
    CONSTRAINT uq_connector_evse_uid UNIQUE (evse_id, uid)
);
CREATE INDEX ix_connector_uid ON connector (uid);

CREATE TABLE location_image (
    location_id bigint NOT NULL REFERENCES location (id) ON DELETE CASCADE,
    image_id bigint NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    PRIMARY KEY (location_id, image_id)
);
CREATE INDEX ix_location_image_image_id ON location_image (image_id);
CREATE TABLE charging_station_image (
    charging_station_id bigint NOT NULL REFERENCES charging_station (id) ON DELETE CASCADE,
    image_id bigint NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    PRIMARY KEY (charging_station_id, image_id)
);
CREATE INDEX ix_charging_station_image_image_id ON charging_station_image (image_id);
CREATE TABLE evse_image (
    evse_id bigint NOT NULL REFERENCES evse (id) ON DELETE CASCADE,
    image_id bigint NOT NULL REFERENCES image (id) ON DELETE CASCADE,
    PRIMARY KEY (evse_id, image_id)
);
CREATE INDEX ix_evse_image_image_id ON evse_image (image_id);

CREATE TABLE tariff (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    uid varchar(64) NOT NULL,
    source varchar(64) NOT NULL REFERENCES source (uid) ON DELETE CASCADE ON UPDATE CASCADE,
    currency varchar(3),
    elements jsonb NOT NULL DEFAULT '[]',
    tariff_alt_url varchar(255),
    tariff_alt_text jsonb,
    min_price jsonb,
    max_price jsonb,
    energy_mix jsonb,
    last_updated timestamptz NOT NULL,
    CONSTRAINT uq_tariff_source_uid UNIQUE (source, uid)
);
CREATE INDEX ix_tariff_uid ON tariff (uid);

CREATE TABLE tariff_association (
    id bigserial PRIMARY KEY,
    created timestamptz NOT NULL DEFAULT now(),
    modified timestamptz NOT NULL DEFAULT now(),
    tariff_id bigint NOT NULL REFERENCES tariff (id) ON DELETE CASCADE,
    uid varchar(64) NOT NULL,
    source varchar(64) NOT NULL REFERENCES source (uid) ON DELETE CASCADE ON UPDATE CASCADE,
    audience tariffaudience,
    start_date_time timestamptz NOT NULL,
    last_updated timestamptz NOT NULL,
    CONSTRAINT uq_tariff_association_source_uid UNIQUE (source, uid)
);
CREATE INDEX ix_tariff_association_tariff_id ON tariff_association (tariff_id);

CREATE TABLE evse_tariff_association (
    evse_id bigint NOT NULL REFERENCES evse (id) ON DELETE CASCADE,
    tariff_association_id bigint NOT NULL REFERENCES tariff_association (id) ON DELETE CASCADE,
    PRIMARY KEY (evse_id, tariff_association_id)
);
CREATE INDEX ix_evse_tariff_association_ta ON evse_tariff_association (tariff_association_id);
CREATE TABLE connector_tariff_association (
    connector_id bigint NOT NULL REFERENCES connector (id) ON DELETE CASCADE,
    tariff_association_id bigint NOT NULL REFERENCES tariff_association (id) ON DELETE CASCADE,
    PRIMARY KEY (connector_id, tariff_association_id)
);
CREATE INDEX ix_connector_tariff_association_ta ON connector_tariff_association (tariff_association_id);

-- VG25 municipalities (predecessor: table regionalschluessel made by ogr2ogr)
CREATE TABLE regionalschluessel (
    id bigserial PRIMARY KEY,
    regional_code varchar(12) NOT NULL,
    name text,
    attributes jsonb NOT NULL DEFAULT '{}',
    geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX ix_regionalschluessel_geom ON regionalschluessel USING gist (geom);
CREATE INDEX ix_regionalschluessel_code ON regionalschluessel (regional_code);

-- Append-only history of EVSE status changes as OCPDB observed them
CREATE TABLE evse_status_history (
    id bigserial PRIMARY KEY,
    evse_id bigint NOT NULL REFERENCES evse (id) ON DELETE CASCADE,
    status "EvseStatus" NOT NULL,
    source_timestamp timestamptz,
    observed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_evse_status_history_evse ON evse_status_history (evse_id, observed_at);

-- Change detection state per source and kind (static/realtime): ETag, Last-Modified, payload hash
CREATE TABLE source_fetch_state (
    source_uid varchar(64) NOT NULL REFERENCES source (uid) ON DELETE CASCADE ON UPDATE CASCADE,
    kind varchar(16) NOT NULL CHECK (kind IN ('static', 'realtime')),
    etag text,
    last_modified text,
    content_hash varchar(64),
    checked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_uid, kind)
);

-- One counter bumped in every transaction that changes location data: API caches key on it
CREATE TABLE data_version (
    id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    version bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version (id) VALUES (1);
