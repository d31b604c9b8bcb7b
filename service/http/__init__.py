"""The HTTP surface: the FastAPI app factory, who may do what (tokens, sessions, the permission
table), refusals as 4xx answers, hardening and the operation log, the JSON API (`api/`, one
router per resource) and the Chinese pages (`web/`). Nothing below this package imports it."""
