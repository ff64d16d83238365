"""DynamoDB adapters: one table, tenant-first keys (see ARCHITECTURE.md)."""
