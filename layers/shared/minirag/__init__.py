"""MiniRAG: multi-tenant retrieval-augmented chat on AWS serverless."""
