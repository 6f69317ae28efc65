"""HTTP layer: routers parse, call one service function and return a schema."""
