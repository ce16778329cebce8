//! ingest_fixtures
