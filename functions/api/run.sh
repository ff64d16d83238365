#!/bin/bash
# Entry point of the streaming chat function: Lambda Web Adapter (/opt/bootstrap) proxies to this server.
exec python3 -m uvicorn --host 127.0.0.1 --port "${PORT:-8080}" --no-access-log asgi:app
