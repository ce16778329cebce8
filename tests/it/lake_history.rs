//! lake_history
